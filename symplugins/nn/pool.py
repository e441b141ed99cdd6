"""Scatter reductions over a PyG-style index (pure torch, ``scatter_reduce``).

``scatter_max(src, index, size)[i] = max_{n: index[n] = i} src[n]`` (and the mean);
``global_*_pool(x, batch)`` pools points ``[N, ...]`` into clouds ``[B, ...]``.
"""
from __future__ import annotations

import torch
from torch import Tensor


def num_clouds(batch: Tensor | None, size: int | None = None) -> int:
    """Number of clouds ``B`` given a batch vector (``1`` when ``batch`` is None)."""
    if size is not None:
        return int(size)
    if batch is None or batch.numel() == 0:
        return 1
    return int(batch.max()) + 1


def _expand(index: Tensor, src: Tensor) -> Tensor:
    return index.view(-1, *([1] * (src.dim() - 1))).expand_as(src)


def scatter_max(src: Tensor, index: Tensor, size: int) -> Tensor:
    """Max of ``src [N, ...]`` over rows sharing ``index [N]`` -> ``[size, ...]`` (0 if empty)."""
    out = src.new_zeros((size,) + tuple(src.shape[1:]))
    return out.scatter_reduce(0, _expand(index, src), src, reduce="amax", include_self=False)


def scatter_mean(src: Tensor, index: Tensor, size: int) -> Tensor:
    """Mean of ``src [N, ...]`` over rows sharing ``index [N]`` -> ``[size, ...]`` (0 if empty)."""
    out = src.new_zeros((size,) + tuple(src.shape[1:]))
    return out.scatter_reduce(0, _expand(index, src), src, reduce="mean", include_self=False)


def global_max_pool(x: Tensor, batch: Tensor | None, size: int | None = None) -> Tensor:
    """Per-cloud max ``[B, ...]`` of point features ``x [N, ...]``."""
    if batch is None:
        return x.amax(dim=0, keepdim=True)
    return scatter_max(x, batch, num_clouds(batch, size))


def global_mean_pool(x: Tensor, batch: Tensor | None, size: int | None = None) -> Tensor:
    """Per-cloud mean ``[B, ...]`` of point features ``x [N, ...]``."""
    if batch is None:
        return x.mean(dim=0, keepdim=True)
    return scatter_mean(x, batch, num_clouds(batch, size))
