"""Node permutations as a group, optionally within graphs of a batch."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["Perm", "Permutation"]


@dataclass(frozen=True)
class Perm:
    """A permutation: new row ``i`` holds old row ``perm[i]``; ``inverse[perm[i]] = i``."""

    perm: Tensor

    @property
    def inverse(self) -> Tensor:
        return torch.argsort(self.perm)

    def to(self, *args, device=None, **kwargs) -> "Perm":
        return Perm(self.perm.to(device=device)) if device is not None else self


class Permutation:
    """Symmetric group on ``n`` nodes; with ``batch``, only permutations inside each graph.

    ``sample`` re-samples until the permutation is not the identity (when ``n > 1``).
    """

    name = "Sn"

    def __init__(self, n: int, batch: Tensor | None = None):
        self.n = int(n)
        self.batch = None if batch is None else batch.detach().cpu()

    def sample(self, generator=None, dtype=None, device=None, **_) -> Perm:
        for _ in range(100):
            if self.batch is None:
                p = torch.randperm(self.n, generator=generator)
            else:
                key = self.batch.to(torch.float64) * 2 + torch.rand(self.n, generator=generator, dtype=torch.float64)
                p = torch.argsort(key)
            if self.n < 2 or not torch.equal(p, torch.arange(self.n)):
                return Perm(p.to(device))
        raise RuntimeError("could not sample a non-identity permutation (every graph has one node?)")

    def identity(self, dtype=None, device=None) -> Perm:
        return Perm(torch.arange(self.n, device=device))

    def test_elements(self, n: int = 2, generator=None, dtype=None, device=None):
        return [(f"random permutation #{i}", self.sample(generator, device=device)) for i in range(n)]

    def __repr__(self) -> str:
        return f"Permutation(n={self.n}, batched={self.batch is not None})"
