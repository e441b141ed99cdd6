"""MVSiLU: grade-wise sigmoid gating by invariants (CGENN, Ruhe et al. 2023)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...clifford import CliffordAlgebra, Multivector

__all__ = ["MVSiLU"]


class MVSiLU(nn.Module):
    """``x_g -> sigmoid(a_g * inv_g + b_g) x_g``; ``inv_0`` = the scalar, ``inv_g = q(x_g)``.

    One ``(a, b)`` per channel and grade. Shapes: ``[..., channels, dim] -> same``
    (``blade_major=True``: ``[dim, ..., channels] -> same``).
    """

    def __init__(self, algebra: CliffordAlgebra, channels: int):
        super().__init__()
        self.algebra, self.channels = algebra, channels
        self.a = nn.Parameter(torch.ones(channels, algebra.n_grades))
        self.b = nn.Parameter(torch.zeros(channels, algebra.n_grades))
        self.rep_in = self.rep_out = Multivector(algebra.n)

    def reset_parameters(self) -> None:
        nn.init.ones_(self.a)
        nn.init.zeros_(self.b)

    def forward(self, x: Tensor, *, blade_major: bool = False) -> Tensor:
        alg, bm = self.algebra, blade_major
        q = alg.grade_quadratic(x, blade_major=bm)  # [..., C, G] (blade-major: [G, ..., C])
        inv = torch.cat([x[:1], q[1:]], dim=0) if bm else torch.cat([x[..., :1], q[..., 1:]], dim=-1)
        gate = torch.sigmoid(alg.per_grade(self.a, x, blade_major=bm) * inv + alg.per_grade(self.b, x, blade_major=bm))
        return x * alg.expand_grades(gate, blade_major=bm)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.channels}x MV | {2 * self.a.numel()} weights)"
