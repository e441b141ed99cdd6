"""Radius neighbourhoods with PyG 2.8's signatures and index orientation (pure torch).

A point ``x_j`` is a neighbour of query ``y_i`` when both are in the same graph and
``|x_j - y_i| < r`` (strict, like torch-cluster). Ordering (pure-torch backend): grouped by
query in ascending order, neighbours of one query in ascending index order.

``max_num_neighbors`` caps the neighbours per query. When more than that many lie within
``r``, this implementation keeps the *nearest* ones (deterministic up to exact distance
ties at the cap, and unbiased), whereas pyg-lib / torch-cluster keep the first ones found
by their traversal (CPU: "biased towards certain quadrants", as PyG warns). ``None`` means no cap. A query's own index is excluded
*before* the cap in :func:`radius_graph` with ``loop=False``, so it does not use a slot.

Pure-torch methods (same pairs, same order): ``"brute"`` compares each query with every
point of its graph (``O(n m)`` per graph, blocks of ~4M distances); ``"grid"`` bins the
points into cells of size ``r`` and compares each query with the 27 cells around it
(``O((n + m) log n + pairs)``, for 1-3 dims); ``"auto"`` picks the grid for 1-3 dims once
``sum_b n_b m_b`` reaches 4M and 2048 per query (``_segments.use_grid``).
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import _segments as S
from ._grid_search import radius_grid


def radius(
    x: Tensor,
    y: Tensor,
    r: float,
    batch_x: Tensor | None = None,
    batch_y: Tensor | None = None,
    max_num_neighbors: int | None = 32,
    num_workers: int = 1,
    batch_size: int | None = None,
    *,
    chunk_size: int | None = None,
    backend: str = "auto",
    method: str = "auto",
) -> Tensor:
    """For each point of ``y`` find the points of ``x`` within distance ``r``.

    Same contract as :func:`torch_geometric.nn.pool.radius`: returns ``[2, E]`` long with
    row 0 = index into ``y`` (queries) and row 1 = index into ``x``.

    Args:
        x: ``[N, D]`` points searched. y: ``[M, D]`` queries. r: radius (> 0).
        batch_x/batch_y: sorted graph ids ``[N]``/``[M]`` (None = one graph).
        max_num_neighbors: cap per query (nearest kept), or None for no cap.
        num_workers: accepted for PyG compatibility. batch_size: number of graphs.
        chunk_size: max queries per block (default: blocks of ~4M distance pairs).
        backend: ``"auto"`` (pyg-lib when importable), ``"torch"`` or ``"pyg_lib"``.
        method: pure-torch search, ``"auto"``, ``"brute"`` or ``"grid"`` (module doc);
            used whenever the torch backend runs.
    """
    x, y = S.check_points("x", x), S.check_points("y", y)
    S.check_pair(x, y)
    r, cap = S.check_radius(r), _check_cap(max_num_neighbors)
    S.check_backend(backend)
    S.check_method(method)
    bx, by = S.batch_or_zeros("batch_x", batch_x, x), S.batch_or_zeros("batch_y", batch_y, y)
    cnt_x, cnt_y = S.segment_counts([bx, by], batch_size)
    ops = S.pyg_lib_ops("radius", backend)
    if ops is not None:
        ptr_x, ptr_y = (S.ptr_from_counts(c, x.device) for c in (cnt_x, cnt_y))
        cap_ = cap or max(x.size(0), 1)
        return ops.radius(x, y, ptr_x, ptr_y, r, cap_, num_workers, False)
    if S.use_grid(method, x.size(1), cnt_x, cnt_y):
        return radius_grid(x, y, bx, by, len(cnt_x), r, cap, chunk_size, exclude_self=False)
    return _radius_blocks(x, y, cnt_x, cnt_y, r, cap, chunk_size, exclude_self=False)


def radius_graph(
    x: Tensor,
    r: float,
    batch: Tensor | None = None,
    loop: bool = False,
    max_num_neighbors: int | None = 32,
    flow: str = "source_to_target",
    num_workers: int = 1,
    batch_size: int | None = None,
    *,
    chunk_size: int | None = None,
    backend: str = "auto",
    method: str = "auto",
) -> Tensor:
    """Graph of all pairs of points of one graph closer than ``r``.

    Same contract as :func:`torch_geometric.nn.pool.radius_graph`. Returns ``[2, E]``;
    with ``flow="source_to_target"`` row 0 = neighbour ``j`` (source) and row 1 = centre
    ``i`` (target); ``"target_to_source"`` swaps the rows. ``loop=True`` keeps ``i -> i``.
    ``chunk_size``, ``backend`` and ``method`` as in :func:`radius`.
    """
    x = S.check_points("x", x)
    r, cap = S.check_radius(r), _check_cap(max_num_neighbors)
    S.check_flow(flow)
    S.check_backend(backend)
    S.check_method(method)
    b = S.batch_or_zeros("batch", batch, x)
    (cnt,) = S.segment_counts([b], batch_size)
    ops = S.pyg_lib_ops("radius", backend)
    if ops is not None:
        ptr = S.ptr_from_counts(cnt, x.device)
        cap_ = cap or max(x.size(0), 1)
        edge_index = ops.radius(x, x, ptr, ptr, r, cap_, num_workers, not loop)
    elif S.use_grid(method, x.size(1), cnt, cnt):
        edge_index = radius_grid(x, x, b, b, len(cnt), r, cap, chunk_size, exclude_self=not loop)
    else:
        edge_index = _radius_blocks(x, x, cnt, cnt, r, cap, chunk_size,
                                    exclude_self=not loop)
    return edge_index.flip([0]) if flow == "source_to_target" else edge_index


def _check_cap(max_num_neighbors: int | None) -> int | None:
    if max_num_neighbors is None:
        return None
    return S.check_positive_int("max_num_neighbors", max_num_neighbors)


@torch.no_grad()
def _radius_blocks(
    x: Tensor, y: Tensor, cnt_x: list[int], cnt_y: list[int], r: float, cap: int | None,
    chunk_size: int | None, *, exclude_self: bool,
) -> Tensor:
    """Blockwise radius search; returns ``[2, E]`` (query row, neighbour col)."""
    ptr_x, ptr_y = S.ptr_from_counts(cnt_x, x.device), S.ptr_from_counts(cnt_y, x.device)
    out = []
    for block in S.plan_blocks(cnt_y, cnt_x, chunk_size):
        dist, rows, row_ok, cols = S.block_distances(x, y, ptr_x, ptr_y, block,
                                                     exclude_self=exclude_self)
        inside = (dist < r) & row_ok[..., None]
        if cap is not None and cap < dist.size(2) and int(inside.sum(2).max()) > cap:
            vals, idx = torch.topk(dist.masked_fill(~inside, float("inf")), cap, dim=2,
                                   largest=False)
            inside = torch.zeros_like(inside).scatter_(2, idx, torch.isfinite(vals))
        g, i, j = inside.nonzero().unbind(1)
        out.append(torch.stack([rows[g, i], cols[g, j]]))
    if not out:
        return torch.empty(2, 0, dtype=torch.long, device=x.device)
    return torch.cat(out, dim=1)
