"""Batched weight-space features of chain MLPs/CNNs and the monomial group acting on them.

Layout (``B`` networks, ``c`` channels, filter taps ``K_i`` flattened):
``weights[i]: [B, c, n_{i+1}, n_i, K_{i+1}]``, ``biases[i]: [B, c, n_{i+1}]`` (zeros for
bias-free layers). Hidden layer ``i`` carries ``g_i = D_i P_i``:
``W_i -> g_i W_i g_{i-1}^{-1}``, ``b_i -> g_i b_i``; input and output axes are fixed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ...groups.reps import Rep
from ...utils.checks import first_parameter

NFN_FIX = "pass a trained NFN module (e.g. symplugins.nfn.MonomialNFN)"

__all__ = ["NetSpec", "WeightSpaceFeatures", "FeatureElement", "MonomialGroup", "WeightRep", "BiasRep",
           "feature_reps", "features_from_spaces", "space_from_features"]


@dataclass(frozen=True)
class NetSpec:
    """Shape of a chain network: widths ``n_0..n_L``, taps ``K_1..K_L``, hidden group kinds."""

    dims: tuple[int, ...]
    taps: tuple[int, ...]
    kinds: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.dims) < 3:
            raise ValueError(f"'dims' must describe at least one hidden layer (n_0, n_1, n_2), got {self.dims}")
        if len(self.taps) != len(self.dims) - 1 or len(self.kinds) != len(self.dims) - 2:
            raise ValueError("'taps' needs one entry per layer and 'kinds' one per hidden layer")
        bad = set(self.kinds) - {"scale", "sign", "monomial", "perm", "fixed"}
        if bad:
            raise ValueError(f"unknown hidden kinds {sorted(bad)}; use scale/sign/monomial/perm/fixed")

    @property
    def L(self) -> int:
        return len(self.dims) - 1

    @classmethod
    def from_space(cls, space) -> "NetSpec":
        chain = space.spec.chain
        if chain is None:
            raise ValueError("this weight space is not a plain chain MLP/CNN (Linear/Conv layers, "
                             "activations, pools, flatten, no residuals or other parameters), so it has "
                             "no Monomial-NFN features; see space.spec.issues and the layer table")
        return cls(chain.dims, chain.taps, chain.kinds)

    def allows(self, i: int) -> tuple[bool, bool]:
        """(positive scaling, sign flips) acting on hidden layer ``i`` (1..L-1); layer 0/L fixed."""
        if i <= 0 or i >= self.L:
            return False, False
        k = self.kinds[i - 1]
        return k in ("scale", "monomial"), k in ("sign", "monomial")


@dataclass(frozen=True)
class WeightSpaceFeatures:
    """Weights and biases of ``B`` chain networks with ``c`` channels (see module doc)."""

    weights: tuple[Tensor, ...]
    biases: tuple[Tensor, ...]

    def flat(self) -> tuple[Tensor, ...]:
        """``(W_1, b_1, ..., W_L, b_L)``: the order :func:`feature_reps` describes."""
        return tuple(t for wb in zip(self.weights, self.biases) for t in wb)

    @classmethod
    def from_flat(cls, tensors) -> "WeightSpaceFeatures":
        return cls(tuple(tensors[0::2]), tuple(tensors[1::2]))

    @property
    def batch_size(self) -> int:
        return self.weights[0].shape[0]

    @property
    def channels(self) -> int:
        return self.weights[0].shape[1]

    def map(self, fn) -> "WeightSpaceFeatures":
        return WeightSpaceFeatures(tuple(fn(w) for w in self.weights), tuple(fn(b) for b in self.biases))

    def __add__(self, other: "WeightSpaceFeatures") -> "WeightSpaceFeatures":
        return WeightSpaceFeatures(tuple(a + b for a, b in zip(self.weights, other.weights)),
                                   tuple(a + b for a, b in zip(self.biases, other.biases)))


@dataclass(frozen=True)
class FeatureElement:
    """``g_i = diag(diags[i-1]) P(perms[i-1])`` for hidden layers ``i = 1..L-1``."""

    perms: tuple[Tensor, ...]
    diags: tuple[Tensor, ...]

    def part(self, i: int):
        return (self.perms[i - 1], self.diags[i - 1]) if 1 <= i <= len(self.perms) else None

    def to(self, dtype=None, device=None, **_) -> "FeatureElement":
        return FeatureElement(tuple(p.to(device) for p in self.perms),
                              tuple(d.to(dtype=dtype, device=device) for d in self.diags))


def _act_axis(x: Tensor, axis: int, part, inverse: bool) -> Tensor:
    if part is None:
        return x
    perm, diag = part
    shape = [1] * x.dim()
    shape[axis] = -1
    d = diag.to(dtype=x.dtype, device=x.device).view(shape)
    x = x.index_select(axis, perm.to(x.device))
    return x / d if inverse else x * d


@dataclass(frozen=True)
class WeightRep(Rep):
    """Acts on ``W_i [B, c, n_i, n_{i-1}, K]``: rows by ``g_i``, columns by ``g_{i-1}^{-1}``."""

    i: int

    def act(self, g, x: Tensor) -> Tensor:
        if not isinstance(g, FeatureElement):
            return x
        return _act_axis(_act_axis(x, 2, g.part(self.i), False), 3, g.part(self.i - 1), True)


@dataclass(frozen=True)
class BiasRep(Rep):
    """Acts on ``b_i [B, c, n_i]`` by ``g_i``."""

    i: int

    def act(self, g, x: Tensor) -> Tensor:
        return x if not isinstance(g, FeatureElement) else _act_axis(x, 2, g.part(self.i), False)


def feature_reps(spec: NetSpec) -> list[Rep]:
    """``[WeightRep(1), BiasRep(1), ..., WeightRep(L), BiasRep(L)]`` (matches ``flat()``)."""
    return [r for i in range(1, spec.L + 1) for r in (WeightRep(i), BiasRep(i))]


class MonomialGroup:
    """The monomial group of a :class:`NetSpec` (for :func:`symplugins.testing.assert_equivariant`)."""

    def __init__(self, spec: NetSpec, max_scale: float = 1e3) -> None:
        self.spec, self.max_scale = spec, float(max_scale)

    def sample(self, generator=None, dtype=torch.float64, device=None, max_scale: float | None = None):
        m = self.max_scale if max_scale is None else max_scale
        perms, diags = [], []
        for i in range(1, self.spec.L):
            n, (scale, sign) = self.spec.dims[i], self.spec.allows(i)
            d = torch.ones(n, dtype=torch.float64)
            if scale:
                d = torch.exp((torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1) * math.log(m))
            if sign:
                d = d * (torch.randint(0, 2, (n,), generator=generator) * 2 - 1)
            perms.append(torch.randperm(n, generator=generator).to(device))
            diags.append(d.to(dtype=dtype, device=device))
        return FeatureElement(tuple(perms), tuple(diags))

    def test_elements(self, n: int = 3, generator=None, dtype=torch.float64, device=None) -> list:
        scales = (self.max_scale, 10.0, self.max_scale)
        return [(f"monomial #{k} (factors in [1/{scales[k % 3]:g}, {scales[k % 3]:g}])",
                 self.sample(generator, dtype, device, scales[k % 3])) for k in range(n)]

    def __repr__(self) -> str:
        return f"MonomialGroup(dims={self.spec.dims}, kinds={self.spec.kinds})"


def features_from_spaces(spaces) -> WeightSpaceFeatures:
    """Stack the chain weight spaces of one architecture into features with ``c = 1``."""
    NetSpec.from_space(spaces[0])
    if any(s.spec.tensors != spaces[0].spec.tensors for s in spaces):
        raise ValueError("'spaces' must all come from one architecture (same tensor names and shapes)")
    ws, bs = [], []
    for layer in spaces[0].spec.chain.layers:
        ws.append(torch.stack([s[layer.weight].reshape(layer.n_out, layer.n_in, layer.taps) for s in spaces])[:, None])
        bs.append(torch.stack([s[layer.bias] if layer.bias else s[layer.weight].new_zeros(layer.n_out)
                               for s in spaces])[:, None])
    return WeightSpaceFeatures(tuple(ws), tuple(bs))


@torch.no_grad()
def predict_from_spaces(model: torch.nn.Module, spaces):
    """``model(features)`` for a list of weight spaces of one architecture (model's dtype)."""
    feats = features_from_spaces(list(spaces))
    p = first_parameter("predictor", model, NFN_FIX)  # the features follow the predictor (dtype and device)
    return model(feats.map(lambda t: t.to(dtype=p.dtype, device=p.device)))


def space_from_features(space, features: WeightSpaceFeatures, index: int = 0):
    """Write network ``index`` (channel 0) of ``features`` back into a copy of ``space``."""
    NetSpec.from_space(space)
    chain = space.spec.chain
    new = {}
    for layer, w, b in zip(chain.layers, features.weights, features.biases):
        new[layer.weight] = w[index, 0].reshape(layer.shape).to(space.dtype)
        if layer.bias:
            new[layer.bias] = b[index, 0].to(space.dtype)
    return space.replace(new)
