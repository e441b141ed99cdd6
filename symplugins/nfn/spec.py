"""Frozen description of a live network's weight space and its symmetry factors.

A :class:`Slot` says how one factor of the symmetry group acts on one axis of one
parameter; a :class:`FactorSpec` collects the slots of one factor (a set of hidden
neurons, the residual stream, the heads of one attention module). :class:`ArchSpec`
is what :func:`symplugins.nfn.trace.trace_module` derives from a module: parameter
names and shapes (by module name, never by ``state_dict`` order), factors, the
layer table and every place the analysis had to restrict the group (``issues``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Slot", "FactorSpec", "Issue", "LayerInfo", "ChainLayer", "ChainSpec", "ArchSpec"]

#: slot roles: neuron factors use "out" (x -> d * x[p]) and "in" (x -> x[p] / d);
#: head factors use "q" (A x), "k" (A^-T x), "v" (N x) and "o" (x N^-1)
ROLES = ("out", "in", "q", "k", "v", "o")


@dataclass(frozen=True)
class Slot:
    """Axis ``dim`` of tensor ``param`` (sub-range ``[offset, offset+length)``), acted on by a factor.

    Each neuron (or head) owns ``block`` consecutive entries of the range, e.g. the
    ``H*W`` inputs of a flattened conv channel, or the ``d_k`` rows of one head.
    """

    param: str
    dim: int
    role: str
    block: int = 1
    offset: int = 0
    length: int | None = None


@dataclass(frozen=True)
class FactorSpec:
    """One factor of the symmetry group.

    kind "neuron": ``size`` neurons; permutations, times positive scalings if
    ``scale``, times sign flips if ``sign``. kind "heads": ``size`` heads of an
    attention module; head permutations times GL(``dim_qk``) x GL(``dim_v``) per head.
    ``primary`` are the slots of the layer that creates the neurons (used for
    canonical keys); ``order`` is the position in the forward pass.
    """

    name: str
    kind: str
    size: int
    slots: tuple[Slot, ...]
    scale: bool = False
    sign: bool = False
    primary: tuple[Slot, ...] = ()
    dim_qk: int = 0
    dim_v: int = 0
    order: int = 0

    def describe(self) -> str:
        """Short text such as ``S_16 x R+^16`` or ``S_2 x GL(4)^2 x GL(4)^2``."""
        if self.kind == "heads":
            return f"S_{self.size} x GL({self.dim_qk})^{self.size} x GL({self.dim_v})^{self.size}"
        parts = [f"S_{self.size}"]
        if self.scale:
            parts.append(f"R+^{self.size}")
        if self.sign:
            parts.append(f"Z2^{self.size}")
        return " x ".join(parts)


@dataclass(frozen=True)
class Issue:
    """A place where the analysis restricted the group: ``where`` (submodule/node) and ``why``."""

    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}"


@dataclass(frozen=True)
class LayerInfo:
    """One row of the layer table: a called submodule or op that holds parameters."""

    name: str
    type: str
    shapes: tuple[tuple[str, tuple[int, ...]], ...]
    n_params: int
    note: str = ""


@dataclass(frozen=True)
class ChainLayer:
    """One affine layer of a chain network (MLP/CNN): weight ``[n_i, n_{i-1}, *taps]``."""

    name: str
    weight: str
    bias: str | None
    shape: tuple[int, ...]
    n_out: int
    n_in: int
    taps: int


@dataclass(frozen=True)
class ChainSpec:
    """A plain chain ``x -> W_L s(... s(W_1 x + b_1) ...) + b_L`` (what Monomial-NFN layers read).

    ``kinds[i]`` is the group on hidden layer ``i + 1``: "scale", "sign", "monomial",
    "perm" or "fixed".
    """

    layers: tuple[ChainLayer, ...]
    kinds: tuple[str, ...]

    @property
    def dims(self) -> tuple[int, ...]:
        return (self.layers[0].n_in,) + tuple(l.n_out for l in self.layers)

    @property
    def taps(self) -> tuple[int, ...]:
        return tuple(l.taps for l in self.layers)


@dataclass(frozen=True)
class ArchSpec:
    """Everything derived from a live module: tensors, factors, layer table, issues, chain."""

    tensors: tuple[tuple[str, tuple[int, ...]], ...]
    factors: tuple[FactorSpec, ...]
    layers: tuple[LayerInfo, ...] = ()
    issues: tuple[Issue, ...] = ()
    chain: ChainSpec | None = None
    buffers: frozenset = field(default_factory=frozenset)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.tensors)

    def factor(self, name: str) -> FactorSpec:
        for f in self.factors:
            if f.name == name:
                return f
        raise KeyError(f"no factor named {name!r}; factors: {[f.name for f in self.factors]}")
