"""Grade-wise normalization and multivector layer norm (CGENN, Ruhe et al. 2023)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...clifford import CliffordAlgebra, Multivector

__all__ = ["MVNormalize", "MVLayerNorm"]


class MVNormalize(nn.Module):
    """Grade-wise normalization: ``x_g -> x_g / (s_g (|x_g| - 1) + 1)``, ``s_g = sigmoid(a_g)``.

    ``|x_g|`` is the smooth norm ``(q(x_g)^2 + eps)^(1/4)``; one learned ``a`` per channel
    and grade. Shapes: ``[..., channels, dim] -> same`` (``blade_major=True``: ``[dim, ..., channels]``).
    """

    def __init__(self, algebra: CliffordAlgebra, channels: int, *, eps: float = 1e-12):
        super().__init__()
        self.algebra, self.channels, self.eps = algebra, channels, eps
        self.a = nn.Parameter(torch.zeros(channels, algebra.n_grades))
        self.rep_in = self.rep_out = Multivector(algebra.n)

    def reset_parameters(self) -> None:
        nn.init.zeros_(self.a)

    def forward(self, x: Tensor, *, blade_major: bool = False) -> Tensor:
        alg = self.algebra
        norms = alg.grade_norms(x, self.eps, blade_major=blade_major)  # [..., C, G] (blade-major: [G, ..., C])
        s = torch.sigmoid(alg.per_grade(self.a, x, blade_major=blade_major))
        return x / alg.expand_grades(s * (norms - 1) + 1, blade_major=blade_major)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.channels}x MV | {self.a.numel()} weights)"


class MVLayerNorm(nn.Module):
    """Multivector layer norm: ``x_c -> w_c x_c / (mean_c' |x_c'| + eps)``.

    ``|x|`` is the smooth norm ``(q(x)^2 + eps)^(1/4)`` of the whole multivector; the
    mean runs over the channel axis. Shapes: ``[..., channels, dim] -> same``
    (``blade_major=True``: ``[dim, ..., channels]``).
    """

    def __init__(self, algebra: CliffordAlgebra, channels: int, *, eps: float = 1e-6):
        super().__init__()
        self.algebra, self.channels, self.eps = algebra, channels, eps
        self.weight = nn.Parameter(torch.ones(channels, 1))
        self.rep_in = self.rep_out = Multivector(algebra.n)

    def reset_parameters(self) -> None:
        nn.init.ones_(self.weight)

    def forward(self, x: Tensor, *, blade_major: bool = False) -> Tensor:
        if blade_major:
            q = self.algebra.quadratic_form(x, blade_major=True)  # [..., C]
            norm = (q * q + 1e-16) ** 0.25
            return self.weight[:, 0] * x / (norm.mean(-1, keepdim=True) + self.eps)
        q = self.algebra.quadratic_form(x)
        norm = (q * q + 1e-16) ** 0.25
        return self.weight * x / (norm.mean(-1, keepdim=True).unsqueeze(-1) + self.eps)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.channels}x MV | {self.weight.numel()} weights)"
