"""Core mesh geometry (torch only): mesh quantities, surface sampling, procedural shapes.

Meshes are packed: ``verts [V, 3]`` float, ``faces [F, 3]`` long (a batch of meshes is the
same layout with faces offset into the packed vertices, as in PyG and PyTorch3D).
"""
from .deform import Similarity, random_deformation, random_similarity
from .mesh import (
    edge_face_counts, edges_from_faces, euler_characteristic, face_areas, face_normals,
    is_closed, signed_volume, unique_edges, validate_mesh, vertex_face_areas, vertex_normals,
)
from .sampling import SurfaceSamples, sample_surface, transfer_vertex_labels
from .shapes import NUM_PARTS, SHAPE_CLASSES, Shape, make_shape

__all__ = [
    "face_normals", "face_areas", "vertex_normals", "vertex_face_areas", "unique_edges",
    "edges_from_faces", "edge_face_counts", "is_closed", "euler_characteristic",
    "signed_volume", "validate_mesh", "sample_surface", "transfer_vertex_labels",
    "SurfaceSamples", "Shape", "SHAPE_CLASSES", "NUM_PARTS", "make_shape",
    "random_deformation", "random_similarity", "Similarity",
]
