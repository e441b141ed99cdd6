"""Cell list (uniform spatial grid) for neighbour search in 1-3 dimensions.

Each point of ``x`` gets an integer key for its cell ``(segment, c_0, c_1, c_2)`` with
``c = floor((p - lo_s) / h_s)`` (per-segment origin ``lo_s`` and cell size ``h_s``, in
float64); the points are sorted by key. Keys put ``c_2`` last, so the 3 cells
``(c_0 + a, c_1 + b, c_2 - 1 .. c_2 + 1)`` are one contiguous run of the sorted points and
a query's 27 neighbouring cells are 9 ranges found by ``searchsorted``. Every point closer
than ``h_s`` to a query lies in those 27 cells (when the cell size is at least the search
radius, that is the whole radius neighbourhood).
"""
from __future__ import annotations

from typing import Iterator, NamedTuple

import torch
from torch import Tensor

#: candidate pairs (query, point) expanded at once (each costs ~100 bytes of temporaries)
GRID_PAIR_BUDGET = 1 << 20
#: queries whose 9 cell ranges are looked up at once
QUERY_BLOCK = 1 << 16
_OFFSETS = torch.tensor([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)])  # [9, 2]


def pad3(x: Tensor) -> Tensor:
    """``[N, D]`` with ``D <= 3`` -> ``[N, 3]`` (zero columns leave distances unchanged)."""
    return x if x.size(1) == 3 else torch.nn.functional.pad(x, (0, 3 - x.size(1)))


def segment_bounds(x: Tensor, y: Tensor, bx: Tensor, by: Tensor, nseg: int) -> tuple[Tensor, Tensor]:
    """Per-segment float64 bounding box ``lo, hi [B, 3]`` of the points of ``x`` and ``y``."""
    pts = torch.cat([x, y]).double()
    seg = torch.cat([bx, by])[:, None].expand_as(pts)
    inf = torch.full((nseg, 3), float("inf"), dtype=torch.float64, device=x.device)
    lo = inf.scatter_reduce(0, seg, pts, "amin")
    hi = (-inf).scatter_reduce(0, seg, pts, "amax")
    empty = ~torch.isfinite(lo[:, 0])
    return lo.masked_fill(empty[:, None], 0.0), hi.masked_fill(empty[:, None], 0.0)


class Grid(NamedTuple):
    """Points of ``x`` sorted by cell key, with what is needed to key queries."""

    lo: Tensor          # [B, 3] float64 per-segment origin
    h: Tensor           # [B] float64 cell size (>= the requested one)
    dims: Tensor        # [3] long, cells per axis (common to all segments)
    order: Tensor       # [N] long, point indices sorted by key
    keys: Tensor        # [N] long, sorted keys
    xs: Tensor          # [N, D] x[order], so candidates are read from contiguous runs


def build_grid(x: Tensor, x3: Tensor, bx: Tensor, lo: Tensor, hi: Tensor, h: Tensor) -> Grid:
    """Sort ``x`` (``x3``: padded to 3 dims) into cells of size ``h [B]``.

    Cells are coarsened where int64 keys would overflow (never finer than requested).
    """
    nseg = lo.size(0)
    per_axis = max(int((2.0 ** 60 / max(nseg, 1)) ** (1.0 / 3.0)) - 1, 1)
    h = torch.maximum(h, (hi - lo).amax(dim=1) / per_axis * (1 + 1e-9))
    h = h.clamp_min(torch.finfo(torch.float64).tiny)
    dims = ((hi - lo) / h[:, None]).floor().amax(dim=0).long() + 1
    keys, order = torch.sort(cell_key(cells_of(x3, bx, lo, h, dims), bx, dims))
    return Grid(lo, h, dims, order, keys, x.index_select(0, order))


def cells_of(p: Tensor, seg: Tensor, lo: Tensor, h: Tensor, dims: Tensor) -> Tensor:
    """Integer cell coordinates ``[N, 3]`` of points ``p`` in their segments."""
    c = ((p.double() - lo[seg]) / h[seg, None]).floor().long()
    return torch.minimum(c.clamp_min(0), dims - 1)


def cell_key(c: Tensor, seg: Tensor, dims: Tensor) -> Tensor:
    """``((seg * G0 + c0) * G1 + c1) * G2 + c2`` for cells ``c [..., 3]``."""
    return ((seg * dims[0] + c[..., 0]) * dims[1] + c[..., 1]) * dims[2] + c[..., 2]


def query_order(grid: Grid, y3: Tensor, by: Tensor) -> Tensor:
    """Queries sorted by cell key (neighbouring queries read neighbouring memory)."""
    return torch.argsort(cell_key(cells_of(y3, by, grid.lo, grid.h, grid.dims), by, grid.dims))


def cell_ranges(grid: Grid, y3: Tensor, by: Tensor) -> tuple[Tensor, Tensor]:
    """``start, count [M, 9]``: runs of sorted points covering the 27 cells around each query."""
    c = cells_of(y3, by, grid.lo, grid.h, grid.dims)
    c01 = c[:, None, :2] + _OFFSETS.to(c.device)                   # [M, 9, 2]
    ok = ((c01 >= 0) & (c01 < grid.dims[:2])).all(dim=2)
    c2 = c[:, None, 2:].expand(-1, 9, 1)
    first = torch.cat([c01, (c2 - 1).clamp_min(0)], dim=2)
    last = torch.cat([c01, (c2 + 1).clamp_max(grid.dims[2] - 1)], dim=2)
    seg = by[:, None]
    start = torch.searchsorted(grid.keys, cell_key(first, seg, grid.dims))
    end = torch.searchsorted(grid.keys, cell_key(last, seg, grid.dims), right=True)
    return start, (end - start) * ok


def chunks(total: Tensor, budget: int, max_rows: int | None, *, padded: bool = False,
           ) -> Iterator[tuple[int, int]]:
    """Split rows with candidate counts ``total [M]`` into ``[a, b)`` within ``budget``.

    The budget bounds the sum of the counts, or with ``padded`` (``total`` ascending)
    rows x largest count. A single row above the budget forms its own chunk.
    """
    cum = torch.cumsum(total, 0)
    a, m = 0, total.numel()
    while a < m:
        if padded:
            cost = torch.arange(1, m - a + 1, device=total.device) * total[a:]
            b = a + int(torch.searchsorted(cost, torch.tensor([budget], device=cost.device),
                                           right=True))
        else:
            base = int(cum[a - 1]) if a else 0
            b = int(torch.searchsorted(cum, torch.tensor([base + budget], device=cum.device),
                                       right=True))
        b = min(max(b, a + 1), a + max_rows) if max_rows else max(b, a + 1)
        yield a, b
        a = b


def candidates(start: Tensor, count: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Expand runs ``[R, 9]`` into pairs: row ``[P]``, rank in row ``[P]``, sorted position ``[P]``."""
    total = count.sum(1)
    count = count.flatten()
    dev = count.device
    run = torch.repeat_interleave(torch.arange(count.numel(), device=dev), count)
    k = torch.arange(run.numel(), device=dev)
    pos = start.flatten()[run] + k - (torch.cumsum(count, 0) - count)[run]
    row = run // 9
    return row, k - (torch.cumsum(total, 0) - total)[row], pos


def query_blocks(m: int) -> Iterator[tuple[int, int]]:
    """``[a, b)`` blocks of :data:`QUERY_BLOCK` queries."""
    for a in range(0, m, QUERY_BLOCK):
        yield a, min(a + QUERY_BLOCK, m)
