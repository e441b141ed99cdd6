"""Small random closed meshes for the EMNN tests (UV spheres with noisy vertices)."""
from __future__ import annotations

import torch
from torch import Tensor


def uv_sphere(rings: int, segments: int) -> tuple[Tensor, Tensor]:
    """Closed UV sphere: ``pos [2 + (rings-1)*segments, 3]``, outward ``face [3, F]``."""
    th = torch.arange(1, rings, dtype=torch.float64) * torch.pi / rings
    ph = torch.arange(segments, dtype=torch.float64) * 2 * torch.pi / segments
    t, p = torch.meshgrid(th, ph, indexing="ij")
    ring = torch.stack([t.sin() * p.cos(), t.sin() * p.sin(), t.cos()], -1).reshape(-1, 3)
    pos = torch.cat([torch.tensor([[0, 0, 1.0]], dtype=torch.float64), ring,
                     torch.tensor([[0, 0, -1.0]], dtype=torch.float64)])
    s, n = segments, pos.shape[0]
    v = lambda r, k: 1 + r * s + k % s  # noqa: E731
    faces = [(0, v(0, k), v(0, k + 1)) for k in range(s)]
    for r in range(rings - 2):
        for k in range(s):
            faces += [(v(r, k), v(r + 1, k), v(r + 1, k + 1)), (v(r, k), v(r + 1, k + 1), v(r, k + 1))]
    faces += [(n - 1, v(rings - 2, k + 1), v(rings - 2, k)) for k in range(s)]
    return pos, torch.tensor(faces, dtype=torch.long).T


def edges_of(face: Tensor) -> Tensor:
    """Both directions of every distinct face edge, ``[2, E]``."""
    e = torch.cat([face[[0, 1]], face[[1, 2]], face[[2, 0]]], 1)
    e = torch.cat([e, e.flip(0)], 1)
    return torch.unique(e, dim=1)


def random_mesh_batch(shapes=((3, 4), (4, 5), (3, 6)), *, dtype=None, seed: int = 0,
                      channels: int = 3):
    """Batched noisy UV spheres of different sizes -> ``x, pos, edge_index, face, batch``."""
    gen = torch.Generator().manual_seed(seed)
    pos, face, batch, off = [], [], [], 0
    for b, (r, s) in enumerate(shapes):
        p, f = uv_sphere(r, s)
        p = p * (1 + 0.3 * torch.rand(1, 3, generator=gen, dtype=torch.float64))
        pos.append(p + 0.1 * torch.randn(p.shape, generator=gen, dtype=torch.float64))
        face.append(f + off)
        batch.append(torch.full((p.shape[0],), b, dtype=torch.long))
        off += p.shape[0]
    pos, face = torch.cat(pos), torch.cat(face, 1)
    dtype = dtype or torch.get_default_dtype()
    x = torch.randn(pos.shape[0], channels, generator=gen, dtype=torch.float64)
    return x.to(dtype), pos.to(dtype), edges_of(face), face, torch.cat(batch)
