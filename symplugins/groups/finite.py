"""Finite subgroups of SO(3) as value objects with Cayley tables.

``cyclic(n)`` (C_n about z), ``dihedral(n)`` (D_n, order 2n), ``klein_four()`` (V_4),
``tetrahedral()`` (T, 12), ``octahedral()`` (O, 24), ``icosahedral()`` (I, 60). Elements
are built as the closure of generator matrices; the Cayley table is found by
nearest-matrix lookup and checked to be a group table.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import torch
from torch import Tensor

__all__ = [
    "FiniteGroup", "cyclic", "dihedral", "klein_four", "tetrahedral", "octahedral",
    "icosahedral", "get_group", "GROUP_NAMES",
]


def axis_angle(axis, angle: float) -> Tensor:
    """Rotation matrix (float64) of ``angle`` about ``axis`` (Rodrigues)."""
    a = torch.as_tensor(axis, dtype=torch.float64)
    a = a / a.norm()
    k = torch.tensor([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]], dtype=torch.float64)
    return torch.eye(3, dtype=torch.float64) + math.sin(angle) * k + (1 - math.cos(angle)) * (k @ k)


def _closure(gens: list[Tensor], max_order: int = 200) -> Tensor:
    key = lambda m: tuple(torch.round(m * 1e6).to(torch.int64).flatten().tolist())  # noqa: E731
    eye = torch.eye(3, dtype=torch.float64)
    elems, seen, frontier = [eye], {key(eye)}, [eye]
    while frontier:
        nxt = []
        for m in frontier:
            for g in gens:
                p = g @ m
                k = key(p)
                if k not in seen:
                    seen.add(k)
                    elems.append(p)
                    nxt.append(p)
        frontier = nxt
        if len(elems) > max_order:
            raise RuntimeError("generators do not generate a finite group of small order")
    return torch.stack(elems)


def _lookup(mats: Tensor, queries: Tensor) -> Tensor:
    d = (queries[..., None, :, :] - mats).flatten(-2).norm(dim=-1)
    dist, idx = d.min(dim=-1)
    if float(dist.max()) > 1e-6:
        raise RuntimeError("set of matrices is not closed under multiplication")
    return idx


class FiniteGroup:
    """A finite group of proper rotations.

    Attributes:
        name: short name, e.g. ``"O"`` or ``"C4"``.
        matrices: ``[|G|, 3, 3]`` float64 rotation matrices (element 0 is the identity).
        cayley: ``[|G|, |G|]`` long, ``cayley[i, j]`` = index of ``g_i g_j``.
        inverse: ``[|G|]`` long, index of ``g_i^{-1}``.
        generators: ``[k]`` long indices of a generating set.
        identity: index of the identity element (0).
    """

    def __init__(self, name: str, generator_matrices: list[Tensor]):
        self.name = name
        mats = _closure([g.to(torch.float64) for g in generator_matrices])
        self.matrices = mats
        n = mats.shape[0]
        prods = mats[:, None] @ mats[None, :]
        self.cayley = _lookup(mats, prods.reshape(n * n, 3, 3)).reshape(n, n)
        self.identity = 0
        self.inverse = (self.cayley == self.identity).to(torch.int64).argmax(dim=1)
        self.generators = _lookup(mats, torch.stack([g.to(torch.float64) for g in generator_matrices]))

    def __len__(self) -> int:
        return self.matrices.shape[0]

    def __repr__(self) -> str:
        return f"FiniteGroup({self.name}, order={len(self)})"

    @property
    def elements(self) -> Tensor:
        """All elements as ``[|G|, 3, 3]`` matrices (alias of :attr:`matrices`)."""
        return self.matrices

    @property
    def order(self) -> int:
        return len(self)

    def sample_index(self, generator: torch.Generator | None = None) -> int:
        return int(torch.randint(len(self), (1,), generator=generator))

    def sample(self, generator=None, dtype=torch.float64, device=None, **_):
        """A uniformly random element as a ``[3, 3]`` matrix."""
        return self.matrices[self.sample_index(generator)].to(dtype=dtype, device=device)

    def test_elements(self, n: int = 3, generator=None, dtype=torch.float64, device=None):
        """All generators, then ``n`` random elements (labelled by index)."""
        out = [(f"{self.name} generator g[{int(i)}]", self.matrices[int(i)].to(dtype=dtype, device=device))
               for i in self.generators]
        for _ in range(n):
            i = self.sample_index(generator)
            out.append((f"{self.name} random g[{i}]", self.matrices[i].to(dtype=dtype, device=device)))
        return out

    def regular_representation(self) -> Tensor:
        """``[|G|, |G|, |G|]`` permutation matrices ``L_g e_h = e_{gh}``."""
        n = len(self)
        rep = torch.zeros(n, n, n, dtype=torch.float64)
        g = torch.arange(n)[:, None].expand(n, n)
        h = torch.arange(n)[None, :].expand(n, n)
        rep[g, self.cayley, h] = 1.0
        return rep


@lru_cache(maxsize=None)
def cyclic(n: int) -> FiniteGroup:
    """C_n: rotations by multiples of 2 pi / n about the z axis (order n)."""
    _check_n(n, "cyclic")
    return FiniteGroup(f"C{n}", [axis_angle((0, 0, 1), 2 * math.pi / n)])


@lru_cache(maxsize=None)
def dihedral(n: int) -> FiniteGroup:
    """D_n: C_n about z plus a half turn about x (order 2n)."""
    _check_n(n, "dihedral")
    return FiniteGroup(f"D{n}", [axis_angle((0, 0, 1), 2 * math.pi / n), axis_angle((1, 0, 0), math.pi)])


@lru_cache(maxsize=None)
def klein_four() -> FiniteGroup:
    """V_4: the identity and half turns about x, y, z (order 4)."""
    return FiniteGroup("V4", [torch.diag(torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64)),
                              torch.diag(torch.tensor([-1.0, 1.0, -1.0], dtype=torch.float64))])


_CYCLE = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=torch.float64)


@lru_cache(maxsize=None)
def tetrahedral() -> FiniteGroup:
    """T: rotations of the tetrahedron (order 12)."""
    return FiniteGroup("T", [torch.diag(torch.tensor([-1.0, -1.0, 1.0], dtype=torch.float64)), _CYCLE])


@lru_cache(maxsize=None)
def octahedral() -> FiniteGroup:
    """O: rotations of the cube, the signed permutation matrices with det +1 (order 24)."""
    return FiniteGroup("O", [axis_angle((0, 0, 1), math.pi / 2), _CYCLE])


@lru_cache(maxsize=None)
def icosahedral() -> FiniteGroup:
    """I: rotations of the icosahedron (order 60), generated by T and a 5-fold turn."""
    phi = (1 + math.sqrt(5)) / 2
    five = axis_angle((0.0, 1.0, phi), 2 * math.pi / 5)
    return FiniteGroup("I", [torch.diag(torch.tensor([-1.0, -1.0, 1.0], dtype=torch.float64)), _CYCLE, five])


def _check_n(n: int, what: str) -> None:
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"{what}(n) needs a positive integer n, got {n!r}")


GROUP_NAMES = ("C<n>", "D<n>", "V4", "T", "O", "I", "cyclic<n>", "dihedral<n>",
               "klein_four", "tetrahedral", "octahedral", "icosahedral", "trivial")


def get_group(group: "str | FiniteGroup") -> FiniteGroup:
    """Return a finite group from a name (``"octahedral"``, ``"O"``, ``"C4"``, ``"D6"``, ...)."""
    if isinstance(group, FiniteGroup):
        return group
    if not isinstance(group, str):
        raise ValueError(f"group must be a FiniteGroup or a name, got {type(group).__name__}")
    s = group.strip().lower().replace("-", "_")
    named = {"v4": klein_four, "klein": klein_four, "klein_four": klein_four,
             "t": tetrahedral, "tetrahedral": tetrahedral, "o": octahedral,
             "octahedral": octahedral, "i": icosahedral, "icosahedral": icosahedral,
             "trivial": lambda: cyclic(1), "c1": lambda: cyclic(1)}
    if s in named:
        return named[s]()
    m = re.fullmatch(r"(c|cyclic|d|dihedral)_?(\d+)", s)
    if m:
        n = int(m.group(2))
        return cyclic(n) if m.group(1).startswith("c") else dihedral(n)
    raise ValueError(f"unknown group name {group!r}; use one of {', '.join(GROUP_NAMES)}")
