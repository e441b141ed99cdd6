"""Blade tables of a Clifford algebra with a diagonal metric (pure torch, no state).

Blades are bitmaps (bit ``i`` set = basis vector ``e_{i+1}`` present) listed in
short-lex order: by grade, then lexicographically, e.g. for Cl(3,0)
``1, e1, e2, e3, e12, e13, e23, e123``. The product of basis blades ``a`` and ``b`` is
the blade ``a ^ b`` (XOR) with sign = (-1)^(swaps to sort) * prod(metric[a & b]).
Only the non-zero entries are kept (Cl(3,0): 64 of the 512 dense entries).
"""
from __future__ import annotations

from itertools import combinations
from typing import Sequence

import torch
from torch import Tensor

__all__ = ["blade_bitmaps", "blade_names", "reorder_sign", "cayley_entries", "grade_paths"]


def blade_bitmaps(n: int) -> list[int]:
    """Bitmaps of the ``2**n`` basis blades in short-lex order."""
    out = []
    for k in range(n + 1):
        for combo in combinations(range(n), k):
            out.append(sum(1 << i for i in combo))
    return out


def blade_names(n: int) -> list[str]:
    """Human-readable blade names (``"1"``, ``"e1"``, ``"e12"``, ...)."""
    names = []
    for bm in blade_bitmaps(n):
        idx = [str(i + 1) for i in range(n) if bm >> i & 1]
        names.append("e" + "".join(idx) if idx else "1")
    return names


def reorder_sign(a: int, b: int) -> int:
    """Sign of moving the basis vectors of blade ``b`` past those of ``a`` into order."""
    a >>= 1
    swaps = 0
    while a:
        swaps += bin(a & b).count("1")
        a >>= 1
    return -1 if swaps & 1 else 1


def cayley_entries(metric: Sequence[float]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Non-zero entries ``(left, right, out, sign)`` of the geometric product table.

    ``e_left * e_right = sign * e_out`` with indices into the short-lex blade list;
    entries whose metric factor vanishes (degenerate directions) are dropped.
    """
    n = len(metric)
    bms = blade_bitmaps(n)
    pos = {bm: i for i, bm in enumerate(bms)}
    rows = []
    for i, a in enumerate(bms):
        for j, b in enumerate(bms):
            s = float(reorder_sign(a, b))
            for k in range(n):
                if (a & b) >> k & 1:
                    s *= float(metric[k])
            if s != 0.0:
                rows.append((i, j, pos[a ^ b], s))
    left, right, out, sign = zip(*rows)
    as_long = lambda v: torch.tensor(v, dtype=torch.long)  # noqa: E731
    return as_long(left), as_long(right), as_long(out), torch.tensor(sign, dtype=torch.float64)


def grade_paths(grades: Tensor, left: Tensor, right: Tensor, out: Tensor) -> tuple[Tensor, Tensor]:
    """Grade path ``(g_left, g_right, g_out)`` of every entry.

    Returns ``paths [P, 3]`` (sorted, unique) and ``path_of_entry [K]`` indexing them.
    Cl(3,0) has 20 paths.
    """
    triples = torch.stack([grades[left], grades[right], grades[out]], dim=1)
    paths, inverse = torch.unique(triples, dim=0, return_inverse=True)
    return paths, inverse
