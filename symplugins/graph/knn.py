"""k-nearest neighbours with PyG 2.8's signatures and index orientation (pure torch).

Ordering (pure-torch backend): grouped by query in ascending order, neighbours of one
query sorted by distance (ties in arbitrary order). A query whose segment of ``x`` has
fewer than ``k`` points (or is empty) gets fewer than ``k`` (or no) neighbours, exactly as
pyg-lib / torch-cluster drop their padding.

Pure-torch methods (same neighbour sets, same order): ``"brute"`` ranks every point of
the query's graph (``O(n m)`` per graph, blocks of ~4M distances); ``"grid"`` searches a
cell list with cells sized to hold ~k/3 points, redoing unfinished queries with doubled
cells (~``O((n + m) log n)`` for bounded density variation, for 1-3 dims); ``"auto"``
picks the grid for 1-3 dims once ``sum_b n_b m_b`` reaches 4M and 2048 per query
(``_segments.use_grid``).
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import _segments as S
from ._grid_search import knn_grid


def knn(
    x: Tensor,
    y: Tensor,
    k: int,
    batch_x: Tensor | None = None,
    batch_y: Tensor | None = None,
    cosine: bool = False,
    num_workers: int = 1,
    batch_size: int | None = None,
    *,
    chunk_size: int | None = None,
    backend: str = "auto",
    method: str = "auto",
) -> Tensor:
    """For each point of ``y`` find its ``k`` nearest points of ``x`` in the same graph.

    Same contract as :func:`torch_geometric.nn.pool.knn`: returns ``[2, E]`` long with
    row 0 = index into ``y`` (queries) and row 1 = index into ``x``; ``E <= M * k``.

    Args:
        x: ``[N, D]`` points searched. y: ``[M, D]`` queries.
        k: neighbours per query (> 0). batch_x/batch_y: sorted graph ids ``[N]``/``[M]``.
        cosine: rank by cosine distance instead of Euclidean.
        num_workers: accepted for PyG compatibility (CPU threads come from torch).
        batch_size: number of graphs (default: inferred).
        chunk_size: max queries per block (default: blocks of ~4M distance pairs).
        backend: ``"auto"`` (pyg-lib when importable), ``"torch"`` or ``"pyg_lib"``.
        method: pure-torch search, ``"auto"``, ``"brute"`` or ``"grid"`` (module doc);
            used whenever the torch backend runs.
    """
    x, y = S.check_points("x", x), S.check_points("y", y)
    k = S.check_positive_int("k", k)
    S.check_pair(x, y)
    S.check_backend(backend)
    S.check_method(method)
    bx, by = S.batch_or_zeros("batch_x", batch_x, x), S.batch_or_zeros("batch_y", batch_y, y)
    cnt_x, cnt_y = S.segment_counts([bx, by], batch_size)
    ops = S.pyg_lib_ops("knn", backend)
    if ops is not None:
        ptr_x, ptr_y = (S.ptr_from_counts(c, x.device) for c in (cnt_x, cnt_y))
        return ops.knn(x, y, ptr_x, ptr_y, k, cosine, num_workers)
    if cosine:
        x, y = _unit(x), _unit(y)
    search = knn_grid if S.use_grid(method, x.size(1), cnt_x, cnt_y) else _knn_brute
    return search(x, y, bx, by, cnt_x, k, chunk_size, exclude_self=False)


def knn_graph(
    x: Tensor,
    k: int,
    batch: Tensor | None = None,
    loop: bool = False,
    flow: str = "source_to_target",
    cosine: bool = False,
    num_workers: int = 1,
    batch_size: int | None = None,
    *,
    chunk_size: int | None = None,
    backend: str = "auto",
    method: str = "auto",
) -> Tensor:
    """k-NN graph of ``x``: edges from each point's ``k`` nearest neighbours to the point.

    Same contract as :func:`torch_geometric.nn.pool.knn_graph`. Returns ``[2, E]`` long;
    with ``flow="source_to_target"`` row 0 = neighbour ``j`` (source) and row 1 = centre
    ``i`` (target), so messages flow j -> i; ``"target_to_source"`` swaps the rows.
    With ``loop=False`` the point itself is excluded (by index), so every point of a
    graph with n points gets ``min(k, n - 1)`` neighbours; ``loop=True`` counts itself.
    ``chunk_size``, ``backend`` and ``method`` as in :func:`knn`.
    """
    x = S.check_points("x", x)
    k = S.check_positive_int("k", k)
    S.check_flow(flow)
    S.check_backend(backend)
    S.check_method(method)
    b = S.batch_or_zeros("batch", batch, x)
    (cnt,) = S.segment_counts([b], batch_size)
    ops = S.pyg_lib_ops("knn", backend)
    if ops is not None:  # PyG 2.8's own recipe on top of the pyg-lib kernel
        ptr = S.ptr_from_counts(cnt, x.device)
        edge_index = ops.knn(x, x, ptr, ptr, k if loop else k + 1, cosine, num_workers)
        if not loop:
            edge_index = edge_index[:, edge_index[0] != edge_index[1]]
    else:
        xs = _unit(x) if cosine else x
        search = knn_grid if S.use_grid(method, x.size(1), cnt, cnt) else _knn_brute
        edge_index = search(xs, xs, b, b, cnt, k, chunk_size, exclude_self=not loop)
    return edge_index.flip([0]) if flow == "source_to_target" else edge_index


def _knn_brute(
    x: Tensor, y: Tensor, bx: Tensor, by: Tensor, cnt_x: list[int], k: int,
    chunk_size: int | None, *, exclude_self: bool,
) -> Tensor:
    """Brute force with :func:`knn_grid`'s signature."""
    cnt_y = torch.bincount(by, minlength=len(cnt_x)).tolist()
    return _knn_blocks(x, y, cnt_x, cnt_y, k, chunk_size, exclude_self=exclude_self)


@torch.no_grad()
def _knn_blocks(
    x: Tensor, y: Tensor, cnt_x: list[int], cnt_y: list[int], k: int,
    chunk_size: int | None, *, exclude_self: bool,
) -> Tensor:
    """Blockwise top-k; returns ``[2, E]`` (query row, neighbour col)."""
    ptr_x, ptr_y = S.ptr_from_counts(cnt_x, x.device), S.ptr_from_counts(cnt_y, x.device)
    out_rows, out_cols = [], []
    for block in S.plan_blocks(cnt_y, cnt_x, chunk_size):
        dist, rows, row_ok, cols = S.block_distances(x, y, ptr_x, ptr_y, block,
                                                     exclude_self=exclude_self)
        vals, idx = torch.topk(dist, min(k, dist.size(2)), dim=2, largest=False, sorted=True)
        keep = torch.isfinite(vals) & row_ok[..., None]
        out_rows.append(rows[..., None].expand_as(idx)[keep])
        out_cols.append(torch.gather(cols, 1, idx.flatten(1)).view_as(idx)[keep])
    if not out_rows:
        return torch.empty(2, 0, dtype=torch.long, device=x.device)
    return torch.stack([torch.cat(out_rows), torch.cat(out_cols)])


def _unit(x: Tensor) -> Tensor:
    """Rows scaled to unit length (Euclidean order on them = cosine-distance order)."""
    return x / x.norm(dim=1, keepdim=True).clamp_min(torch.finfo(x.dtype).tiny)


def nearest(
    x: Tensor,
    y: Tensor,
    batch_x: Tensor | None = None,
    batch_y: Tensor | None = None,
    *,
    chunk_size: int | None = None,
) -> Tensor:
    """Index of the nearest point of ``x`` (same graph) for each point of ``y``. -> ``[M]``.

    Same contract as :func:`torch_geometric.nn.pool.nearest`. Raises ValueError when a
    point of ``y`` has no point of ``x`` in its graph.
    """
    row, col = knn(x, y, 1, batch_x, batch_y, chunk_size=chunk_size, backend="torch")
    if row.numel() != y.size(0):
        raise ValueError(
            f"{y.size(0) - row.numel()} point(s) of 'y' have no point of 'x' in their graph; "
            "every graph in batch_y needs points in batch_x"
        )
    return col
