"""Edge bookkeeping for k-hop Clifford message passing (pure torch, export-friendly).

:func:`reverse_edges` pairs each directed edge ``j -> i`` with ``i -> j`` (sort +
searchsorted: static shapes, no Python loop, works on batched graphs).
:func:`enumerate_paths` lists all non-backtracking paths of a given length explicitly
(a reference for the factorised path sum used by :class:`~symplugins.models.cgegnn.CGEGNN`).
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["reverse_edges", "enumerate_paths"]


def reverse_edges(edge_index: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    """For every edge ``e = (j -> i)`` the index of ``(i -> j)`` and whether it exists.

    Returns ``rev [E]`` (long; arbitrary where absent) and ``found [E]`` (bool).
    """
    src, dst = edge_index[0], edge_index[1]
    num_edges = src.shape[0]
    if num_edges == 0:
        return src.clone(), torch.zeros_like(src, dtype=torch.bool)
    keys = src * num_nodes + dst
    sorted_keys, order = torch.sort(keys)
    query = dst * num_nodes + src
    at = torch.searchsorted(sorted_keys, query).clamp(max=num_edges - 1)
    return order[at], sorted_keys[at] == query


def enumerate_paths(edge_index: Tensor, hops: int, num_nodes: int) -> Tensor:
    """All non-backtracking edge paths with ``hops`` edges, as edge ids ``[P, hops]``.

    Column 0 is the first edge (leaving the path's start node), column ``hops-1`` the
    edge entering its end node; consecutive edges share a node and never return to the
    node just left (``k -> j -> k`` is excluded). Vectorised over all edges: each step
    joins the current path ends with the edges leaving them (sorted-CSR expansion).
    """
    if hops < 1:
        raise ValueError(f"'hops' must be >= 1, got {hops}")
    src, dst = edge_index[0], edge_index[1]
    order = torch.argsort(src, stable=True)
    counts = torch.bincount(src, minlength=num_nodes)
    start = torch.cumsum(counts, 0) - counts
    paths = torch.arange(src.numel(), device=src.device).unsqueeze(1)
    for _ in range(hops - 1):
        last = paths[:, -1]
        n_out = counts[dst[last]]
        rep = torch.repeat_interleave(torch.arange(len(paths), device=src.device), n_out)
        offset = torch.arange(rep.numel(), device=src.device) - (torch.cumsum(n_out, 0) - n_out)[rep]
        nxt = order[start[dst[last[rep]]] + offset]
        keep = dst[nxt] != src[last[rep]]
        paths = torch.cat([paths[rep], nxt.unsqueeze(1)], dim=1)[keep]
    return paths
