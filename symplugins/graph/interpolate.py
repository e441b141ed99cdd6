"""k-NN feature interpolation (PointNet++ feature propagation) with PyG 2.8's signature.

Qi et al., "PointNet++", NeurIPS 2017 (arXiv 1706.02413), Eq. (2):
``f(y) = sum_i w_i f(x_i) / sum_i w_i`` over the k nearest ``x_i`` of ``y`` in its graph,
``w_i = 1 / max(|p(y) - p(x_i)|^2, 1e-16)`` (inverse squared distance, as in PyG).
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import _segments as S
from .knn import knn


def knn_interpolate(
    x: Tensor,
    pos_x: Tensor,
    pos_y: Tensor,
    batch_x: Tensor | None = None,
    batch_y: Tensor | None = None,
    k: int = 3,
    num_workers: int = 1,
    *,
    chunk_size: int | None = None,
    backend: str = "auto",
) -> Tensor:
    """Interpolate features ``x`` ``[N, F]`` at ``pos_x`` ``[N, D]`` onto ``pos_y`` ``[M, D]``.

    Same contract as :func:`torch_geometric.nn.unpool.knn_interpolate`; returns ``[M, F]``.
    Differentiable in ``x`` (the neighbour search and weights are not). Raises ValueError
    when a point of ``pos_y`` has no point of ``pos_x`` in its graph (PyG returns NaN).
    """
    if not isinstance(x, Tensor) or x.dim() != 2:
        shape = list(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"'x' must be a [num_points, num_features] tensor, got {shape}")
    pos_x, pos_y = S.check_points("pos_x", pos_x), S.check_points("pos_y", pos_y)
    if x.size(0) != pos_x.size(0):
        raise ValueError(
            f"'x' has {x.size(0)} rows but 'pos_x' has {pos_x.size(0)}; one feature row "
            "per point of pos_x is needed"
        )
    with torch.no_grad():
        y_idx, x_idx = knn(pos_x, pos_y, k, batch_x, batch_y, num_workers=num_workers,
                           chunk_size=chunk_size, backend=backend)
    return interpolate_pairs(x, pos_x, pos_y, y_idx, x_idx)


def interpolate_pairs(x: Tensor, pos_x: Tensor, pos_y: Tensor, y_idx: Tensor, x_idx: Tensor) -> Tensor:
    """The weighted mean of :func:`knn_interpolate` over given pairs ``(y_idx, x_idx)``.

    For callers that search the neighbours once and interpolate many times (e.g. a
    precomputed pooling hierarchy): ``knn_interpolate(x, ...) ==
    interpolate_pairs(x, pos_x, pos_y, *knn(pos_x, pos_y, k, ...))``. Weights carry no
    gradient (as in :func:`knn_interpolate`); the result is differentiable in ``x``.
    """
    with torch.no_grad():
        diff = pos_x[x_idx] - pos_y[y_idx]
        w = 1.0 / (diff * diff).sum(dim=-1, keepdim=True).clamp_min(1e-16)
    m = pos_y.size(0)
    den = torch.zeros(m, 1, dtype=w.dtype, device=w.device).index_add_(0, y_idx, w)
    if m and bool((den == 0).any()):
        missing = int((den == 0).sum())
        raise ValueError(
            f"{missing} point(s) of 'pos_y' have no point of 'pos_x' in their graph; "
            "check batch_x/batch_y (every graph in batch_y needs points in batch_x)"
        )
    num = torch.zeros(m, x.size(1), dtype=x.dtype, device=x.device)
    num = num.index_add(0, y_idx, x[x_idx] * w.to(x.dtype))
    return num / den.to(x.dtype)
