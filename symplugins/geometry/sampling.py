"""Area-weighted uniform sampling of points on a triangle-mesh surface (pure torch).

Face ``f`` is drawn with probability ``A_f / sum A``; a point in it is
``p = v_a + u (v_b - v_a) + w (v_c - v_a)`` with ``(u, w)`` uniform on the unit triangle
(reflect ``u + w > 1``), which is uniform in area (Osada et al., "Shape distributions",
ACM TOG 2002, Sec. 4.2).
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from .mesh import face_areas, face_normals, validate_mesh


class SurfaceSamples(NamedTuple):
    """Sampled points: ``pos [S, 3]``, ``face_index [S]`` long, ``barycentric [S, 3]``
    (weights of corners a, b, c), ``normal [S, 3]`` (unit face normal)."""

    pos: Tensor
    face_index: Tensor
    barycentric: Tensor
    normal: Tensor


def sample_surface(
    verts: Tensor, faces: Tensor, num_samples: int, *,
    generator: torch.Generator | None = None,
) -> SurfaceSamples:
    """Draw ``num_samples`` points uniformly (by area) from the surface of one mesh.

    Deterministic for a given ``generator`` (random numbers are drawn on its device, CPU
    by default, then moved to the mesh's device).
    """
    validate_mesh(verts, faces, allow_degenerate=True)
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
        raise ValueError(f"'num_samples' must be a positive integer, got {num_samples!r}")
    areas = face_areas(verts, faces)
    if not bool(areas.sum() > 0):
        raise ValueError("mesh has zero total area; cannot sample its surface")
    gdev = generator.device if generator is not None else torch.device("cpu")
    fidx = torch.multinomial(areas.to(gdev, torch.float64), num_samples, replacement=True,
                             generator=generator).to(verts.device)
    uw = torch.rand(num_samples, 2, generator=generator, device=gdev, dtype=torch.float64)
    flip = uw.sum(1) > 1
    uw[flip] = 1 - uw[flip]
    uw = uw.to(device=verts.device, dtype=verts.dtype)
    bary = torch.cat([1 - uw.sum(1, keepdim=True), uw], dim=1)
    corners = verts[faces[fidx]]                                    # [S, 3, 3]
    pos = (bary.unsqueeze(-1) * corners).sum(1)
    normal = face_normals(verts, faces, unit=True)[fidx]
    return SurfaceSamples(pos, fidx, bary, normal)


def transfer_vertex_labels(labels: Tensor, faces: Tensor, samples: SurfaceSamples) -> Tensor:
    """Per-sample label = label of the sampled face's corner with the largest barycentric
    weight (the nearest corner in barycentric terms). -> ``[S]``."""
    corner = samples.barycentric.argmax(dim=1)
    return labels[faces[samples.face_index, corner]]
