"""Representations: how a group element acts on a tensor.

Each representation is a small immutable value with ``act(g, x)``. Geometric
representations understand ``[3, 3]`` matrices and :class:`Isometry` elements;
permutation representations understand :class:`Perm` elements. A representation
acts trivially on elements of a group it does not describe (a node axis ignores
rotations, a vector ignores node permutations), so one list of representations per
input serves every group of a test.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .finite import FiniteGroup
from .indexed import AxisPermutation, GroupIndex
from .o3 import Isometry
from .permutation import Perm

__all__ = [
    "Rep", "Scalar", "Pseudoscalar", "Vector", "Pseudovector", "Point", "NodeAxis",
    "NodeIndex", "Composite", "RegularRep", "rotation_of", "translation_of",
]


def rotation_of(g) -> Tensor | None:
    if isinstance(g, Isometry):
        return g.rotation
    if isinstance(g, Tensor) and g.shape == (3, 3):
        return g
    return None


def translation_of(g) -> Tensor | None:
    return g.translation if isinstance(g, Isometry) else None


class Rep:
    """Base class: ``act(g, x)`` returns ``g . x``."""

    def act(self, g, x: Tensor) -> Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def __call__(self, g, x: Tensor) -> Tensor:
        return self.act(g, x)


@dataclass(frozen=True)
class Scalar(Rep):
    """Invariant values (any shape)."""

    def act(self, g, x):
        return x


@dataclass(frozen=True)
class Pseudoscalar(Rep):
    """Values multiplied by det R."""

    def act(self, g, x):
        r = rotation_of(g)
        return x if r is None else x * torch.linalg.det(r).to(x.dtype)


def _rotate(r: Tensor, x: Tensor) -> Tensor:
    if x.shape[-1] != 3:
        raise ValueError(f"a vector representation needs a last axis of size 3, got shape {list(x.shape)}")
    return x @ r.to(dtype=x.dtype, device=x.device).T


@dataclass(frozen=True)
class Vector(Rep):
    """Vectors along the last axis (size 3): ``x -> R x`` (translations ignored)."""

    def act(self, g, x):
        r = rotation_of(g)
        return x if r is None else _rotate(r, x)


@dataclass(frozen=True)
class Pseudovector(Rep):
    """Axial vectors along the last axis: ``x -> det(R) R x``."""

    def act(self, g, x):
        r = rotation_of(g)
        return x if r is None else _rotate(r, x) * torch.linalg.det(r).to(x.dtype)


@dataclass(frozen=True)
class Point(Rep):
    """Points along the last axis: ``x -> R x + t``."""

    def act(self, g, x):
        r = rotation_of(g)
        if r is None:
            return x
        y = _rotate(r, x)
        t = translation_of(g)
        return y if t is None else y + t.to(dtype=x.dtype, device=x.device)


@dataclass(frozen=True)
class NodeAxis(Rep):
    """Rows indexed by node along ``axis``: permuted by a :class:`Perm`."""

    axis: int = 0

    def act(self, g, x):
        if not isinstance(g, Perm):
            return x
        return x.index_select(self.axis, g.perm.to(x.device))


@dataclass(frozen=True)
class NodeIndex(Rep):
    """Integer tensors whose values are node ids (edge_index, faces): relabelled."""

    def act(self, g, x):
        if not isinstance(g, Perm):
            return x
        return g.inverse.to(x.device)[x]


@dataclass(frozen=True)
class Composite(Rep):
    """Apply several representations in turn (e.g. ``Composite((Vector(), NodeAxis(0)))``)."""

    parts: tuple

    def act(self, g, x):
        for p in self.parts:
            x = p.act(g, x)
        return x


@dataclass(frozen=True)
class RegularRep(Rep):
    """A group axis of a finite group, acted on by the left regular representation.

    ``(g . x)[..., h, ...] = x[..., g^{-1} h, ...]`` along ``axis`` (lifted G-CNN features,
    Cohen & Welling 2016). Elements: a :class:`~symplugins.groups.indexed.GroupIndex` of
    ``group``, a rotation matrix of ``group`` (looked up in ``group.matrices``) or an
    :class:`~symplugins.groups.indexed.AxisPermutation`; other elements act trivially.
    """

    group: FiniteGroup
    axis: int = 0

    def _index_of(self, r: Tensor) -> int:
        mats = self.group.matrices.to(device=r.device)
        err = (mats - r.to(mats.dtype)).abs().amax(dim=(1, 2))
        i = int(err.argmin())
        if float(err[i]) > 1e-3:
            raise ValueError(f"the rotation is not an element of {self.group.name}; RegularRep acts only "
                             "by elements of its group (or an AxisPermutation)")
        return i

    def act(self, g, x):
        if isinstance(g, (GroupIndex, AxisPermutation)):
            perm = g.regular_permutation(self.group)
        elif rotation_of(g) is not None:
            perm = GroupIndex(self.group, self._index_of(rotation_of(g))).regular_permutation(self.group)
        else:
            return x
        if x.shape[self.axis] != len(self.group):
            raise ValueError(f"RegularRep({self.group.name}) expects axis {self.axis} of size {len(self.group)}, "
                             f"got shape {list(x.shape)}")
        return x.index_select(self.axis, perm.to(x.device))
