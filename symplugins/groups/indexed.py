"""Finite-group elements carried by their index, for features with a group axis.

Lifted G-CNN features ``F [|G|, ...]`` (one slice per group element) transform by the
left regular representation, ``(h . F)(g) = F(h^{-1} g)``: a relabelling of the group
axis through the Cayley table, no matrix involved. :class:`GroupIndex` is an element
given by its index, :class:`IndexedGroup` wraps a :class:`~symplugins.groups.FiniteGroup`
so that :func:`~symplugins.testing.assert_equivariant` draws such elements (all
generators plus random ones), and :class:`AxisPermutation` is an arbitrary relabelling
of the group axis (in general *not* a group element: the sensitivity partner).
See :class:`~symplugins.groups.reps.RegularRep`.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .finite import FiniteGroup

__all__ = ["GroupIndex", "IndexedGroup", "AxisPermutation"]


@dataclass(frozen=True)
class GroupIndex:
    """The element ``g_index`` of a finite ``group``."""

    group: FiniteGroup
    index: int

    def regular_permutation(self, group: FiniteGroup) -> Tensor:
        """``p [|G|]`` with ``(g . F)[h] = F[p[h]]``, ``p[h] = index of g^{-1} h``."""
        if group is not self.group:
            raise ValueError(f"element of {self.group.name} acting on features of {group.name}; "
                             "use elements of the representation's group")
        return self.group.cayley[int(self.group.inverse[self.index])]

    @property
    def matrix(self) -> Tensor:
        """The rotation ``R_g`` ``[3, 3]`` (float64)."""
        return self.group.matrices[self.index]


@dataclass(frozen=True)
class AxisPermutation:
    """Any relabelling ``(sigma . F)[h] = F[perm[h]]`` of a group axis (mostly not a symmetry)."""

    perm: Tensor

    def regular_permutation(self, group: FiniteGroup) -> Tensor:
        if self.perm.shape != (len(group),):
            raise ValueError(f"AxisPermutation has {self.perm.numel()} entries but the group axis has "
                             f"{len(group)}; pass a permutation of range({len(group)})")
        return self.perm


class IndexedGroup:
    """``group`` whose test elements are :class:`GroupIndex` values (for regular-rep features)."""

    def __init__(self, group: FiniteGroup) -> None:
        if not isinstance(group, FiniteGroup):
            raise ValueError(f"IndexedGroup wraps a FiniteGroup (e.g. get_group('O')), got {type(group).__name__}")
        self.group = group
        self.name = group.name

    def __len__(self) -> int:
        return len(self.group)

    @property
    def identity(self) -> GroupIndex:
        return GroupIndex(self.group, 0)

    @property
    def generators(self) -> list[GroupIndex]:
        return [GroupIndex(self.group, int(i)) for i in self.group.generators]

    def elements(self) -> list[GroupIndex]:
        return [GroupIndex(self.group, i) for i in range(len(self.group))]

    def sample(self, generator: torch.Generator | None = None, **_) -> GroupIndex:
        return GroupIndex(self.group, self.group.sample_index(generator))

    def test_elements(self, n: int = 3, generator=None, dtype=None, device=None) -> list:
        """All generators, then ``n`` random elements, labelled (the ``assert_equivariant`` protocol)."""
        out = [(f"{self.name} generator g[{g.index}]", g) for g in self.generators]
        for _ in range(n):
            g = self.sample(generator)
            out.append((f"{self.name} random g[{g.index}]", g))
        return out

    def __repr__(self) -> str:
        return f"IndexedGroup({self.name}, order={len(self)})"
