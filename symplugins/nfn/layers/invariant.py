"""Monomial-NFN invariant layer and equivariant pointwise nonlinearity.

Invariant map (Monomial-NFN, arXiv 2409.11697): make every entry invariant to the
diagonal part with a degree-0 map across channels ``x -> x / ||x||`` (scalings) and
``|x|`` (signs), then pool HNP-style: mean over hidden axes, keeping the fixed input
axis of ``W_1`` and the output axis of ``W_L`` and ``b_L``; output
``[B, c (K_1 n_0 + sum_{1<i<L} K_i + K_L n_L + (L - 1) + n_L)]``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .features import NetSpec, WeightSpaceFeatures

__all__ = ["MonomialInvariant", "MonomialActivation", "normalize_entries"]


def normalize_entries(x: Tensor, scale: bool, sign: bool, dims=(1, -1)) -> Tensor:
    """Degree-0 map over channel dims ``dims``: ``x/||x||`` if ``scale``; ``|.|`` if ``sign``."""
    if scale:
        tiny = torch.finfo(x.dtype).tiny ** 0.5
        x = x / x.square().sum(dim=dims, keepdim=True).sqrt().clamp_min(tiny)
    return x.abs() if sign else x


def _weight_group(spec: NetSpec, i: int) -> tuple[bool, bool]:
    """Diagonal actions reaching the entries of ``W_i`` (rows: layer i, columns: layer i-1)."""
    r, c = spec.allows(i), spec.allows(i - 1)
    return r[0] or c[0], r[1] or c[1]


class MonomialInvariant(nn.Module):
    """Invariant pooling of ``c`` channels of weight-space features into a flat vector."""

    def __init__(self, spec: NetSpec, channels: int) -> None:
        super().__init__()
        self.spec, self.channels = spec, int(channels)
        d, k, L = spec.dims, spec.taps, spec.L
        self.out_dim = channels * (k[0] * d[0] + sum(k[1:-1]) + k[-1] * d[-1] + (L - 1) + d[-1])

    def forward(self, f: WeightSpaceFeatures) -> Tensor:
        L, parts = self.spec.L, []
        for i, w in enumerate(f.weights, start=1):
            scale, sign = _weight_group(self.spec, i)
            w = normalize_entries(w, scale, sign, dims=(1, 4))  # [B, c, n_i, n_{i-1}, K]
            if i == 1:
                parts.append(w.mean(dim=2).flatten(1))
            elif i == L:
                parts.append(w.mean(dim=3).flatten(1))
            else:
                parts.append(w.mean(dim=(2, 3)).flatten(1))
        for i, b in enumerate(f.biases[:-1], start=1):
            scale, sign = self.spec.allows(i)
            parts.append(normalize_entries(b[..., None], scale, sign, dims=(1,)).mean(dim=(2, 3)))
        parts.append(f.biases[-1].flatten(1))
        return torch.cat(parts, dim=1)

    def __repr__(self) -> str:
        return f"MonomialInvariant({self.channels} channels -> {self.out_dim} | dims={self.spec.dims})"


class MonomialActivation(nn.Module):
    """Entrywise nonlinearity that commutes with the group: ReLU where only positive
    scalings act, tanh where only signs act, identity where both act."""

    def __init__(self, spec: NetSpec) -> None:
        super().__init__()
        self.spec = spec

    @staticmethod
    def _act(x: Tensor, scale: bool, sign: bool) -> Tensor:
        if scale and sign:
            return x
        return torch.tanh(x) if sign else torch.relu(x)

    def forward(self, f: WeightSpaceFeatures) -> WeightSpaceFeatures:
        ws = tuple(self._act(w, *_weight_group(self.spec, i)) for i, w in enumerate(f.weights, start=1))
        bs = tuple(self._act(b, *self.spec.allows(i)) for i, b in enumerate(f.biases, start=1))
        return WeightSpaceFeatures(ws, bs)
