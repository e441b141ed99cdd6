"""How O(n) acts on multivectors of Cl(n, 0): the outermorphism (a ``Rep``).

An orthogonal map ``R`` extends to an algebra automorphism of Cl(n,0): the grade-k
blade ``e_{i1} ^ ... ^ e_{ik}`` maps to ``R e_{i1} ^ ... ^ R e_{ik}``, so grade-k
coefficients transform by the k-th exterior power of ``R`` (its k x k minors). For a
reflection (det -1) the pseudoscalar flips sign. This equals the twisted conjugation
``rho(v)`` of the versor ``v`` representing ``R`` (CGENN, Ruhe et al. 2023).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import torch
from torch import Tensor

from ..groups import Rep, rotation_of
from .tables import blade_bitmaps

__all__ = ["Multivector", "outermorphism"]


def _blade_sets(n: int) -> list[tuple[int, ...]]:
    return [tuple(i for i in range(n) if bm >> i & 1) for bm in blade_bitmaps(n)]


def outermorphism(r: Tensor) -> Tensor:
    """Matrix ``[2**n, 2**n]`` of the outermorphism of ``r [n, n]`` on short-lex blades.

    Entry ``[J, I]`` is the minor ``det(r[J][:, I])`` for blades of equal grade, else 0.
    """
    n = r.shape[-1]
    sets = _blade_sets(n)
    m = r.new_zeros(2 ** n, 2 ** n)
    m[0, 0] = 1.0
    for k in range(1, n + 1):
        idx = [i for i, s in enumerate(sets) if len(s) == k]
        combos = torch.tensor(list(combinations(range(n), k)), device=r.device)
        sub = r[combos[:, None, :, None], combos[None, :, None, :]]  # [J, I, k, k]
        m[torch.tensor(idx)[:, None], torch.tensor(idx)[None, :]] = torch.linalg.det(sub)
    return m


@dataclass(frozen=True)
class Multivector(Rep):
    """Multivectors of Cl(n,0) along the last axis (size ``2**n``), acted on by O(n).

    ``x -> x @ outermorphism(R).T``; translations (of an ``Isometry``) are ignored, so
    use it for translation-invariant features. Permutations are ignored.
    """

    n: int = 3

    def act(self, g, x: Tensor) -> Tensor:
        r = rotation_of(g)
        if r is None:
            return x
        if x.shape[-1] != 2 ** self.n or r.shape[-1] != self.n:
            raise ValueError(f"Multivector(n={self.n}) needs a last axis of size {2 ** self.n} "
                             f"and an [{self.n}, {self.n}] matrix, got {list(x.shape)} and {list(r.shape)}")
        m = outermorphism(r.to(dtype=x.dtype, device=x.device))
        return x @ m.T
