"""The symmetry group of a weight space: elements, sampling and the action on tensors.

A :class:`GroupElement` maps factor names to factor elements. A neuron factor element
``(perm, diag)`` acts on an "out" slot as ``x[i] -> diag[i] * x[perm[i]]`` and on an
"in" slot as ``x[i] -> x[perm[i]] / diag[i]``, so ``W_i -> g_i W_i g_{i-1}^{-1}`` and
``b_i -> g_i b_i`` with ``g = D P``. A head element ``(perm, A, N)`` permutes heads and
maps, per head, ``W_Q -> A W_Q``, ``W_K -> A^{-T} W_K``, ``W_V -> N W_V``,
``W_O -> W_O N^{-1}`` (Transformer-NFN, arXiv 2410.04209).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..groups.reps import Rep
from .spec import ArchSpec, FactorSpec, Slot

__all__ = ["NeuronElement", "HeadElement", "GroupElement", "WeightSpaceGroup", "TensorRep", "apply_slot", "slot_rows"]


@dataclass(frozen=True)
class NeuronElement:
    """``g = diag(diag) P`` on ``n`` neurons: new neuron ``i`` is ``diag[i]`` times old ``perm[i]``."""

    perm: Tensor
    diag: Tensor

    def inverse(self) -> "NeuronElement":
        inv = torch.argsort(self.perm)
        return NeuronElement(inv, 1.0 / self.diag[inv])

    def __matmul__(self, first: "NeuronElement") -> "NeuronElement":
        """``self @ first``: act with ``first``, then with ``self``."""
        return NeuronElement(first.perm[self.perm], self.diag * first.diag[self.perm])


@dataclass(frozen=True)
class HeadElement:
    """Head permutation ``perm`` and per-head matrices ``qk [h, d_k, d_k]``, ``v [h, d_v, d_v]``."""

    perm: Tensor
    qk: Tensor
    v: Tensor

    def inverse(self) -> "HeadElement":
        inv = torch.argsort(self.perm)
        return HeadElement(inv, torch.linalg.inv(self.qk[inv]), torch.linalg.inv(self.v[inv]))

    def __matmul__(self, first: "HeadElement") -> "HeadElement":
        """``self @ first``: act with ``first``, then with ``self``."""
        p = self.perm
        return HeadElement(first.perm[p], self.qk @ first.qk[p], self.v @ first.v[p])


@dataclass(frozen=True)
class GroupElement:
    """An element of the weight-space group: ``{factor name: NeuronElement | HeadElement}``."""

    parts: dict

    def inverse(self) -> "GroupElement":
        return GroupElement({k: e.inverse() for k, e in self.parts.items()})

    def __matmul__(self, first: "GroupElement") -> "GroupElement":
        """``self @ first``: act with ``first``, then with ``self`` (missing parts = identity)."""
        out = dict(first.parts)
        for k, e in self.parts.items():
            out[k] = e @ first.parts[k] if k in first.parts else e
        return GroupElement(out)

    def to(self, dtype=None, device=None, **_) -> "GroupElement":
        def cast(t: Tensor) -> Tensor:
            return t.to(device=device, dtype=dtype if t.is_floating_point() else None)
        return GroupElement({k: type(e)(*(cast(getattr(e, f)) for f in e.__dataclass_fields__))
                             for k, e in self.parts.items()})


def slot_rows(t: Tensor, slot: Slot) -> Tensor:
    """The entries of ``slot`` as ``[n, block * rest]``: one row per neuron (or head)."""
    x = t.movedim(slot.dim, 0)
    length = slot.length if slot.length is not None else x.shape[0] - slot.offset
    return x[slot.offset:slot.offset + length].reshape(length // slot.block, -1)


def apply_slot(t: Tensor, slot: Slot, e) -> Tensor:
    """Return a new tensor: element ``e`` acting on ``slot`` of tensor ``t``."""
    x = t.movedim(slot.dim, 0)
    length = slot.length if slot.length is not None else x.shape[0] - slot.offset
    seg = x[slot.offset:slot.offset + length]
    n, rest = length // slot.block, seg.shape[1:]
    seg = seg.reshape(n, slot.block, -1)[e.perm.to(t.device)]
    if slot.role in ("out", "in"):
        d = e.diag.to(dtype=t.dtype, device=t.device)[:, None, None]
        seg = seg * d if slot.role == "out" else seg / d
    else:
        mat = {"q": lambda: e.qk, "k": lambda: torch.linalg.inv(e.qk).mT, "v": lambda: e.v,
               "o": lambda: torch.linalg.inv(e.v).mT}[slot.role]()
        seg = mat.to(dtype=t.dtype, device=t.device) @ seg
    out = x.clone()
    out[slot.offset:slot.offset + length] = seg.reshape(length, *rest)
    return out.movedim(0, slot.dim)


@dataclass(frozen=True)
class TensorRep(Rep):
    """How a :class:`GroupElement` acts on the tensor ``name`` alone (for the shared test helper)."""

    spec: ArchSpec
    name: str

    def act(self, g, x: Tensor) -> Tensor:
        if not isinstance(g, GroupElement):
            return x
        for f in self.spec.factors:
            if f.name in g.parts:
                for slot in f.slots:
                    if slot.param == self.name:
                        x = apply_slot(x, slot, g.parts[f.name])
        return x


def _random_gl(n: int, h: int, generator, dtype, device, cond: float = 2.0) -> Tensor:
    q1, _ = torch.linalg.qr(torch.randn(h, n, n, generator=generator, dtype=torch.float64))
    q2, _ = torch.linalg.qr(torch.randn(h, n, n, generator=generator, dtype=torch.float64))
    s = torch.exp((torch.rand(h, n, generator=generator, dtype=torch.float64) * 2 - 1) * math.log(cond))
    return (q1 * s[:, None, :] @ q2).to(dtype=dtype, device=device)


class WeightSpaceGroup:
    """Product of the factors derived from a network (see :class:`~symplugins.nfn.spec.FactorSpec`)."""

    def __init__(self, spec: ArchSpec) -> None:
        self.spec = spec
        self.factors: tuple[FactorSpec, ...] = spec.factors

    def _sample_factor(self, f: FactorSpec, gen, dtype, device, max_scale: float):
        perm = torch.randperm(f.size, generator=gen).to(device)
        if f.kind == "heads":
            return HeadElement(perm, _random_gl(f.dim_qk, f.size, gen, dtype, device),
                               _random_gl(f.dim_v, f.size, gen, dtype, device))
        diag = torch.ones(f.size, dtype=torch.float64)
        if f.scale:
            diag = torch.exp((torch.rand(f.size, generator=gen, dtype=torch.float64) * 2 - 1) * math.log(max_scale))
        if f.sign:
            diag = diag * (torch.randint(0, 2, (f.size,), generator=gen) * 2 - 1)
        return NeuronElement(perm, diag.to(dtype=dtype, device=device))

    def sample(self, generator: torch.Generator | None = None, *, max_scale: float = 10.0,
               dtype: torch.dtype = torch.float64, device=None) -> GroupElement:
        """A random element; scalings are log-uniform in ``[1/max_scale, max_scale]``."""
        return GroupElement({f.name: self._sample_factor(f, generator, dtype, device, max_scale)
                             for f in self.factors})

    def identity(self, dtype: torch.dtype = torch.float64, device=None) -> GroupElement:
        parts = {}
        for f in self.factors:
            perm = torch.arange(f.size, device=device)
            if f.kind == "heads":
                eye = lambda d: torch.eye(d, dtype=dtype, device=device).expand(f.size, d, d).clone()  # noqa: E731
                parts[f.name] = HeadElement(perm, eye(f.dim_qk), eye(f.dim_v))
            else:
                parts[f.name] = NeuronElement(perm, torch.ones(f.size, dtype=dtype, device=device))
        return GroupElement(parts)

    def test_elements(self, n: int = 3, generator=None, dtype=torch.float64, device=None) -> list:
        """Labelled random elements (the protocol of :func:`symplugins.testing.assert_equivariant`)."""
        scales = (10.0, 1e3, 2.0)
        return [(f"random element #{i} (scales <= {scales[i % 3]:g})",
                 self.sample(generator, max_scale=scales[i % 3], dtype=dtype, device=device)) for i in range(n)]

    @property
    def log_size(self) -> float:
        """Natural log of the order of the discrete part (permutations and sign flips)."""
        return sum(math.lgamma(f.size + 1) + (f.size * math.log(2) if f.sign else 0.0) for f in self.factors)

    @property
    def dim(self) -> int:
        """Dimension of the continuous part (positive scalings, per-head GL)."""
        return sum(f.size * (f.dim_qk ** 2 + f.dim_v ** 2) if f.kind == "heads" else (f.size if f.scale else 0)
                   for f in self.factors)

    def describe(self) -> list[str]:
        return [f"{f.name}: {f.describe()}" for f in self.factors]

    def __repr__(self) -> str:
        body = " x ".join(f"[{f.describe()}]" for f in self.factors) or "trivial"
        return f"WeightSpaceGroup({body} | log|G_discrete|={self.log_size:.1f}, dim={self.dim})"
