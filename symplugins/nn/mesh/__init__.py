"""Mesh layers: the EMNN convolution, its message terms and input normalisation."""
from .checks import check_mesh_inputs
from .conv import MODES, EMNNConv
from .normalize import normalize_per_mesh, vertex_normal_channel
from .terms import edge_term, face_normals, face_term, safe_norm, umbrella_laplacian

__all__ = [
    "EMNNConv", "MODES", "check_mesh_inputs", "edge_term", "face_normals", "face_term",
    "normalize_per_mesh", "safe_norm", "umbrella_laplacian", "vertex_normal_channel",
]
