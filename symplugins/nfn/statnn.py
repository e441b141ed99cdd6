"""STATNN features (Unterthiner et al. 2020): per-tensor weight statistics.

For each parameter tensor: mean, variance and the 0/25/50/75/100 % quantiles.
These are invariant to permutations but not to scalings (the point of Monomial-NFN).
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["STAT_NAMES", "row_stats", "tensor_stats", "statnn_features", "statnn_table"]

STAT_NAMES = ("mean", "var", "q0", "q25", "q50", "q75", "q100")
_Q = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0], dtype=torch.float64)


def row_stats(t: Tensor) -> Tensor:
    """The 7 statistics of each ``t[b]`` (all its entries): ``[B, ...] -> [B, 7]``, in ``t``'s
    dtype and differentiable (quantiles interpolate linearly)."""
    x = t.flatten(1)
    q = torch.quantile(x, _Q.to(x), dim=1).T
    return torch.cat([x.mean(1, keepdim=True), x.var(1, unbiased=False, keepdim=True), q], dim=1)


def tensor_stats(t: Tensor) -> Tensor:
    """``[7]`` statistics of one tensor (float64, detached)."""
    return row_stats(t.detach().reshape(1, -1).to(torch.float64))[0]


def statnn_features(space) -> Tensor:
    """``[7 * n_tensors]`` STATNN feature vector of a weight space (parameters only)."""
    return torch.cat([tensor_stats(t) for n, t in space.tensors.items() if n not in space.spec.buffers])


def statnn_table(space) -> list[dict]:
    """One dict per parameter tensor: name, shape and the statistics."""
    return [{"name": n, "shape": list(t.shape), **dict(zip(STAT_NAMES, tensor_stats(t).tolist()))}
            for n, t in space.tensors.items() if n not in space.spec.buffers]
