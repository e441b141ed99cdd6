"""Input validation and heads shared by the point backbones."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ...nn.points import mlp
from ...utils import check_batch, check_finite, check_same_device_dtype, check_shape

TASKS = ("classification", "segmentation")


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    return task


def check_matches_model(model: nn.Module, pos: Tensor) -> None:
    """Raise ValueError when ``pos`` has another dtype or device than ``model``'s parameters."""
    p = next((t for t in model.parameters() if t.is_floating_point()), None)
    if p is None:
        return
    if pos.dtype != p.dtype:
        raise ValueError(f"'pos' is {pos.dtype} but the model is {p.dtype}; "
                         "call model.to(pos) or cast the input")
    if pos.device != p.device:
        raise ValueError(f"'pos' is on {pos.device} but the model is on {p.device}; "
                         "call model.to(pos) or move the input")


def check_cloud(x: Tensor | None, pos: Tensor, batch: Tensor | None, in_channels: int, *,
                model: nn.Module, min_points: int = 1, why: str = "") -> tuple[Tensor, Tensor, int]:
    """Validate ``(x, pos, batch)`` for ``model``; return the features ``[x, pos]``, the batch and ``B``."""
    check_shape("pos", pos, (None, 3))
    check_finite("pos", pos)
    check_batch("batch", batch, pos.shape[0])
    if pos.shape[0] == 0:
        raise ValueError("'pos' is empty: every cloud needs at least one point")
    if in_channels:
        if x is None:
            raise ValueError(f"the model was built with in_channels={in_channels}; pass x [N, {in_channels}]")
        check_shape("x", x, (pos.shape[0], in_channels))
        check_finite("x", x)
        check_same_device_dtype(x=x, pos=pos)
    elif x is not None and x.numel():
        raise ValueError(f"the model was built with in_channels=0 but x has shape {list(x.shape)}; "
                         "pass x=None or build with in_channels=x.shape[1]")
    check_matches_model(model, pos)
    batch = batch if batch is not None else torch.zeros(pos.shape[0], dtype=torch.long, device=pos.device)
    counts = torch.bincount(batch)
    b = counts.numel()
    if int(counts.min()) < min_points:
        c = int(counts.argmin())
        raise ValueError(f"cloud {c} has {int(counts[c])} points but at least {min_points} are needed{why}; "
                         "use more points per cloud or a smaller neighbourhood")
    h = pos if not in_channels else torch.cat([x, pos], dim=-1)
    return h, batch, b


def classifier(in_channels: int, hidden: Sequence[int], num_classes: int, dropout: float) -> nn.Sequential:
    """Per-cloud head ``[B, C] -> [B, num_classes]``."""
    return mlp([in_channels, *hidden, num_classes], dropout=dropout, last_act=False)


def reset_all(module: nn.Module) -> None:
    """Call ``reset_parameters`` on every sub-module that has one."""
    for m in module.modules():
        if m is not module and hasattr(m, "reset_parameters"):
            m.reset_parameters()


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
