"""Point-cloud layers: pooling over clouds, group lifting / mixing / pooling, Vector Neurons.

Imports torch only. Models built from these live in :mod:`symplugins.models.points`.
"""
from ..pool import global_max_pool, global_mean_pool, num_clouds, scatter_max, scatter_mean
from .group import GroupConv, GroupLift, GroupPool, group_matrices, rotate_copies
from .mlp import EdgeConv, mlp
from .vn import VNBatchNorm, VNInvariant, VNLinear, VNLinearReLU, VNMaxPool, VNReLU, vn_mean_pool

__all__ = [
    "global_max_pool", "global_mean_pool", "num_clouds", "scatter_max", "scatter_mean",
    "GroupConv", "GroupLift", "GroupPool", "group_matrices", "rotate_copies",
    "EdgeConv", "mlp", "VNBatchNorm", "VNInvariant", "VNLinear", "VNLinearReLU", "VNMaxPool", "VNReLU", "vn_mean_pool",
]
