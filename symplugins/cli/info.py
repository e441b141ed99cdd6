"""``symplugins info``: version, importable extras, torch devices."""
from __future__ import annotations

import argparse

HOSTS = [
    ("nequip", "nequip", "nequip"), ("e3nn", "e3nn", "nequip"), ("ase", "ase", "ase"),
    ("torch_geometric", "torch_geometric", "pyg"), ("pytorch3d", "pytorch3d", "pytorch3d"),
    ("trimesh", "trimesh", "mesh"), ("meshio", "meshio", "mesh"), ("tblite", "tblite", "chem"),
    ("rdkit", "rdkit", "chem"), ("lightning", "lightning", "bench"),
    ("matplotlib", "matplotlib", "bench"), ("clifford", "clifford", "test"),
]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="version, installed extras and torch devices")
    p.set_defaults(func=run)


def collect() -> dict:
    """Report as a dict: version, torch, devices, and per-host availability."""
    import importlib.metadata as md

    import torch

    from symplugins import __version__
    from symplugins.utils.imports import available

    hosts = {}
    for name, module, extra in HOSTS:
        ok = available(module)
        try:
            version = md.version(name.replace("_", "-")) if ok else None
        except md.PackageNotFoundError:
            version = "?"
        hosts[name] = {"available": ok, "version": version, "extra": extra}
    devices = ["cpu"] + [f"cuda:{i} ({torch.cuda.get_device_name(i)})" for i in range(torch.cuda.device_count())]
    return {"symplugins": __version__, "torch": torch.__version__, "devices": devices, "hosts": hosts}


def run(args: argparse.Namespace) -> int:
    info = collect()
    print(f"symplugins {info['symplugins']}  (torch {info['torch']})")
    print("devices: " + ", ".join(info["devices"]))
    print("host libraries:")
    for name, h in info["hosts"].items():
        state = f"yes ({h['version']})" if h["available"] else f"no  -> pip install 'symplugins[{h['extra']}]'"
        print(f"  {name:<16} {state}")
    return 0
