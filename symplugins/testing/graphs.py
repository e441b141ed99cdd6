"""Random inputs for tests: batched point sets with edges."""
from __future__ import annotations

import torch
from torch import Tensor


def random_batched_graph(sizes=(5, 7, 4), *, dtype=torch.float64, generator=None,
                         complete: bool = True, p: float = 0.5) -> tuple[Tensor, Tensor, Tensor]:
    """Random positions, a directed edge_index without self loops, and the batch vector.

    Returns ``pos [N, 3]``, ``edge_index [2, E]`` (row 0 source, row 1 target, inside
    each graph; complete or Bernoulli(p) edges), ``batch [N]``.
    """
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    pos, edges, batch, off = [], [], [], 0
    for b, n in enumerate(sizes):
        pos.append(torch.randn(n, 3, generator=gen, dtype=torch.float64))
        i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        mask = i != j
        if not complete:
            mask &= torch.rand(n, n, generator=gen) < p
        edges.append(torch.stack([i[mask], j[mask]]) + off)
        batch.append(torch.full((n,), b, dtype=torch.long))
        off += n
    return torch.cat(pos).to(dtype), torch.cat(edges, 1), torch.cat(batch)
