"""``--device`` for the subcommands that run a model (md, points, mesh)."""
from __future__ import annotations

import argparse


def add_device_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="cpu", help="torch device to run the model on: cpu, cuda, cuda:1, ...")


def torch_device(name: str):
    """``torch.device(name)``, or a ValueError naming the fix when it is unknown or not available here."""
    import torch

    try:
        dev = torch.device(name)
    except RuntimeError as err:
        raise ValueError(f"--device {name!r} is not a torch device ({err}); use cpu or cuda") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"--device {name}: no CUDA device is visible (torch.cuda.is_available() is "
                             "False); use --device cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            n = torch.cuda.device_count()
            raise ValueError(f"--device {name}: only {n} CUDA device(s) here; use cuda:0 ... cuda:{n - 1}")
    elif dev.type != "cpu":
        raise ValueError(f"--device {name}: only cpu and cuda devices are supported; use --device cpu or "
                         "--device cuda")
    return dev
