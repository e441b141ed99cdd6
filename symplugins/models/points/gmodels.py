"""G-backbones: PointNet / PointNet++ / DGCNN made exactly invariant to a finite rotation group.

``GPointNet(group="octahedral", num_classes=10)`` = :func:`make_equivariant` around a
:class:`PointNet`: per-cloud logits (classification) or per-point logits (segmentation)
``f_G(X) = mean_g f(R_g^{-1} X)`` (mode "average"), or the lifted G-CNN
``pool_g GroupConv(f(R_g^{-1} X))`` (mode "lift", the backbone then emits
``lift_channels`` features per copy).
"""
from __future__ import annotations

from torch import Tensor, nn

from .dgcnn import DGCNN
from .make_equivariant import make_equivariant
from .pointnet import PointNet
from .pointnet2 import PointNet2
from ._common import count_parameters

__all__ = ["GPointNet", "GPointNet2", "GDGCNN"]


class _GBackbone(nn.Module):
    backbone_cls: type = PointNet

    def __init__(self, in_channels: int = 0, num_classes: int = 10, *, group="octahedral",
                 mode: str = "average", chunk_size: int | None = None, checkpoint: bool = False,
                 lift_channels: int = 64, **backbone_kwargs):
        super().__init__()
        self.in_channels, self.out_channels, self.mode = int(in_channels), int(num_classes), mode
        width = num_classes if mode != "lift" else lift_channels
        backbone = self.backbone_cls(in_channels, width, **backbone_kwargs)
        self.task = backbone.task
        lift = dict(channels=width, out_channels=num_classes) if mode == "lift" else {}
        self.model = make_equivariant(backbone, group, mode, output="invariant", chunk_size=chunk_size,
                                      checkpoint=checkpoint, signature="x_pos", **lift)
        self.group = self.model.group

    @property
    def backbone(self) -> nn.Module:
        """The wrapped (non-invariant) backbone."""
        return self.model.backbone

    def reset_parameters(self) -> None:
        self.backbone.reset_parameters()
        if hasattr(self.model, "convs"):
            self.model.reset_parameters()

    def forward(self, x: Tensor | None, pos: Tensor, batch: Tensor | None = None) -> Tensor:
        """``x [N, in_channels] | None, pos [N, 3], batch [N]`` -> ``[B or N, num_classes]``."""
        return self.model(x, pos, batch)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.group.name}|{len(self.group)}: {self.in_channels}+pos -> "
                f"{self.out_channels} [{self.task}], {self.mode} | {count_parameters(self)} parameters)")


class GPointNet(_GBackbone):
    """:class:`PointNet` made exactly invariant to a finite rotation group (see module doc)."""

    backbone_cls = PointNet


class GPointNet2(_GBackbone):
    """:class:`PointNet2` (PointNet++) made exactly invariant to a finite rotation group."""

    backbone_cls = PointNet2


class GDGCNN(_GBackbone):
    """:class:`DGCNN` made exactly invariant to a finite rotation group."""

    backbone_cls = DGCNN
