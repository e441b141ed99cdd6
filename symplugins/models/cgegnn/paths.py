"""Edge bookkeeping for k-hop Clifford message passing (pure torch, export-friendly).

:func:`reverse_edges` pairs each directed edge ``j -> i`` with ``i -> j``; with periodic
cell shifts it pairs ``(j -> i, S)`` with ``(i -> j, -S)``, so an atom pair linked
through several periodic images (cells narrower than twice the cutoff) keeps one reverse
per image. Sorts + searchsorted: static shapes, no Python loop over edges, batched graphs.
:func:`edge_reverse` returns the same pairing as one index tensor (``-1`` = no reverse),
the form :class:`~symplugins.models.cgegnn.CGEGNN` accepts.
:func:`enumerate_paths` lists all non-backtracking paths of a given length explicitly
(a reference for the factorised path sum used by :class:`~symplugins.models.cgegnn.CGEGNN`).
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["reverse_edges", "edge_reverse", "enumerate_paths"]


def _lex_ranks(columns: list[Tensor]) -> Tensor:
    """Dense ranks ``[M]`` of the rows of integer ``columns`` (each ``[M]``) in lexicographic order.

    Equal rows get equal ranks. Stable sorts from the last column to the first (LSD radix
    order) avoid packing several columns into one (overflowing) integer key.
    """
    order = torch.arange(columns[0].shape[0], device=columns[0].device)
    for col in reversed(columns):
        order = order.index_select(0, torch.sort(col.index_select(0, order), stable=True)[1])
    rows = torch.stack([c.index_select(0, order) for c in columns])  # [K, M] sorted
    new = (rows[:, 1:] != rows[:, :-1]).any(dim=0).long()
    ranks_sorted = torch.cat([new.new_zeros(1), torch.cumsum(new, 0)])
    return torch.empty_like(ranks_sorted).scatter_(0, order, ranks_sorted)


def _edge_keys(edge_index: Tensor, num_nodes: int, cell_shift: Tensor | None) -> tuple[Tensor, Tensor]:
    """Integer keys of every edge and of its wanted reverse (equal keys = same edge)."""
    src, dst = edge_index[0], edge_index[1]
    if cell_shift is None:
        return src * num_nodes + dst, dst * num_nodes + src
    # integer image shifts (nequip stores them as floats)
    s = cell_shift.round().long() if cell_shift.is_floating_point() else cell_shift.long()
    keys = [torch.cat([a, b]) for a, b in ((src, dst), (dst, src), (s[:, 0], -s[:, 0]),
                                           (s[:, 1], -s[:, 1]), (s[:, 2], -s[:, 2]))]
    ranks = _lex_ranks(keys)
    return ranks[:src.shape[0]], ranks[src.shape[0]:]


def reverse_edges(edge_index: Tensor, num_nodes: int,
                  cell_shift: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """For every edge ``e = (j -> i)`` the index of ``(i -> j)`` and whether it exists.

    ``cell_shift [E, 3]`` (optional, integer-valued): the periodic image shift of each
    edge; the reverse of ``(j -> i, S)`` is then ``(i -> j, -S)``. Without shifts, edges
    are paired by node pair (ambiguous if one pair has several edges).
    Returns ``rev [E]`` (long; arbitrary where absent) and ``found [E]`` (bool).
    """
    src = edge_index[0]
    num_edges = src.shape[0]
    if num_edges == 0:
        return src.clone(), torch.zeros_like(src, dtype=torch.bool)
    keys, query = _edge_keys(edge_index, num_nodes, cell_shift)
    sorted_keys, order = torch.sort(keys)
    at = torch.searchsorted(sorted_keys, query).clamp(max=num_edges - 1)
    return order[at], sorted_keys[at] == query


def edge_reverse(edge_index: Tensor, num_nodes: int, cell_shift: Tensor | None = None) -> Tensor:
    """Index ``[E]`` of the reverse of every edge (see :func:`reverse_edges`), ``-1`` where none."""
    rev, found = reverse_edges(edge_index, num_nodes, cell_shift)
    return torch.where(found, rev, torch.full_like(rev, -1))


def enumerate_paths(edge_index: Tensor, hops: int, num_nodes: int, *,
                    edge_reverse: Tensor | None = None) -> Tensor:
    """All non-backtracking edge paths with ``hops`` edges, as edge ids ``[P, hops]``.

    Column 0 is the first edge (leaving the path's start node), column ``hops-1`` the
    edge entering its end node; consecutive edges share a node and never return to the
    node just left (``k -> j -> k`` is excluded). With ``edge_reverse [E]`` (``-1`` = none)
    only the reverse edge itself counts as going back (periodic images: ``k -> j`` and a
    ``j -> k`` to another image of ``k`` is a genuine path). Vectorised over all edges:
    each step joins the current path ends with the edges leaving them (sorted-CSR expansion).
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
        keep = (dst[nxt] != src[last[rep]] if edge_reverse is None
                else nxt != edge_reverse[last[rep]])
        paths = torch.cat([paths[rep], nxt.unsqueeze(1)], dim=1)[keep]
    return paths
