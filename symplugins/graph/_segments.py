"""Validation, segment bookkeeping and block planning shared by the graph ops.

All neighbour searches work on *segments*: points with the same batch id (batch vectors
sorted ascending, as in PyG). Queries are processed in blocks of consecutive graphs (or
row ranges of one large graph), padded to ``[graphs, queries, points]`` so only pairs
inside one graph are computed; memory is bounded by one block, never by ``N x N``.
"""
from __future__ import annotations

import math
from typing import Iterator, NamedTuple

import torch
from torch import Tensor

from ..utils.checks import check_batch, check_finite, check_same_device_dtype

#: default number of pairwise distances held in memory at once (2^22 = 4M entries)
PAIR_BUDGET = 1 << 22
BACKENDS = ("auto", "torch", "pyg_lib")
METHODS = ("auto", "brute", "grid")
#: ``method="auto"`` uses the cell list once the brute-force work ``sum_b n_b m_b`` (points x
#: queries per graph) reaches both this and ``GRID_MIN_POINTS`` x queries (measured crossover)
GRID_MIN_PAIRS = 1 << 22
GRID_MIN_POINTS = 2048


def check_points(name: str, x: Tensor) -> Tensor:
    """Validate a point/feature matrix; ``[N]`` is read as ``[N, 1]`` like PyG. -> ``[N, D]``."""
    if not isinstance(x, Tensor):
        raise ValueError(f"'{name}' must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ValueError(f"'{name}' must be a floating point tensor, got {x.dtype}; use .float()")
    if x.dim() == 1:
        x = x.view(-1, 1)
    if x.dim() != 2:
        raise ValueError(
            f"'{name}' must have shape [num_points, num_dims] (2-D), got {list(x.shape)}"
        )
    check_finite(name, x)
    return x


def check_positive_int(name: str, value: int) -> int:
    """Require a Python/torch integer > 0."""
    if isinstance(value, Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"'{name}' must be a positive integer, got {value!r}")
    return value


def check_radius(r: float) -> float:
    """Require a finite radius > 0."""
    try:
        r = float(r)
    except (TypeError, ValueError):
        raise ValueError(f"'r' must be a positive float, got {r!r}") from None
    if not math.isfinite(r) or r <= 0:
        raise ValueError(f"'r' must be a finite radius > 0, got {r}")
    return r


def check_flow(flow: str) -> None:
    """Require a PyG message-passing flow."""
    if flow not in ("source_to_target", "target_to_source"):
        raise ValueError(
            f"'flow' must be 'source_to_target' or 'target_to_source', got {flow!r}"
        )


def check_backend(backend: str) -> None:
    """Require a known backend name."""
    if backend not in BACKENDS:
        raise ValueError(f"'backend' must be one of {BACKENDS}, got {backend!r}")


def check_method(method: str) -> None:
    """Require a known pure-torch search method."""
    if method not in METHODS:
        raise ValueError(f"'method' must be one of {METHODS}, got {method!r}")


def use_grid(method: str, dims: int, cnt_x: list[int], cnt_y: list[int]) -> bool:
    """Whether the pure-torch search runs on the cell list (see :data:`METHODS`).

    ``"grid"`` needs 1-3 dims; ``"auto"`` picks it for 1-3 dims once the brute-force
    work ``sum_b n_b m_b`` reaches :data:`GRID_MIN_PAIRS` and the queries' graphs hold
    :data:`GRID_MIN_POINTS` points on average (many small graphs stay brute force).
    """
    if method == "grid" and dims > 3:
        raise ValueError(
            f"method='grid' supports points with 1 to 3 dims, got {dims}; "
            "use method='brute' (or 'auto')"
        )
    if method != "auto":
        return method == "grid"
    work = sum(a * b for a, b in zip(cnt_x, cnt_y))
    return dims <= 3 and work >= max(GRID_MIN_PAIRS, GRID_MIN_POINTS * sum(cnt_y))


def batch_or_zeros(name: str, batch: Tensor | None, x: Tensor) -> Tensor:
    """Validate a sorted PyG batch vector for ``x`` (None -> all zeros). -> ``[N]`` long."""
    if batch is None:
        return torch.zeros(x.size(0), dtype=torch.long, device=x.device)
    if not isinstance(batch, Tensor):
        raise ValueError(f"'{name}' must be a torch.Tensor or None, got {type(batch).__name__}")
    check_batch(name, batch, x.size(0))
    if batch.device != x.device:
        raise ValueError(
            f"'{name}' is on {batch.device} but the points are on {x.device}; "
            "move them to one device"
        )
    batch = batch.long()
    if batch.numel() > 1 and bool((batch[1:] < batch[:-1]).any()):
        raise ValueError(
            f"'{name}' must be sorted in ascending order (PyG batch layout); "
            "sort the points by graph id first"
        )
    return batch


def segment_counts(batches: list[Tensor], batch_size: int | None) -> list[list[int]]:
    """Points per segment for each batch vector, over a common number of segments."""
    top = max((int(b.max()) + 1 for b in batches if b.numel()), default=0)
    if batch_size is not None:
        batch_size = int(batch_size)
        if batch_size < top:
            raise ValueError(
                f"'batch_size' is {batch_size} but the batch vectors hold graph id {top - 1}; "
                "pass batch_size=None or a larger value"
            )
        top = batch_size
    return [torch.bincount(b, minlength=top).tolist() for b in batches]


def check_pair(x: Tensor, y: Tensor) -> None:
    """``x`` and ``y`` must share dims, dtype and device."""
    if x.size(1) != y.size(1):
        raise ValueError(
            f"'x' has {x.size(1)} dims per point but 'y' has {y.size(1)}; they must match"
        )
    check_same_device_dtype(x=x, y=y)


class Block(NamedTuple):
    """Consecutive graphs ``[seg0, seg1)``; queries ``[row0, row1)`` (global indices).

    A block of several graphs holds all their queries; a large graph is split into row
    ranges (then ``seg1 == seg0 + 1``).
    """

    seg0: int
    seg1: int
    row0: int
    row1: int


def plan_blocks(
    cnt_y: list[int], cnt_x: list[int], chunk_size: int | None
) -> Iterator[Block]:
    """Yield blocks covering all queries whose graphs have points to search.

    A block's padded distance tensor ``[graphs, max queries, max points]`` holds at most
    :data:`PAIR_BUDGET` entries (default) or at most ``chunk_size`` query rows.
    """
    ptr_y = [0] + list(_cumsum(cnt_y))

    def fits(g: int, rows: int, cols: int) -> bool:
        return g * rows <= chunk_size if chunk_size else g * rows * cols <= PAIR_BUDGET

    b, nseg = 0, len(cnt_y)
    while b < nseg:
        e, rows, cols = b + 1, cnt_y[b], cnt_x[b]
        while e < nseg and fits(e + 1 - b, max(rows, cnt_y[e]), max(cols, cnt_x[e])):
            rows, cols, e = max(rows, cnt_y[e]), max(cols, cnt_x[e]), e + 1
        if e - b > 1 or fits(1, rows, cols):
            if any(cnt_y[i] and cnt_x[i] for i in range(b, e)):
                yield Block(b, e, ptr_y[b], ptr_y[e])
        elif cnt_x[b]:
            step = max(1, chunk_size or PAIR_BUDGET // cols)
            for r0 in range(ptr_y[b], ptr_y[b + 1], step):
                yield Block(b, b + 1, r0, min(r0 + step, ptr_y[b + 1]))
        b = e


def _cumsum(values: list[int]) -> Iterator[int]:
    total = 0
    for v in values:
        total += v
        yield total


def _padded_index(starts: Tensor, counts: Tensor, size: int) -> tuple[Tensor, Tensor]:
    """Global indices ``[G, max(counts)]`` (padding -> a valid dummy) and validity mask."""
    local = torch.arange(int(counts.max()), device=starts.device)
    valid = local[None, :] < counts[:, None]
    return (starts[:, None] + local[None, :]).clamp_max(size - 1), valid


def block_distances(
    x: Tensor, y: Tensor, ptr_x: Tensor, ptr_y: Tensor, block: Block, *,
    exclude_self: bool = False,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Padded within-graph Euclidean distances of one block.

    Returns ``dist [G, m, n]`` (``inf`` on padding, and on ``i == j`` if
    ``exclude_self``; ``x`` and ``y`` are then the same points), global query indices
    ``rows [G, m]`` with validity ``row_ok [G, m]``, and global point indices ``cols [G, n]``.
    """
    g = slice(block.seg0, block.seg1)
    y0 = ptr_y[g].clone()
    y1 = ptr_y[block.seg0 + 1: block.seg1 + 1].clone()
    y0[0], y1[-1] = max(int(y0[0]), block.row0), block.row1
    rows, row_ok = _padded_index(y0, y1 - y0, y.size(0))
    cols, col_ok = _padded_index(ptr_x[g], ptr_x[block.seg0 + 1: block.seg1 + 1] - ptr_x[g],
                                 x.size(0))
    mode = "donot_use_mm_for_euclid_dist" if x.size(1) <= 16 else "use_mm_for_euclid_dist"
    dist = torch.cdist(y[rows], x[cols], compute_mode=mode)
    if not bool(col_ok.all()):
        dist = dist.masked_fill(~col_ok[:, None, :], float("inf"))
    if exclude_self:
        off = block.row0 - int(ptr_y[block.seg0])        # column of this block's first row
        dist.diagonal(offset=off, dim1=1, dim2=2).fill_(float("inf"))
    return dist, rows, row_ok, cols


def ptr_from_counts(counts: list[int], device: torch.device) -> Tensor:
    """CSR pointer ``[B + 1]`` from segment sizes."""
    return torch.tensor([0] + list(_cumsum(counts)), dtype=torch.long, device=device)


def pyg_lib_ops(name: str, backend: str):
    """Return ``torch.ops.pyg`` if ``backend`` asks for (or auto-detects) pyg-lib's ``name``."""
    from ..utils.imports import available, require

    if backend == "torch" or (backend == "auto" and not available("pyg_lib")):
        return None
    pyg_lib = require("pyg_lib", extra="pyg", purpose=f"the pyg-lib '{name}' kernel")
    if not hasattr(pyg_lib.ops, name):
        if backend == "pyg_lib":
            raise ValueError(f"the installed pyg-lib has no '{name}' op; use backend='torch'")
        return None
    return torch.ops.pyg
