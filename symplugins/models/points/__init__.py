"""Point-cloud models: the finite-group procedure, PointNet / PointNet++ / DGCNN, G-versions, VN."""
from .dgcnn import DGCNN
from .gmodels import GDGCNN, GPointNet, GPointNet2
from .make_equivariant import GroupAveraged, GroupLifted, detect_signature, make_equivariant
from .pointnet import PointNet
from .pointnet2 import PointNet2, SetAbstraction
from .vn import VNPointNet

__all__ = [
    "DGCNN", "GDGCNN", "GPointNet", "GPointNet2", "GroupAveraged", "GroupLifted", "PointNet",
    "PointNet2", "SetAbstraction", "VNPointNet", "detect_signature", "make_equivariant",
]
