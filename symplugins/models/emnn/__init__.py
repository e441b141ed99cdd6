"""EMNN: the equivariant mesh network (model, hierarchy, baselines, shipped weights)."""
from .baselines import EGNNMesh, MeshGCN
from .hierarchy import MeshHierarchy, canonical_fps
from .model import EMNN
from .pretrained import PRETRAINED, load_pretrained

__all__ = ["EMNN", "EGNNMesh", "MeshGCN", "MeshHierarchy", "canonical_fps", "PRETRAINED", "load_pretrained"]
