"""Per-mesh normalisation and the vertex-normal input channel of EMNN."""
from __future__ import annotations

import torch
from torch import Tensor

from ...geometry.mesh import vertex_normals
from .terms import safe_norm, umbrella_laplacian


def normalize_per_mesh(pos: Tensor, batch: Tensor, num_meshes: int) -> tuple[Tensor, Tensor, Tensor]:
    """Centre each mesh at its vertex centroid and scale it to unit RMS radius.

    Per mesh (not per batch). ``pos [N, 3]``, ``batch [N]`` -> ``(pos_n [N, 3],
    centroid [B, 3], scale [B])`` with ``pos = pos_n * scale[batch] + centroid[batch]``.
    A single-vertex mesh gets ``pos_n = 0`` (scale clamped, never NaN).
    """
    cnt = torch.bincount(batch, minlength=num_meshes).clamp_min(1).to(pos.dtype)
    cen = pos.new_zeros(num_meshes, 3).index_add_(0, batch, pos) / cnt[:, None]
    rel = pos - cen[batch]
    ms = pos.new_zeros(num_meshes).index_add_(0, batch, rel.pow(2).sum(-1)) / cnt
    scale = ms.clamp_min(torch.finfo(pos.dtype).tiny).sqrt()
    return rel / scale[batch, None], cen, scale


def vertex_normal_channel(pos: Tensor, edge_index: Tensor, face: Tensor, *, mode: str = "E3",
                          eps: float = 1e-6) -> Tensor:
    """Unit area-weighted vertex normals as an extra vector channel ``[N, 3]``.

    The summed face normals ``n_i`` follow the face winding, a pseudovector. ``mode="SE3"``
    returns ``n_i / |n_i|``; ``mode="E3"`` returns ``n_i (n_i . L_i) / (|n_i|^2 |L_i|)``
    (``L_i`` the umbrella Laplacian), even in ``n_i``: a true vector under reflections.
    """
    n = vertex_normals(pos, face.T, unit=True)
    if mode == "SE3":
        return n
    lap = umbrella_laplacian(pos, edge_index)
    return n * ((n * lap).sum(-1) / safe_norm(lap, dim=-1, eps=eps))[:, None]
