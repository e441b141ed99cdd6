"""Steerable geometric-product layer with per-channel, per-path weights (CGENN)."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ...clifford import CliffordAlgebra, Multivector
from .linear import MVLinear
from .normalization import MVNormalize

__all__ = ["SteerableGeometricProduct"]


class SteerableGeometricProduct(nn.Module):
    """``y = (L_left(x) + sum_p w_{c,p} GP_p(x, N(L_right(x)))) / sqrt(2)``.

    Ruhe et al. 2023, eq. 8: ``GP_p`` is the geometric product restricted to grade
    path ``p = (g_left, g_right, g_out)`` (Cl(3,0): 20 paths), ``N`` the grade-wise
    normalization, ``L`` multivector linear layers. The product runs over the sparse
    Cayley entries only. Shapes: ``[..., channels, dim] -> same``; ``forward(x, blade_major=True)``
    takes and returns ``[dim, ..., channels]``, the layout in which the linear maps are single
    batched matmuls and the fused product reads contiguous slabs (used inside CG-EGNN).
    """

    def __init__(self, algebra: CliffordAlgebra, channels: int, *, include_first_order: bool = True,
                 normalization: bool = True):
        super().__init__()
        self.algebra, self.channels = algebra, channels
        self.include_first_order = include_first_order
        self.linear_right = MVLinear(algebra, channels, channels, bias=False)
        self.linear_left = MVLinear(algebra, channels, channels) if include_first_order else None
        self.normalize = MVNormalize(algebra, channels) if normalization else None
        self.weight = nn.Parameter(torch.empty(channels, algebra.n_paths))
        self.rep_in = self.rep_out = Multivector(algebra.n)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, std=1.0 / math.sqrt(self.algebra.n_grades))
        for m in (self.linear_right, self.linear_left, self.normalize):
            if m is not None:
                m.reset_parameters()

    def forward(self, x: Tensor, *, blade_major: bool = False) -> Tensor:
        right = self.linear_right(x, blade_major=blade_major)
        if self.normalize is not None:
            right = self.normalize(right, blade_major=blade_major)
        y = self.algebra.weighted_product(x, right, self.weight, blade_major=blade_major)
        if self.linear_left is None:
            return y
        return (self.linear_left(x, blade_major=blade_major) + y) / math.sqrt(2.0)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return f"{type(self).__name__}({self.channels}x MV -> {self.channels}x MV, paths={self.algebra.n_paths} | {n} weights)"
