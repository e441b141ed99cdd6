"""PyTorch3D adapter: ``Meshes`` / ``Pointclouds`` <-> packed model inputs (needs ``pytorch3d``).

Uses only ``pytorch3d.structures`` (pure Python); nothing from ``pytorch3d.ops``.
``faces_packed()`` is already offset into ``verts_packed()``, the PyG batch layout, so
``pos = verts_packed()``, ``face = faces_packed().T``, ``batch = verts_packed_to_mesh_idx()``.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..geometry.mesh import edges_from_faces, validate_mesh
from ..utils.imports import require


def _structures():
    return require("pytorch3d.structures", extra="pytorch3d", purpose="PyTorch3D meshes")


def mesh_inputs(meshes: Any) -> dict[str, Tensor]:
    """Packed inputs of a ``pytorch3d.structures.Meshes`` batch.

    Returns ``pos [V, 3]``, ``face [3, F]`` long, ``edge_index [2, E]`` (mesh edges both
    ways, from the faces) and ``batch [V]`` long (mesh id of each vertex).
    """
    structures = _structures()
    if not isinstance(meshes, structures.Meshes):
        raise ValueError(f"'meshes' must be a pytorch3d Meshes, got {type(meshes).__name__}")
    if meshes.isempty():
        raise ValueError("'meshes' is empty (no vertices); pass at least one non-empty mesh")
    pos, faces = meshes.verts_packed(), meshes.faces_packed()
    validate_mesh(pos, faces, allow_degenerate=True)
    return {
        "pos": pos,
        "face": faces.t().contiguous(),
        "edge_index": edges_from_faces(faces, num_nodes=pos.size(0)),
        "batch": meshes.verts_packed_to_mesh_idx(),
    }


def cloud_inputs(clouds: Any) -> dict[str, Tensor | None]:
    """Packed inputs of a ``pytorch3d.structures.Pointclouds`` batch.

    Returns ``pos [N, 3]``, ``x [N, C]`` (``features_packed()``, or None without
    features) and ``batch [N]`` long (cloud id of each point).
    """
    structures = _structures()
    if not isinstance(clouds, structures.Pointclouds):
        raise ValueError(f"'clouds' must be a pytorch3d Pointclouds, got {type(clouds).__name__}")
    if clouds.isempty():
        raise ValueError("'clouds' is empty (no points); pass at least one non-empty cloud")
    pos = clouds.points_packed()
    if not bool(torch.isfinite(pos).all()):
        raise ValueError("'clouds' has non-finite point coordinates (NaN or inf)")
    return {"pos": pos, "x": clouds.features_packed(), "batch": clouds.packed_to_cloud_idx()}


def to_meshes(pos: Tensor, face: Tensor, batch: Tensor | None = None) -> Any:
    """Inverse of :func:`mesh_inputs`: split packed ``pos [V, 3]``, ``face [3, F]`` and a
    sorted ``batch [V]`` back into a ``Meshes`` of per-mesh (local-index) tensors."""
    structures = _structures()
    faces = face.t()
    validate_mesh(pos, faces, allow_degenerate=True)
    if batch is None:
        batch = torch.zeros(pos.size(0), dtype=torch.long, device=pos.device)
    counts = torch.bincount(batch).tolist()
    starts = [0]
    for c in counts[:-1]:
        starts.append(starts[-1] + c)
    face_mesh = batch[faces[:, 0]]
    verts, fs = [], []
    for b, (s, c) in enumerate(zip(starts, counts)):
        verts.append(pos[s:s + c])
        fs.append(faces[face_mesh == b] - s)
    return structures.Meshes(verts=verts, faces=fs)
