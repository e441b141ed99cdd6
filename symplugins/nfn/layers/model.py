"""A small Monomial-NFN predictor: equivariant layers, invariant pooling, MLP head.

``MonomialNFN(spec)(features) -> [B, out_dim]`` is invariant to the monomial group of
the chain networks described by ``spec`` (e.g. predicts their test accuracy).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .equivariant import MonomialEquivariant
from .features import NetSpec, WeightSpaceFeatures, predict_from_spaces
from .invariant import MonomialActivation, MonomialInvariant

__all__ = ["MonomialNFN"]


class MonomialNFN(nn.Module):
    """Invariant predictor on weight spaces of one chain architecture.

    Args:
        spec: the :class:`NetSpec` (``NetSpec.from_space(weight_space(model))``).
        hidden: channels of the equivariant layers; depth: how many of them.
        mlp_hidden / out_dim: the head applied to the pooled invariant features.
    """

    def __init__(self, spec: NetSpec, *, hidden: int = 8, depth: int = 2, mlp_hidden: int = 64,
                 out_dim: int = 1) -> None:
        super().__init__()
        if depth < 1 or hidden < 1:
            raise ValueError(f"'depth' and 'hidden' must be >= 1, got depth={depth}, hidden={hidden}")
        self.spec = spec
        chans = [1] + [hidden] * depth
        self.equivariant = nn.ModuleList(MonomialEquivariant(spec, a, b) for a, b in zip(chans, chans[1:]))
        self.act = MonomialActivation(spec)
        self.pool = MonomialInvariant(spec, hidden)
        self.head = nn.Sequential(nn.Linear(self.pool.out_dim, mlp_hidden), nn.ReLU(),
                                  nn.Linear(mlp_hidden, out_dim))

    def reset_parameters(self) -> None:
        for m in self.modules():
            if m is not self and hasattr(m, "reset_parameters"):
                m.reset_parameters()

    def forward(self, f: WeightSpaceFeatures) -> Tensor:
        for layer in self.equivariant:
            f = self.act(layer(f))
        return self.head(self.pool(f))

    def predict(self, spaces) -> Tensor:
        """Predictions for a list of weight spaces of this architecture, ``[len(spaces), out_dim]``."""
        return predict_from_spaces(self, spaces)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return f"MonomialNFN(dims={self.spec.dims}, kinds={self.spec.kinds}, depth={len(self.equivariant)} | {n} weights)"
