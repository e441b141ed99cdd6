"""Vector Neuron layers (Deng et al., "Vector Neurons", ICCV 2021), written from the paper.

Features are lists of 3-vectors ``V [M, C, 3]`` that rotate as ``V -> V R^T``. Every
layer here is SO(3)-equivariant (``VNInvariant`` is invariant):

- linear: ``V' = W V`` (``W [C', C]``, no bias);
- ReLU with a learned direction: ``q = W V``, ``k = U V``;
  ``v' = q`` if ``<q, k> >= 0`` else ``q - <q, k/|k|> k/|k|`` (leaky: blend with ``q``);
- batch norm on the vector norms; max pooling along a learned direction;
- invariant head: ``T = VN-MLP(V) [M, 3, 3]``, output ``V T^T [M, C, 3]`` (invariant).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..pool import num_clouds, scatter_max, scatter_mean

__all__ = ["VNLinear", "VNReLU", "VNBatchNorm", "VNLinearReLU", "VNMaxPool", "VNInvariant", "vn_mean_pool"]
EPS = 1e-6


class VNLinear(nn.Module):
    """``V' = W V``: ``[M, C_in, 3] -> [M, C_out, 3]``."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def forward(self, v: Tensor) -> Tensor:
        return torch.einsum("oc,mck->mok", self.weight, v)

    def __repr__(self) -> str:
        return f"VNLinear({self.in_channels}x1o -> {self.out_channels}x1o | {self.weight.numel()} weights)"


class VNReLU(nn.Module):
    """Leaky ReLU along a learned direction ``k = U V`` (one direction per channel or shared).

    ``forward(q, v=None)``: the direction is computed from ``v`` (default ``q``); the paper's
    linear-ReLU block uses the block input ``v`` while ``q = W v``.
    """

    def __init__(self, channels: int, *, negative_slope: float = 0.0, share: bool = False,
                 in_channels: int | None = None):
        super().__init__()
        self.negative_slope = float(negative_slope)
        self.direction = VNLinear(in_channels or channels, 1 if share else channels)

    def reset_parameters(self) -> None:
        self.direction.reset_parameters()

    def forward(self, q: Tensor, v: Tensor | None = None) -> Tensor:
        k = self.direction(q if v is None else v)
        dot = (q * k).sum(-1, keepdim=True)
        proj = q - dot / ((k * k).sum(-1, keepdim=True) + EPS) * k
        out = torch.where(dot >= 0, q, proj)
        return self.negative_slope * q + (1 - self.negative_slope) * out


class VNBatchNorm(nn.Module):
    """Batch norm of the vector norms: ``v -> v * BN(|v|) / |v|``."""

    def __init__(self, channels: int):
        super().__init__()
        self.bn = nn.BatchNorm1d(channels)

    def reset_parameters(self) -> None:
        self.bn.reset_parameters()

    def forward(self, v: Tensor) -> Tensor:
        norm = v.norm(dim=-1) + EPS
        return v * (self.bn(norm) / norm).unsqueeze(-1)


class VNLinearReLU(nn.Module):
    """``q = (BN) W v``, direction ``k = U v`` from the block input, then the VN leaky ReLU."""

    def __init__(self, in_channels: int, out_channels: int, *, negative_slope: float = 0.2,
                 batch_norm: bool = True):
        super().__init__()
        self.linear = VNLinear(in_channels, out_channels)
        self.norm = VNBatchNorm(out_channels) if batch_norm else nn.Identity()
        self.act = VNReLU(out_channels, negative_slope=negative_slope, in_channels=in_channels)

    def forward(self, v: Tensor) -> Tensor:
        return self.act(self.norm(self.linear(v)), v)


class VNMaxPool(nn.Module):
    """Per-cloud max pooling along a learned direction: ``[N, C, 3] -> [B, C, 3]``.

    For each cloud and channel, keeps the point vector with the largest ``<v, k>``,
    ``k = U v`` (ties averaged).
    """

    def __init__(self, channels: int):
        super().__init__()
        self.direction = VNLinear(channels, channels)

    def forward(self, v: Tensor, batch: Tensor | None = None, size: int | None = None) -> Tensor:
        if batch is None:
            batch = torch.zeros(v.shape[0], dtype=torch.long, device=v.device)
        b = num_clouds(batch, size)
        dot = (v * self.direction(v)).sum(-1)
        best = scatter_max(dot, batch, b)
        mask = (dot >= best[batch]).to(v.dtype).unsqueeze(-1)
        total = torch.zeros((b,) + tuple(v.shape[1:]), dtype=v.dtype, device=v.device)
        count = torch.zeros((b, v.shape[1], 1), dtype=v.dtype, device=v.device)
        total = total.index_add(0, batch, v * mask)
        return total / count.index_add(0, batch, mask).clamp_min(1)


def vn_mean_pool(v: Tensor, batch: Tensor | None = None, size: int | None = None) -> Tensor:
    """Per-cloud mean of vector features ``[N, C, 3] -> [B, C, 3]``."""
    if batch is None:
        return v.mean(0, keepdim=True)
    return scatter_mean(v, batch, num_clouds(batch, size))


class VNInvariant(nn.Module):
    """Invariant read-out ``V T^T`` with an equivariant frame ``T = VN-MLP(V) [M, 3, 3]``.

    Shapes: ``[M, C, 3] -> [M, 3 C]`` (rotation invariant).
    """

    def __init__(self, channels: int, *, negative_slope: float = 0.2, batch_norm: bool = True):
        super().__init__()
        hidden = max(channels // 2, 3)
        self.frame = nn.Sequential(VNLinearReLU(channels, hidden, negative_slope=negative_slope,
                                                batch_norm=batch_norm), VNLinear(hidden, 3))

    def forward(self, v: Tensor) -> Tensor:
        t = self.frame(v)
        return torch.einsum("mck,mjk->mcj", v, t).flatten(1)
