"""Radius and k-NN search on a cell list (``method="grid"``): ~O(N) for bounded density.

Radius: cells of size ``h = r (1 + 1e-6)``; candidates are the points in the 27 cells
around each query, exactly the pairs closer than ``r`` are kept.

k-NN: per-segment cells sized so occupied cells hold about ``k / 3 + 1`` points; a query
is finished when ``k`` candidates lie closer than the cell size (then no point outside the
27 cells can be nearer) or when it has seen its whole segment; unfinished queries repeat
with doubled cells. Candidates are laid out as padded ``[queries, candidates]`` chunks of
at most :data:`~._grid.GRID_PAIR_BUDGET` slots (a single query above it is its own chunk),
queries sorted by cell and then by candidate count so padding stays small.
Distances are ``linalg.vector_norm(x_j - y_i)``, which equals the brute-force ``cdist``
bit for bit in float32 on CPU (float64 may differ in the last bit).
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import _grid as G

_F64 = torch.float64


@torch.no_grad()
def radius_grid(
    x: Tensor, y: Tensor, bx: Tensor, by: Tensor, nseg: int, r: float, cap: int | None,
    chunk_size: int | None, *, exclude_self: bool,
) -> Tensor:
    """Pairs ``[2, E]`` (query row, neighbour col), sorted by query then neighbour index."""
    empty = torch.empty(2, 0, dtype=torch.long, device=x.device)
    if not (x.size(0) and y.size(0)):
        return empty
    x3, y3 = G.pad3(x), G.pad3(y)
    lo, hi = G.segment_bounds(x3, y3, bx, by, nseg)
    h = torch.full((nseg,), r * (1 + 1e-6), dtype=_F64, device=x.device)
    grid = G.build_grid(x, x3, bx, lo, hi, h)
    qorder = G.query_order(grid, y3, by)
    out = []
    for a, b in G.query_blocks(y.size(0)):
        qi = qorder[a:b]
        qi, start, count, width = G.sorted_by_width(qi, *G.cell_ranges(grid, y3[qi], by[qi]))
        for c0, c1 in G.chunks(width, G.GRID_PAIR_BUDGET, chunk_size):
            rows = qi[c0:c1]
            d, pos, ok = _distances(y, grid, rows, start[c0:c1], count[c0:c1], exclude_self)
            ok &= d < r
            if cap is not None and cap < ok.size(1) and int(ok.sum(1).max()) > cap:
                vals, idx = torch.topk(d.masked_fill(~ok, float("inf")), cap, dim=1,
                                       largest=False)
                ok = torch.zeros_like(ok).scatter_(1, idx, torch.isfinite(vals))
            row, slot = ok.nonzero().unbind(1)
            out.append(torch.stack([rows[row], grid.order[pos[row, slot]]]))
    q, j = torch.cat(out, dim=1)
    order = torch.argsort(q * x.size(0) + j)
    return torch.stack([q[order], j[order]])


def _distances(
    y: Tensor, grid: G.Grid, rows: Tensor, start: Tensor, count: Tensor, exclude_self: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """Padded candidate distances ``d``, sorted positions ``pos`` and validity ``[R, W]``
    of query ``rows`` (with ``exclude_self``, ``y`` is ``x`` and the query itself is invalid)."""
    pos, ok = G.candidates(start, count)
    pts = grid.xs.index_select(0, pos.flatten()).view(*pos.shape, -1)
    d = torch.linalg.vector_norm(pts - y.index_select(0, rows)[:, None], dim=-1)
    if exclude_self:
        ok &= pos != grid.rank.index_select(0, rows)[:, None]
    return d, pos, ok


@torch.no_grad()
def knn_grid(
    x: Tensor, y: Tensor, bx: Tensor, by: Tensor, cnt_x: list[int], k: int,
    chunk_size: int | None, *, exclude_self: bool,
) -> Tensor:
    """``[2, E]`` (query row, neighbour col), by query, then by distance."""
    dev, nseg = x.device, len(cnt_x)
    avail = torch.tensor(cnt_x, dtype=torch.long, device=dev)[by] - int(exclude_self)
    need = avail.clamp(0, k)
    pending = (need > 0).nonzero().flatten()
    if not pending.numel():
        return torch.empty(2, 0, dtype=torch.long, device=dev)
    x3, y3 = G.pad3(x), G.pad3(y)
    lo, hi = G.segment_bounds(x3, y3, bx, by, nseg)
    h = _knn_cell_size(x, x3, bx, lo, hi, cnt_x, k)
    rows, cols = [], []
    while pending.numel():
        grid = G.build_grid(x, x3, bx, lo, hi, h)
        pending = pending[G.query_order(grid, y3[pending], by[pending])]
        left = []
        for a, b in G.query_blocks(pending.numel()):
            qi = pending[a:b]
            qi, start, count, width = G.sorted_by_width(qi, *G.cell_ranges(grid, y3[qi], by[qi]))
            for c0, c1 in G.chunks(width, G.GRID_PAIR_BUDGET, chunk_size):
                q, j, done = _knn_chunk(y, grid, qi[c0:c1], start[c0:c1], count[c0:c1],
                                        by, avail, need, exclude_self)
                rows.append(q), cols.append(j), left.append(qi[c0:c1][~done])
        pending, h = torch.cat(left), grid.h * 2
    q, j = torch.cat(rows), torch.cat(cols)
    order = torch.argsort(q, stable=True)       # each query's run is already by distance
    return torch.stack([q[order], j[order]])


def _knn_chunk(
    y: Tensor, grid: G.Grid, qi: Tensor, start: Tensor, count: Tensor,
    by: Tensor, avail: Tensor, need: Tensor, exclude_self: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """k nearest candidates of the finished queries among ``qi [R]``.

    Returns query rows and neighbour cols (by query, then distance) and ``done [R]``.
    """
    d, pos, ok = _distances(y, grid, qi, start, count, exclude_self)
    d = d.masked_fill(~ok, float("inf"))
    guard = (grid.h[by[qi]] * (1 - 1e-4)).to(d.dtype)          # every non-candidate is farther
    n = need[qi]
    done = ((d < guard[:, None]).sum(1) >= n) | (ok.sum(1) >= avail[qi])
    _, idx = torch.topk(d, min(int(n.max()), d.size(1)), dim=1, largest=False, sorted=True)
    sel = done[:, None] & (torch.arange(idx.size(1), device=idx.device) < n[:, None])
    return qi[:, None].expand_as(idx)[sel], grid.order[pos.gather(1, idx)[sel]], done


def _knn_cell_size(
    x: Tensor, x3: Tensor, bx: Tensor, lo: Tensor, hi: Tensor, cnt_x: list[int], k: int,
) -> Tensor:
    """Per-segment cell size whose occupied cells hold about ``k / 3 + 1`` points.

    Starts from ``extent / n^(1/3)`` and corrects twice by the measured occupancy (this
    adapts to points on surfaces or curves, whose occupancy scales as ``h^2`` or ``h``).
    """
    n = torch.tensor(cnt_x, dtype=_F64, device=x3.device).clamp_min(1)
    h = (hi - lo).amax(dim=1).clamp_min(1e-12) / n ** (1 / 3)
    for _ in range(2):
        grid = G.build_grid(x, x3, bx, lo, hi, h)
        cells = torch.unique_consecutive(grid.keys) // grid.dims.prod()
        occ = n / torch.bincount(cells, minlength=n.numel()).clamp_min(1)
        h = grid.h * ((k / 3 + 1) / occ) ** (1 / 3)
    return h
