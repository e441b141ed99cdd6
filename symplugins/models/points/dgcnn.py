"""DGCNN (Wang et al., "Dynamic Graph CNN", TOG 2019) with pure-torch k-NN graphs.

Layer ``l``: ``E_l = kNN(h_{l-1}, k)`` (dynamic, recomputed on features; the first on the
coordinates), ``h_l = EdgeConv(h_{l-1}, E_l)``; ``e = MLP([h_1, ..., h_L])``;
global ``[max_b e, mean_b e]`` -> classifier, or per point ``[e_n, global]`` -> segmenter.
Shapes as :class:`~symplugins.models.points.PointNet`.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ...graph import knn_graph
from ...nn.points import EdgeConv, global_max_pool, global_mean_pool, mlp
from ._common import check_cloud, check_task, classifier, count_parameters, reset_all

__all__ = ["DGCNN"]


class DGCNN(nn.Module):
    """Dynamic-graph EdgeConv network ``forward(x, pos, batch)``.

    Args:
        in_channels / num_classes / task / head / dropout: as :class:`PointNet`.
        k: neighbours per point (each cloud needs more than ``k`` points).
        channels: EdgeConv widths. embed: width of the point embedding before pooling.
    """

    def __init__(self, in_channels: int = 0, num_classes: int = 10, *, task: str = "classification",
                 k: int = 20, channels: Sequence[int] = (64, 64, 128), embed: int = 256,
                 head: Sequence[int] = (128,), dropout: float = 0.3):
        super().__init__()
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        self.in_channels, self.out_channels, self.k = int(in_channels), int(num_classes), k
        self.task = check_task(task)
        sizes = [in_channels + 3, *channels]
        self.convs = nn.ModuleList(EdgeConv(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.embed = mlp([sum(channels), embed])
        width = 2 * embed + (embed if task == "segmentation" else 0)
        self.head = classifier(width, head, num_classes, dropout)

    def reset_parameters(self) -> None:
        reset_all(self)

    def forward(self, x: Tensor | None, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        h, batch, b = check_cloud(x, pos, batch, self.in_channels, model=self, min_points=self.k + 1,
                                  why=f" for k={self.k} neighbours (k + 1 including the point)")
        feats, graph_on = [], pos
        for conv in self.convs:
            edge_index = knn_graph(graph_on, self.k, batch, loop=False)
            h = conv(h, edge_index)
            feats.append(h)
            graph_on = h
        e = self.embed(torch.cat(feats, dim=-1))
        g = torch.cat([global_max_pool(e, batch, b), global_mean_pool(e, batch, b)], dim=-1)
        if self.task == "classification":
            return self.head(g)
        return self.head(torch.cat([e, g[batch]], dim=-1))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}+pos -> {self.out_channels} "
                f"[{self.task}], k={self.k} | {count_parameters(self)} parameters)")
