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

#: padded (query, candidate) slots per chunk (each costs up to ~100 bytes of temporaries)
GRID_PAIR_BUDGET = 1 << 20
#: queries whose 9 cell ranges are looked up at once
QUERY_BLOCK = 1 << 16
_OFFSETS = torch.tensor([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)])  # [9, 2]


def pad3(x: Tensor) -> Tensor:
    """``[N, D]`` with ``D <= 3`` -> ``[N, 3]`` (zero columns leave distances unchanged)."""
    return x if x.size(1) == 3 else torch.nn.functional.pad(x, (0, 3 - x.size(1)))


def segment_bounds(
    x: Tensor, y: Tensor, bx: Tensor, by: Tensor, nseg: int,
) -> tuple[Tensor, Tensor]:
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
    rank: Tensor        # [N] long, position of each point in the sorted order


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
    rank = torch.empty_like(order).scatter_(0, order, torch.arange(order.numel(), device=x.device))
    return Grid(lo, h, dims, order, keys, x.index_select(0, order), rank)


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


def sorted_by_width(
    qi: Tensor, start: Tensor, count: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Reorder queries by candidate count (stable, so cell order is kept among equals).

    Returns ``qi, start, count`` reordered and each query's candidate count ``[M]``.
    """
    width, o = torch.sort(count.sum(dim=1), stable=True)
    return qi[o], start[o], count[o], width


def chunks(width: Tensor, budget: int, max_rows: int | None) -> Iterator[tuple[int, int]]:
    """Split rows of ascending ``width [M]`` into ``[a, b)`` with rows x width <= budget.

    A single row above the budget forms its own chunk.
    """
    a, m = 0, width.numel()
    limit = torch.tensor([budget], device=width.device)
    while a < m:
        cost = torch.arange(1, m - a + 1, device=width.device) * width[a:]
        b = a + int(torch.searchsorted(cost, limit, right=True))
        b = min(max(b, a + 1), a + max_rows) if max_rows else max(b, a + 1)
        yield a, b
        a = b


def candidates(start: Tensor, count: Tensor) -> tuple[Tensor, Tensor]:
    """Padded candidates of rows with runs ``start, count [R, 9]``: sorted positions and
    validity ``[R, W]`` (``W`` = largest total count; invalid slots hold position 0)."""
    end = torch.cumsum(count, dim=1)                               # run ends within a row
    slot = torch.arange(max(int(end[:, -1].max()) if end.numel() else 0, 1),
                        device=start.device).expand(end.size(0), -1).contiguous()
    run = torch.searchsorted(end, slot, right=True).clamp_max(8)   # run holding each slot
    valid = slot < end[:, -1:]
    pos = start.gather(1, run) + slot - (end - count).gather(1, run)
    return pos.masked_fill(~valid, 0), valid


def query_blocks(m: int) -> Iterator[tuple[int, int]]:
    """``[a, b)`` blocks of :data:`QUERY_BLOCK` queries."""
    for a in range(0, m, QUERY_BLOCK):
        yield a, min(a + QUERY_BLOCK, m)
