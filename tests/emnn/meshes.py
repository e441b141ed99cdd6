"""Small random closed meshes for the EMNN tests (noisy, stretched UV spheres)."""
from __future__ import annotations

import torch
from torch import Tensor

from symplugins.geometry import edges_from_faces
from symplugins.geometry.primitives import uv_sphere as _uv_sphere


def uv_sphere(resolution: int) -> tuple[Tensor, Tensor]:
    """Closed UV sphere from :mod:`symplugins.geometry`: ``pos [V, 3]`` float64, ``face [3, F]``."""
    s = _uv_sphere(resolution)
    return s.verts.double(), s.faces.T.contiguous()


def random_mesh_batch(resolutions=(6, 8, 7), *, dtype=None, seed: int = 0, channels: int = 3):
    """Batched noisy UV spheres of different sizes -> ``x, pos, edge_index, face, batch``."""
    gen = torch.Generator().manual_seed(seed)
    pos, face, batch, off = [], [], [], 0
    for b, res in enumerate(resolutions):
        p, f = uv_sphere(res)
        p = p * (1 + 0.3 * torch.rand(1, 3, generator=gen, dtype=torch.float64))
        pos.append(p + 0.1 * torch.randn(p.shape, generator=gen, dtype=torch.float64))
        face.append(f + off)
        batch.append(torch.full((p.shape[0],), b, dtype=torch.long))
        off += p.shape[0]
    pos, face = torch.cat(pos), torch.cat(face, 1)
    dtype = dtype or torch.get_default_dtype()
    x = torch.randn(pos.shape[0], channels, generator=gen, dtype=torch.float64)
    return x.to(dtype), pos.to(dtype), edges_from_faces(face.T, pos.shape[0]), face, torch.cat(batch)
