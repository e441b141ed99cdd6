"""Shared MLP and EdgeConv building blocks for point backbones."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ..pool import scatter_max

__all__ = ["mlp", "EdgeConv"]


def mlp(channels: Sequence[int], *, norm: bool = True, dropout: float = 0.0, last_act: bool = True) -> nn.Sequential:
    """``Linear -> BatchNorm -> ReLU (-> Dropout)`` per step; ``last_act=False`` leaves the last Linear bare."""
    layers: list[nn.Module] = []
    n = len(channels) - 1
    for i, (a, b) in enumerate(zip(channels[:-1], channels[1:])):
        layers.append(nn.Linear(a, b))
        if i < n - 1 or last_act:
            layers += [nn.BatchNorm1d(b)] if norm else []
            layers.append(nn.ReLU())
            layers += [nn.Dropout(dropout)] if dropout > 0 and i < n - 1 else []
    return nn.Sequential(*layers)


class EdgeConv(nn.Module):
    """Edge convolution (Wang et al., DGCNN, TOG 2019): ``h_i' = max_j MLP([h_i, h_j - h_i])``.

    Shapes: ``x [N, C_in]``, ``edge_index [2, E]`` (row 0 source j, row 1 target i) -> ``[N, C_out]``.
    """

    def __init__(self, in_channels: int, out_channels: int, *, norm: bool = True):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.nn = mlp([2 * in_channels, out_channels], norm=norm)

    def reset_parameters(self) -> None:
        for m in self.nn.modules():
            if hasattr(m, "reset_parameters") and m is not self.nn:
                m.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        j, i = edge_index[0], edge_index[1]
        msg = self.nn(torch.cat([x[i], x[j] - x[i]], dim=-1))
        return scatter_max(msg, i, x.shape[0])

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return f"EdgeConv({self.in_channels} -> {self.out_channels} | {n} weights)"
