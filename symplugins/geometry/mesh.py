"""Triangle-mesh utilities on packed (PyG / PyTorch3D ``*_packed``) meshes, pure torch.

A mesh is ``verts [V, 3]`` float and ``faces [F, 3]`` long (corner indices into ``verts``).
A batch of meshes is the same thing with faces already offset into the packed vertices,
so every function here works unchanged on batches.
Orientation: corners ``(a, b, c)`` counter-clockwise seen from outside, so
``n_f = (v_b - v_a) x (v_c - v_a)`` points outwards (EMNN, arXiv 2402.04821, Sec. 3).
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..utils.checks import check_finite, check_index, check_shape


def validate_mesh(verts: Tensor, faces: Tensor, *, allow_degenerate: bool = False) -> None:
    """Raise ValueError for empty meshes, bad shapes/indices, NaN, or zero-area faces."""
    check_shape("verts", verts, (None, 3))
    check_shape("faces", faces, (None, 3))
    if not verts.is_floating_point():
        raise ValueError(f"'verts' must be a floating point tensor, got {verts.dtype}")
    if verts.size(0) == 0 or faces.size(0) == 0:
        raise ValueError(
            f"empty mesh: got {verts.size(0)} vertices and {faces.size(0)} faces; "
            "a mesh needs at least one triangle"
        )
    check_finite("verts", verts)
    check_index("faces", faces, verts.size(0), what="vertices")
    if allow_degenerate:
        return
    bad = (face_areas(verts, faces) <= 0).nonzero().flatten()
    if bad.numel():
        raise ValueError(
            f"{bad.numel()} degenerate (zero-area) face(s), first at index {int(bad[0])}; "
            "remove them or pass allow_degenerate=True"
        )


def face_normals(verts: Tensor, faces: Tensor, *, unit: bool = False) -> Tensor:
    """Face normals ``(v_b - v_a) x (v_c - v_a)`` (length = 2 x area). -> ``[F, 3]``.

    With ``unit=True`` they are normalised (zero vector for a degenerate face).
    """
    a, b, c = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
    n = torch.linalg.cross(b - a, c - a, dim=-1)
    if unit:
        n = n / n.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(n.dtype).tiny)
    return n


def face_areas(verts: Tensor, faces: Tensor) -> Tensor:
    """Triangle areas ``|n_f| / 2``. -> ``[F]``."""
    return 0.5 * face_normals(verts, faces).norm(dim=-1)


def vertex_normals(verts: Tensor, faces: Tensor, *, unit: bool = True) -> Tensor:
    """Area-weighted vertex normals ``sum_{f at v} n_f`` (unit by default). -> ``[V, 3]``.

    Isolated vertices get the zero vector.
    """
    n = face_normals(verts, faces).repeat_interleave(3, dim=0)
    out = torch.zeros_like(verts).index_add_(0, faces.reshape(-1), n)
    if unit:
        out = out / out.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(out.dtype).tiny)
    return out


def vertex_face_areas(verts: Tensor, faces: Tensor) -> Tensor:
    """Mean area of the faces incident to each vertex (0 if isolated). -> ``[V]``."""
    idx = faces.reshape(-1)
    area = face_areas(verts, faces).repeat_interleave(3)
    total = torch.zeros(verts.size(0), dtype=verts.dtype, device=verts.device)
    total = total.index_add(0, idx, area)
    count = torch.bincount(idx, minlength=verts.size(0)).to(verts.dtype)
    return total / count.clamp_min(1)


def unique_edges(faces: Tensor) -> Tensor:
    """Undirected edges ``(i < j)`` of a triangle mesh, sorted. -> ``[E, 2]`` long."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    e = torch.sort(e, dim=1).values
    e = e[e[:, 0] != e[:, 1]]
    return torch.unique(e, dim=0)


def edges_from_faces(faces: Tensor, num_nodes: int | None = None) -> Tensor:
    """Directed edge_index (each mesh edge both ways), sorted by (row, col). -> ``[2, 2E]``.

    Same edges as PyG's ``FaceToEdge`` / ``to_undirected(face_edges)``.
    """
    check_shape("faces", faces, (None, 3))
    if num_nodes is not None and faces.numel():
        check_index("faces", faces, num_nodes, what="vertices")
    e = unique_edges(faces)
    both = torch.cat([e, e.flip(1)])
    order = torch.argsort(both[:, 0] * (int(both.max()) + 1 if both.numel() else 1) + both[:, 1])
    return both[order].t().contiguous()


def edge_face_counts(faces: Tensor) -> tuple[Tensor, Tensor]:
    """Undirected edges ``[E, 2]`` and how many faces use each ``[E]``."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    return torch.unique(torch.sort(e, dim=1).values, dim=0, return_counts=True)


def is_closed(faces: Tensor) -> bool:
    """True if every edge is shared by exactly two faces with opposite directions
    (a closed, consistently oriented manifold surface)."""
    _, counts = edge_face_counts(faces)
    directed = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    _, dcounts = torch.unique(directed, dim=0, return_counts=True)
    return bool((counts == 2).all()) and bool((dcounts == 1).all())


def euler_characteristic(num_verts: int, faces: Tensor) -> int:
    """``V - E + F`` (2 for a sphere-like closed surface, 0 for a torus)."""
    return num_verts - unique_edges(faces).size(0) + faces.size(0)


def signed_volume(verts: Tensor, faces: Tensor) -> Tensor:
    """Enclosed volume ``sum_f v_a . (v_b x v_c) / 6``; > 0 for outward orientation."""
    a, b, c = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
    return (a * torch.linalg.cross(b, c, dim=-1)).sum() / 6.0
