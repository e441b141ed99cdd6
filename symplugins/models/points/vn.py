"""VN-PointNet: the Vector Neurons baseline (Deng et al., ICCV 2021), our implementation.

Points are centred per cloud, then (paper's first layer) edge features on a k-NN graph
``[p_j - p_i, p_i, p_j x p_i]`` (3 vectors) -> VN-LinearReLU -> mean over neighbours;
per-point VN-LinearReLU layers ``V [N, C, 3]``; VN max pooling per cloud; invariant
read-out ``V T^T`` (:class:`~symplugins.nn.points.VNInvariant`) -> MLP. Exactly SO(3)
invariant (translation invariant through the centring).
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ...graph import knn_graph
from ...nn.points import VNInvariant, VNLinearReLU, VNMaxPool, global_mean_pool, scatter_mean
from ._common import check_cloud, check_task, classifier, count_parameters, reset_all

__all__ = ["VNPointNet"]


class VNPointNet(nn.Module):
    """Vector Neurons PointNet ``forward(x, pos, batch)`` (x must be None: coordinates only).

    Args:
        num_classes / task / head / dropout: as :class:`PointNet`.
        k: neighbours of the first (edge) layer. channels: VN widths (vectors per point).
        batch_norm: VN batch norm (on vector norms) in the VN layers, as in the paper.
    """

    def __init__(self, in_channels: int = 0, num_classes: int = 10, *, task: str = "classification",
                 k: int = 16, channels: Sequence[int] = (21, 42, 85), head: Sequence[int] = (128,),
                 dropout: float = 0.3, batch_norm: bool = True):
        super().__init__()
        if in_channels:
            raise ValueError("VNPointNet takes coordinates only; use in_channels=0 and x=None")
        self.in_channels, self.out_channels, self.k = 0, int(num_classes), int(k)
        self.task = check_task(task)
        self.edge = VNLinearReLU(3, channels[0], batch_norm=batch_norm)
        self.layers = nn.ModuleList(VNLinearReLU(a, b, batch_norm=batch_norm)
                                    for a, b in zip(channels[:-1], channels[1:]))
        self.pool = VNMaxPool(channels[-1])
        c = channels[-1] * (2 if task == "segmentation" else 1)
        self.invariant = VNInvariant(c, batch_norm=batch_norm)
        self.head = classifier(3 * c, head, num_classes, dropout)

    def reset_parameters(self) -> None:
        reset_all(self)

    def forward(self, x: Tensor | None, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        _, batch, b = check_cloud(x, pos, batch, 0, model=self, min_points=self.k + 1,
                                  why=f" for k={self.k} neighbours (k + 1 including the point)")
        p = pos - global_mean_pool(pos, batch, b)[batch]
        j, i = knn_graph(p, self.k, batch, loop=False)
        e = torch.stack([p[j] - p[i], p[i], torch.linalg.cross(p[j], p[i], dim=-1)], dim=1)
        v = scatter_mean(self.edge(e), i, p.shape[0])          # [N, C0, 3]
        for layer in self.layers:
            v = layer(v)
        g = self.pool(v, batch, b)                              # [B, C, 3]
        if self.task == "classification":
            return self.head(self.invariant(g))
        return self.head(self.invariant(torch.cat([v, g[batch]], dim=1)))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(pos -> {self.out_channels} [{self.task}], k={self.k} | "
                f"{count_parameters(self)} parameters)")
