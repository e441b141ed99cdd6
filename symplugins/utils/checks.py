"""Input validation that raises ValueError naming the argument and the fix."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor


def check_shape(name: str, t: Tensor, shape: Sequence[int | None]) -> None:
    """Check ``t.shape`` against ``shape`` (None = any size)."""
    if not isinstance(t, Tensor):
        raise ValueError(f"'{name}' must be a torch.Tensor, got {type(t).__name__}")
    if t.dim() != len(shape) or any(
        s is not None and s != d for s, d in zip(shape, t.shape)
    ):
        want = "[" + ", ".join("*" if s is None else str(s) for s in shape) + "]"
        raise ValueError(f"'{name}' must have shape {want}, got {list(t.shape)}")


def check_finite(name: str, t: Tensor) -> None:
    """Raise if ``t`` holds NaN or inf."""
    if t.is_floating_point() and not bool(torch.isfinite(t).all()):
        bad = int((~torch.isfinite(t)).sum())
        raise ValueError(
            f"'{name}' contains {bad} non-finite value(s) (NaN or inf); "
            "clean or drop those entries before calling"
        )


def check_index(name: str, index: Tensor, size: int, what: str = "nodes") -> None:
    """Check an integer index tensor lies in ``[0, size)``."""
    if index.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"'{name}' must be an integer (long) tensor, got {index.dtype}")
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= size):
        raise ValueError(
            f"'{name}' has values in [{int(index.min())}, {int(index.max())}] but there are "
            f"only {size} {what}; indices must lie in [0, {size - 1}]"
        )


def check_batch(name: str, batch: Tensor | None, num: int) -> None:
    """Check a PyG-style batch vector (one graph id per row, long, length ``num``)."""
    if batch is None:
        return
    if batch.dim() != 1 or batch.numel() != num:
        raise ValueError(
            f"'{name}' must be a 1-D tensor with one entry per point ({num}), "
            f"got shape {list(batch.shape)}"
        )
    if batch.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"'{name}' must be an integer tensor, got {batch.dtype}")
    if num and int(batch.min()) < 0:
        raise ValueError(f"'{name}' must hold non-negative graph indices")


def first_parameter(name: str, module: torch.nn.Module, fix: str = "pass a module with parameters") -> Tensor:
    """``module``'s first parameter: where inputs go (device, dtype) to meet it; a ValueError if it has none."""
    p = next(module.parameters(), None)
    if p is None:
        raise ValueError(f"'{name}' has no parameters, so its device and dtype are unknown: {fix}")
    return p


def check_same_device_dtype(**tensors: Tensor) -> None:
    """Check floating tensors share a dtype and all tensors share a device."""
    items = [(k, v) for k, v in tensors.items() if isinstance(v, Tensor)]
    if not items:
        return
    dev = items[0][1].device
    for k, v in items:
        if v.device != dev:
            raise ValueError(
                f"'{k}' is on {v.device} but '{items[0][0]}' is on {dev}; "
                "move all inputs to one device (e.g. .to(device))"
            )
    floats = [(k, v) for k, v in items if v.is_floating_point()]
    if floats:
        dt = floats[0][1].dtype
        for k, v in floats:
            if v.dtype != dt:
                raise ValueError(
                    f"'{k}' has dtype {v.dtype} but '{floats[0][0]}' has {dt}; "
                    "cast inputs to one dtype"
                )
