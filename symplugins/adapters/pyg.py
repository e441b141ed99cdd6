"""PyG adapter: ``Data`` / ``Batch`` -> packed mesh and point-cloud inputs (needs PyG).

PyG batching offsets ``face`` (and keys containing ``index``) automatically, so a
``Batch`` of meshes already has the packed layout that :mod:`symplugins.adapters.pytorch3d`
produces from ``Meshes``: the two give identical input dicts.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..geometry.mesh import edges_from_faces, validate_mesh
from ..utils.checks import check_batch, check_shape
from ..utils.imports import require


def _pyg_data():
    return require("torch_geometric.data", extra="pyg", purpose="PyG Data objects")


def _get(data: Any, key: str) -> Tensor | None:
    return data[key] if key in data else None


def _batch(data: Any, num: int, device: torch.device) -> Tensor:
    batch = _get(data, "batch")
    if batch is None:
        return torch.zeros(num, dtype=torch.long, device=device)
    check_batch("data.batch", batch, num)
    return batch


def _pos(data: Any) -> Tensor:
    data_mod = _pyg_data()
    if not isinstance(data, data_mod.Data):
        raise ValueError(
            f"'data' must be a torch_geometric Data or Batch, got {type(data).__name__}"
        )
    pos = _get(data, "pos")
    if pos is None:
        raise ValueError("'data' has no 'pos'; store the vertex/point coordinates in data.pos")
    check_shape("data.pos", pos, (None, 3))
    return pos


def mesh_inputs_from_data(data: Any) -> dict[str, Tensor]:
    """Packed mesh inputs of a PyG ``Data``/``Batch`` with ``pos [V, 3]`` and ``face [3, F]``.

    Returns ``pos``, ``face [3, F]``, ``edge_index [2, E]`` (``data.edge_index`` if
    present, else the mesh edges both ways, like ``FaceToEdge``) and ``batch [V]``
    (``data.batch``, or zeros for a single ``Data``).
    """
    pos = _pos(data)
    face = _get(data, "face")
    if face is None:
        raise ValueError(
            "'data' has no 'face'; a mesh needs data.face [3, F] (FaceToEdge drops it unless "
            "remove_faces=False)"
        )
    check_shape("data.face", face, (3, None))
    validate_mesh(pos, face.t(), allow_degenerate=True)
    edge_index = _get(data, "edge_index")
    if edge_index is None:
        edge_index = edges_from_faces(face.t(), num_nodes=pos.size(0))
    return {"pos": pos, "face": face, "edge_index": edge_index,
            "batch": _batch(data, pos.size(0), pos.device)}


def cloud_inputs_from_data(data: Any) -> dict[str, Tensor | None]:
    """Packed point-cloud inputs: ``pos [N, 3]``, ``x [N, C]`` (``data.x`` or None) and
    ``batch [N]``."""
    pos = _pos(data)
    if not bool(torch.isfinite(pos).all()):
        raise ValueError("'data.pos' has non-finite coordinates (NaN or inf)")
    return {"pos": pos, "x": _get(data, "x"), "batch": _batch(data, pos.size(0), pos.device)}


def to_pyg_mesh(verts: Tensor, faces: Tensor, **attrs: Any) -> Any:
    """A PyG ``Data(pos=verts [V, 3], face=faces.T [3, F], **attrs)`` for one mesh."""
    validate_mesh(verts, faces, allow_degenerate=True)
    return _pyg_data().Data(pos=verts, face=faces.t().contiguous(), **attrs)
