"""PointNet (Qi et al., CVPR 2017) without the input/feature transform nets.

``h_n = MLP([x_n, p_n])`` per point, ``g_b = max_{n in b} h_n``;
classification: ``logits_b = MLP_cls(g_b)``;
segmentation: ``logits_n = MLP_seg([h_n, g_{b(n)}])``.
Shapes: ``x [N, in_channels]`` (or None), ``pos [N, 3]``, ``batch [N]`` ->
``[B, num_classes]`` (classification) or ``[N, num_classes]`` (segmentation).
"""
from __future__ import annotations

from typing import Sequence

from torch import Tensor, nn
import torch

from ...nn.points import global_max_pool, mlp
from ._common import check_cloud, check_task, classifier, count_parameters, reset_all

__all__ = ["PointNet"]


class PointNet(nn.Module):
    """PointNet classifier / part segmenter as a PyG-style model ``forward(x, pos, batch)``.

    Args:
        in_channels: point features besides the coordinates (0 = coordinates only).
        num_classes: output classes (per cloud or per point).
        task: "classification" or "segmentation".
        channels: widths of the shared per-point MLP (the last is the global feature size).
        head: hidden widths of the head. dropout: head dropout.
    """

    def __init__(self, in_channels: int = 0, num_classes: int = 10, *, task: str = "classification",
                 channels: Sequence[int] = (64, 128, 256), head: Sequence[int] = (128,), dropout: float = 0.3):
        super().__init__()
        self.in_channels, self.out_channels = int(in_channels), int(num_classes)
        self.task = check_task(task)
        self.encoder = mlp([in_channels + 3, *channels])
        width = channels[-1] + (channels[0] if task == "segmentation" else 0)
        self.head = classifier(width, head, num_classes, dropout)

    def reset_parameters(self) -> None:
        reset_all(self)

    def forward(self, x: Tensor | None, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        h, batch, b = check_cloud(x, pos, batch, self.in_channels, model=self)
        local = self.encoder[:3](h)                  # first Linear-BN-ReLU: per-point features
        g = global_max_pool(self.encoder[3:](local), batch, b)
        if self.task == "classification":
            return self.head(g)
        return self.head(torch.cat([local, g[batch]], dim=-1))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}+pos -> {self.out_channels} "
                f"[{self.task}] | {count_parameters(self)} parameters)")
