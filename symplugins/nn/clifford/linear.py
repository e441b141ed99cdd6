"""MVLinear: per-grade channel mixing of multivectors (CGENN, Ruhe et al. 2023)."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ...clifford import CliffordAlgebra, Multivector

__all__ = ["MVLinear", "mv_linear"]


def mv_linear(x: Tensor, weight: Tensor, bias: Tensor | None, grades: Tensor, *, blade_major: bool = False) -> Tensor:
    """The map of :class:`MVLinear` with explicit ``weight [out, in, n_grades]``, ``bias [out]``.

    ``grades [dim]``: the grade of each blade. ``x [..., in, dim] -> [..., out, dim]``, or with
    ``blade_major`` ``[dim, ..., in] -> [dim, ..., out]`` (one ``baddbmm`` over the blades).
    """
    out_channels = weight.shape[0]
    if blade_major:
        w = weight.permute(2, 1, 0).index_select(0, grades)  # [dim, in, out]
        flat = x.reshape(x.shape[0], -1, x.shape[-1])
        if bias is None:
            y = torch.bmm(flat, w)
        else:
            zeros = bias.new_zeros(len(grades) - 1, 1, 1).expand(-1, -1, out_channels)
            y = torch.baddbmm(torch.cat([bias.view(1, 1, -1), zeros]), flat, w)
        return y.view(*x.shape[:-1], out_channels)
    y = torch.einsum("...id,oid->...od", x, weight[..., grades])
    if bias is not None:
        y = y + nn.functional.pad(bias.unsqueeze(-1), (0, len(grades) - 1))
    return y


class MVLinear(nn.Module):
    """Multivector linear layer: ``y_{o,g} = sum_i W[o, i, g] x_{i,g} (+ b_o on grade 0)``.

    Equivariant because the Clifford group action preserves grades; the bias lives on
    the scalar blade only. Shapes: ``x [..., in_channels, dim] -> [..., out_channels, dim]``;
    ``forward(x, blade_major=True)``: ``[dim, ..., in_channels] -> [dim, ..., out_channels]``
    (one batched matmul over the blades, no layout copies).
    """

    def __init__(self, algebra: CliffordAlgebra, in_channels: int, out_channels: int, *,
                 bias: bool = True):
        super().__init__()
        if in_channels < 1 or out_channels < 1:
            raise ValueError(f"'in_channels' and 'out_channels' must be >= 1, got {in_channels}, {out_channels}")
        self.algebra = algebra
        self.in_channels, self.out_channels = in_channels, out_channels
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, algebra.n_grades))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.rep_in = self.rep_out = Multivector(algebra.n)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, std=1.0 / math.sqrt(self.in_channels))
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: Tensor, *, blade_major: bool = False) -> Tensor:
        return mv_linear(x, self.weight, self.bias, self.algebra.grades, blade_major=blade_major)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return f"{type(self).__name__}({self.in_channels}x MV -> {self.out_channels}x MV | {n} weights)"
