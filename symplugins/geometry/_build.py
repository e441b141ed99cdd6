"""Low-level closed-mesh builders: surfaces of revolution, icosahedron subdivision, box grid.

All builders return ``(verts [V, 3] float64, faces [F, 3] long)`` with outward,
counter-clockwise orientation.
"""
from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor


def revolve(r: Tensor, z: Tensor, n_theta: int) -> tuple[Tensor, Tensor]:
    """Revolve the profile ``(r_k, z_k)``, k = 0..m, about the z axis.

    ``r[0] = r[-1] = 0`` are the poles (bottom, top); rings 1..m-1 get ``n_theta``
    vertices each. The profile runs from the bottom pole to the top pole with the solid
    on its left in the (r, z) half-plane, so normals ``phi x t`` point outwards.
    """
    m = r.numel() - 1
    theta = torch.arange(n_theta, dtype=torch.float64) * (2 * math.pi / n_theta)
    ring_r, ring_z = r[1:m, None], z[1:m, None].expand(m - 1, n_theta)
    rings = torch.stack([ring_r * theta.cos(), ring_r * theta.sin(), ring_z], -1)
    verts = torch.cat([
        torch.tensor([[0.0, 0.0, float(z[0])]], dtype=torch.float64),
        rings.reshape(-1, 3),
        torch.tensor([[0.0, 0.0, float(z[m])]], dtype=torch.float64),
    ])
    j = torch.arange(n_theta)
    jn = (j + 1) % n_theta
    ring = lambda k: 1 + (k - 1) * n_theta  # noqa: E731  (first vertex of ring k)
    bottom = torch.stack([torch.zeros_like(j), ring(1) + jn, ring(1) + j], 1)
    top_pole = verts.size(0) - 1
    top = torch.stack([torch.full_like(j, top_pole), ring(m - 1) + j, ring(m - 1) + jn], 1)
    quads = []
    for k in range(1, m - 1):
        a, b = ring(k) + j, ring(k) + jn
        c, d = ring(k + 1) + jn, ring(k + 1) + j
        quads += [torch.stack([a, b, c], 1), torch.stack([a, c, d], 1)]
    return verts, torch.cat([bottom, *quads, top])


def icosahedron() -> tuple[Tensor, Tensor]:
    """Regular icosahedron inscribed in the unit sphere (12 vertices, 20 faces)."""
    phi = (1 + 5 ** 0.5) / 2
    v = []
    for a, b in itertools.product((-1.0, 1.0), repeat=2):
        v += [(0.0, a, b * phi), (a, b * phi, 0.0), (b * phi, 0.0, a)]
    verts = torch.tensor(v, dtype=torch.float64)
    faces = [f for f in itertools.combinations(range(12), 3)
             if all(abs(float((verts[p] - verts[q]).norm()) - 2.0) < 1e-9
                    for p, q in itertools.combinations(f, 2))]
    faces = torch.tensor(faces, dtype=torch.long)
    return verts / verts.norm(dim=1, keepdim=True), orient_convex(verts, faces)


def orient_convex(verts: Tensor, faces: Tensor) -> Tensor:
    """Flip faces of a convex mesh around the origin whose normal points inwards."""
    a, b, c = verts[faces].unbind(1)
    inward = (torch.linalg.cross(b - a, c - a, dim=-1) * (a + b + c)).sum(-1) < 0
    faces = faces.clone()
    faces[inward] = faces[inward][:, [0, 2, 1]]
    return faces


def subdivide(verts: Tensor, faces: Tensor) -> tuple[Tensor, Tensor]:
    """Loop-style 1-to-4 split at edge midpoints (shared midpoints), orientation kept."""
    e = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    uniq, inv = torch.unique(e.sort(dim=1).values, dim=0, return_inverse=True)
    mids = 0.5 * (verts[uniq[:, 0]] + verts[uniq[:, 1]])
    m01, m12, m20 = (verts.size(0) + inv).view(3, -1)
    a, b, c = faces.unbind(1)
    new = torch.cat([
        torch.stack([a, m01, m20], 1), torch.stack([b, m12, m01], 1),
        torch.stack([c, m20, m12], 1), torch.stack([m01, m12, m20], 1),
    ])
    return torch.cat([verts, mids]), new


def box_grid(n: int) -> tuple[Tensor, Tensor]:
    """Surface of the cube ``[-1, 1]^3`` with an ``n x n`` grid on each side."""
    pts, tris, offset = [], [], 0
    ii, jj = torch.meshgrid(torch.arange(n + 1), torch.arange(n + 1), indexing="ij")
    for axis, sign in itertools.product(range(3), (-1, 1)):
        u_ax, v_ax = (axis + 1) % 3, (axis + 2) % 3
        if sign < 0:
            u_ax, v_ax = v_ax, u_ax                       # keep u x v = sign * e_axis
        p = torch.zeros(n + 1, n + 1, 3, dtype=torch.long)
        p[..., axis] = n if sign > 0 else -n
        p[..., u_ax], p[..., v_ax] = 2 * ii - n, 2 * jj - n
        pts.append(p.reshape(-1, 3))
        idx = offset + ii * (n + 1) + jj
        p00, p10, p11, p01 = idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]
        tris += [torch.stack([p00, p10, p11], -1).reshape(-1, 3),
                 torch.stack([p00, p11, p01], -1).reshape(-1, 3)]
        offset += (n + 1) ** 2
    uniq, inv = torch.unique(torch.cat(pts), dim=0, return_inverse=True)
    return uniq.double() / n, inv[torch.cat(tris)]
