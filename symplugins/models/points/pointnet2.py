"""PointNet++ (Qi et al., NeurIPS 2017): set abstraction on pure-torch fps / radius.

Set abstraction ``l``: centres ``c = FPS(p, ratio_l)`` (deterministic start, so the model
is a function of the point set), ``h_c' = max_{j: |p_j - p_c| < r_l} MLP_l([h_j, p_j - p_c])``;
global: ``g_b = max_b MLP([h, p])`` -> classifier. Segmentation: feature propagation,
``h_fine = MLP([knn_interpolate(h_coarse, k=3), h_skip])`` back to every point.
Shapes as :class:`~symplugins.models.points.PointNet`.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ...graph import fps, knn_interpolate, radius
from ...nn.points import global_max_pool, mlp, scatter_max
from ._common import check_cloud, check_task, classifier, count_parameters, reset_all

__all__ = ["PointNet2", "SetAbstraction"]


class SetAbstraction(nn.Module):
    """Sample centres by FPS, group by radius, ``max MLP([h_j, p_j - p_c])``."""

    def __init__(self, in_channels: int, channels: Sequence[int], *, ratio: float, r: float,
                 max_num_neighbors: int = 32):
        super().__init__()
        self.ratio, self.r, self.max_num_neighbors = ratio, r, max_num_neighbors
        self.nn = mlp([in_channels + 3, *channels])

    def forward(self, h: Tensor, pos: Tensor, batch: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        idx = fps(pos, batch, ratio=self.ratio, random_start=False)
        row, col = radius(pos, pos[idx], self.r, batch, batch[idx], max_num_neighbors=self.max_num_neighbors)
        msg = self.nn(torch.cat([h[col], pos[col] - pos[idx][row]], dim=-1))
        return scatter_max(msg, row, idx.numel()), pos[idx], batch[idx]


class PointNet2(nn.Module):
    """PointNet++ (single-scale grouping) ``forward(x, pos, batch)``.

    Args:
        in_channels / num_classes / task / head / dropout: as :class:`PointNet`.
        ratios / radii: FPS ratio and ball radius per set-abstraction level (unit-scale clouds).
        channels: MLP widths per level. global_channels: widths of the global MLP.
        max_num_neighbors: ball-query cap.
    """

    def __init__(self, in_channels: int = 0, num_classes: int = 10, *, task: str = "classification",
                 ratios: Sequence[float] = (0.5, 0.25), radii: Sequence[float] = (0.2, 0.4),
                 channels: Sequence[Sequence[int]] = ((32, 32, 64), (64, 64, 128)),
                 global_channels: Sequence[int] = (128, 256), head: Sequence[int] = (128,),
                 dropout: float = 0.3, max_num_neighbors: int = 32):
        super().__init__()
        if not (len(ratios) == len(radii) == len(channels)) or not ratios:
            raise ValueError("ratios, radii and channels need one entry per set-abstraction level")
        self.in_channels, self.out_channels = int(in_channels), int(num_classes)
        self.task = check_task(task)
        widths = [in_channels + 3] + [c[-1] for c in channels]   # h starts as [x, pos]
        self.sa = nn.ModuleList(SetAbstraction(a, c, ratio=q, r=r, max_num_neighbors=max_num_neighbors)
                                for a, c, q, r in zip(widths[:-1], channels, ratios, radii))
        self.global_nn = mlp([widths[-1] + 3, *global_channels])
        if task == "classification":
            self.head = classifier(global_channels[-1], head, num_classes, dropout)
        else:
            skips = widths[:-1]                               # features saved before each level
            outs = [c[-1] for c in reversed(channels)][1:] + [head[0]]
            ins = [global_channels[-1] + widths[-1]] + outs[:-1]
            self.fp = nn.ModuleList(mlp([i + s, o]) for i, s, o in zip(ins, reversed(skips), outs))
            self.head = classifier(head[0], head[1:], num_classes, dropout)

    def reset_parameters(self) -> None:
        reset_all(self)

    def forward(self, x: Tensor | None, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        h, batch, b = check_cloud(x, pos, batch, self.in_channels, model=self)
        levels = [(h, pos, batch)]
        for sa in self.sa:
            levels.append(sa(*levels[-1]))
        h_l, p_l, b_l = levels[-1]
        g = global_max_pool(self.global_nn(torch.cat([h_l, p_l], dim=-1)), b_l, b)
        if self.task == "classification":
            return self.head(g)
        h = torch.cat([h_l, g[b_l]], dim=-1)
        for fp, (h_s, p_s, b_s) in zip(self.fp, reversed(levels[:-1])):
            h = fp(torch.cat([knn_interpolate(h, p_l, p_s, b_l, b_s, k=3), h_s], dim=-1))
            p_l, b_l = p_s, b_s
        return self.head(h)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}+pos -> {self.out_channels} "
                f"[{self.task}], {len(self.sa)} levels | {count_parameters(self)} parameters)")
