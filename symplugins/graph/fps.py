"""Farthest point sampling with PyG 2.8's signature (pure torch, all graphs at once).

Qi et al., "PointNet++", NeurIPS 2017 (arXiv 1706.02413). Greedy rule, per graph:
``s_0`` = start, ``s_{t+1} = argmax_i min_{u <= t} |x_i - x_{s_u}|``.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import _segments as S


def fps(
    x: Tensor,
    batch: Tensor | None = None,
    ratio: float = 0.5,
    random_start: bool = True,
    batch_size: int | None = None,
    *,
    generator: torch.Generator | None = None,
    backend: str = "auto",
) -> Tensor:
    """Indices of ``ceil(ratio * n_b)`` farthest-point samples of each graph ``b``.

    Same contract as :func:`torch_geometric.nn.pool.fps`: returns a ``[sum_b m_b]`` long
    tensor of global indices into ``x``, graph by graph, each graph's samples in the order
    they were picked. ``random_start=False`` starts at each graph's first point; otherwise
    the start is uniform (drawn from ``generator`` if given). Empty graphs give nothing.
    Cost: ``max_b m_b`` vectorised steps over all points (graphs run in parallel).

    Args:
        x: ``[N, D]`` points (``[N, ...]`` is flattened like PyG). batch: sorted ``[N]``.
        ratio: fraction in ``(0, 1]``. batch_size: number of graphs (default: inferred).
    """
    if isinstance(x, Tensor) and x.dim() > 2:
        x = x.reshape(x.size(0), -1)
    x = S.check_points("x", x)
    ratio = _check_ratio(ratio)
    S.check_backend(backend)
    b = S.batch_or_zeros("batch", batch, x)
    (cnt,) = S.segment_counts([b], batch_size)
    ops = S.pyg_lib_ops("fps", backend)
    if ops is not None:
        return ops.fps(x, S.ptr_from_counts(cnt, x.device), ratio, random_start)
    return _fps_padded(x, cnt, ratio, random_start, generator)


def _check_ratio(ratio: float) -> float:
    try:
        ratio = float(ratio)
    except (TypeError, ValueError):
        raise ValueError(f"'ratio' must be a float in (0, 1], got {ratio!r}") from None
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"'ratio' must lie in (0, 1], got {ratio}")
    return ratio


@torch.no_grad()
def _fps_padded(
    x: Tensor, cnt: list[int], ratio: float, random_start: bool,
    generator: torch.Generator | None,
) -> Tensor:
    """FPS on a padded ``[B, n_max, D]`` layout; one loop step per sample index."""
    dev = x.device
    nonempty = [i for i, n in enumerate(cnt) if n > 0]
    if not nonempty:
        return torch.empty(0, dtype=torch.long, device=dev)
    counts = torch.tensor([cnt[i] for i in nonempty], device=dev)
    ptr = S.ptr_from_counts(cnt, dev)[nonempty]
    n_max, n_seg = int(counts.max()), len(nonempty)
    local = torch.arange(n_max, device=dev)
    valid = local[None, :] < counts[:, None]                       # [B, n_max]
    gidx = (ptr[:, None] + local[None, :]).clamp_max(x.size(0) - 1)
    pts = x[gidx]                                                  # [B, n_max, D]
    num = torch.tensor([math.ceil(n * ratio) for n in counts.tolist()], device=dev)
    steps = int(num.max())
    if random_start:
        gen_dev = generator.device if generator is not None else torch.device("cpu")
        u = torch.rand(n_seg, generator=generator, device=gen_dev).to(dev)
        cur = (u * counts).long().clamp_max(counts - 1)
    else:
        cur = torch.zeros(n_seg, dtype=torch.long, device=dev)
    mind = torch.full((n_seg, n_max), float("inf"), dtype=x.dtype, device=dev)
    mind = mind.masked_fill(~valid, -1.0)
    picked = torch.empty(n_seg, steps, dtype=torch.long, device=dev)
    rows = torch.arange(n_seg, device=dev)
    for t in range(steps):
        picked[:, t] = cur
        d = (pts - pts[rows, cur][:, None, :]).pow(2).sum(-1)
        mind = torch.minimum(mind, d.masked_fill(~valid, -1.0))
        cur = mind.argmax(dim=1)
    keep = torch.arange(steps, device=dev)[None, :] < num[:, None]
    return (picked + ptr[:, None])[keep]
