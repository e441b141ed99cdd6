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
        alg = self.algebra
        if blade_major:
            q = alg.grade_quadratic(x, blade_major=True)  # [G, ..., C]
            inv = torch.cat([x[:1], q[1:]], dim=0)
            gate = torch.sigmoid(self.a.T.unsqueeze(1) * inv.view(alg.n_grades, -1, self.channels)
                                 + self.b.T.unsqueeze(1))
            return x * alg.expand_grades(gate, blade_major=True).view(x.shape)
        q = self.algebra.grade_quadratic(x)
        inv = torch.cat([x[..., :1], q[..., 1:]], dim=-1)  # [..., C, G]
        gate = torch.sigmoid(self.a * inv + self.b)
        return x * self.algebra.expand_grades(gate)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.channels}x MV | {2 * self.a.numel()} weights)"
