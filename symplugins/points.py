"""Finite-rotation-group point-cloud networks (family façade).

- :func:`make_equivariant`: the general procedure (group averaging / lifted G-CNN) that
  makes any backbone ``f(pos, batch)`` or ``f(x, pos, batch)`` exactly invariant or
  equivariant to C_n, D_n, V_4, T, O or I.
- Backbones ``PointNet``, ``PointNet2`` (PointNet++), ``DGCNN`` and their G-versions
  ``GPointNet``, ``GPointNet2``, ``GDGCNN``; the Vector Neurons baseline ``VNPointNet``.
- Layers: ``GroupLift``, ``GroupConv``, ``GroupPool`` (VN layers in :mod:`symplugins.nn.points`).
- The shipped classifier (``load_classifier``, ``classify``) and readers ``read_points``
  (.xyz/.ply/.npy), ``read_off``. Datasets: :mod:`symplugins.datasets.points` (needs PyG).
"""
from .models.points import (
    DGCNN, GDGCNN, GPointNet, GPointNet2, GroupAveraged, GroupLifted, PointNet, PointNet2,
    VNPointNet, make_equivariant,
)
from .models.points.pretrained import classify, load_classifier
from .nn.points import GroupConv, GroupLift, GroupPool
from .io.points import read_off, read_points

__all__ = [
    "make_equivariant", "GroupAveraged", "GroupLifted", "PointNet", "PointNet2", "DGCNN",
    "GPointNet", "GPointNet2", "GDGCNN", "VNPointNet", "GroupConv", "GroupLift", "GroupPool",
    "load_classifier", "classify", "read_off", "read_points",
]
