"""Procedural closed triangle meshes with per-vertex part labels.

Every builder returns a :class:`Shape` ``(verts [V, 3], faces [F, 3] long, labels [V]
long)`` with a closed surface, outward counter-clockwise faces, and 2-4 parts.
``resolution`` is the number of segments around the main circle of the shape.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from . import _build

__all__ = ["Shape", "icosphere", "uv_sphere", "ellipsoid", "torus", "capsule", "cylinder",
           "cone", "box"]


class Shape(NamedTuple):
    """A labelled mesh: ``verts [V, 3]`` float, ``faces [F, 3]`` long, ``labels [V]`` long."""

    verts: Tensor
    faces: Tensor
    labels: Tensor


def _shape(verts: Tensor, faces: Tensor, labels: Tensor) -> Shape:
    return Shape(verts.to(torch.get_default_dtype()), faces.long(), labels.long())


def _check_res(resolution: int, low: int = 3) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < low:
        raise ValueError(f"'resolution' must be an integer >= {low}, got {resolution!r}")
    return resolution


def icosphere(level: int = 2) -> Shape:
    """Unit icosphere (``10 * 4^level + 2`` vertices); 4 parts: nearest of the four
    directions of a regular tetrahedron."""
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 7:
        raise ValueError(f"'level' must be an integer in [0, 7], got {level!r}")
    verts, faces = _build.icosahedron()
    for _ in range(level):
        verts, faces = _build.subdivide(verts, faces)
        verts = verts / verts.norm(dim=1, keepdim=True)
    tet = torch.tensor([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=torch.float64)
    return _shape(verts, faces, (verts @ tet.t()).argmax(1))


def uv_sphere(resolution: int = 16) -> Shape:
    """Unit latitude-longitude sphere; 2 parts: southern (0) and northern (1) hemisphere."""
    n = _check_res(resolution)
    phi = torch.linspace(0, math.pi, max(n // 2, 2) + 1, dtype=torch.float64)
    verts, faces = _build.revolve(phi.sin(), -phi.cos(), n)
    return _shape(verts, faces, verts[:, 2] > 1e-9)


def ellipsoid(axes: tuple[float, float, float] = (1.0, 0.6, 0.35), level: int = 2) -> Shape:
    """Icosphere scaled by ``axes``; 3 parts along x: negative end, middle, positive end."""
    s = icosphere(level)
    a = torch.tensor(axes, dtype=torch.float64)
    if a.shape != (3,) or not bool((a > 0).all()):
        raise ValueError(f"'axes' must be three positive floats, got {axes!r}")
    x = s.verts.double()[:, 0]
    labels = torch.where(x < -0.5, 0, torch.where(x > 0.5, 2, 1))
    return _shape(s.verts.double() * a, s.faces, labels)


def torus(major: float = 0.7, minor: float = 0.3, resolution: int = 16) -> Shape:
    """Torus around z (genus 1); 4 parts: quadrants of the tube angle (outer-top,
    inner-top, inner-bottom, outer-bottom)."""
    n = _check_res(resolution)
    if not 0 < minor < major:
        raise ValueError(f"need 0 < minor < major, got minor={minor}, major={major}")
    m = max(n // 2, 3)
    th = torch.arange(n, dtype=torch.float64) * (2 * math.pi / n)
    ph = torch.arange(m, dtype=torch.float64) * (2 * math.pi / m) + math.pi / m
    T, P = torch.meshgrid(th, ph, indexing="ij")
    rho = major + minor * P.cos()
    verts = torch.stack([rho * T.cos(), rho * T.sin(), minor * P.sin()], -1).reshape(-1, 3)
    i, j = torch.meshgrid(torch.arange(n), torch.arange(m), indexing="ij")
    a, b = i * m + j, ((i + 1) % n) * m + j
    c, d = ((i + 1) % n) * m + (j + 1) % m, i * m + (j + 1) % m
    faces = torch.cat([torch.stack([a, b, c], -1), torch.stack([a, c, d], -1)]).reshape(-1, 3)
    return _shape(verts, faces, (P / (math.pi / 2)).long().reshape(-1).clamp_max(3))


def capsule(radius: float = 0.4, half_length: float = 0.5, resolution: int = 16) -> Shape:
    """Cylinder with hemispherical caps along z; 3 parts: bottom cap, body, top cap."""
    n = _check_res(resolution)
    k = max(n // 4, 2)
    ang = torch.linspace(0, math.pi / 2, k + 1, dtype=torch.float64)
    body = torch.linspace(-half_length, half_length, max(k, 2) + 1, dtype=torch.float64)[1:-1]
    r = torch.cat([ang.sin(), torch.ones_like(body), ang.flip(0).sin()]) * radius
    cap = radius * ang.cos()
    z = torch.cat([-half_length - cap, body, half_length + cap.flip(0)])
    r[0] = r[-1] = 0.0
    verts, faces = _build.revolve(r, z, n)
    zz = verts[:, 2]
    labels = torch.where(zz < -half_length + 1e-9, 0, torch.where(zz > half_length - 1e-9, 2, 1))
    return _shape(verts, faces, labels)


def cylinder(radius: float = 0.5, half_height: float = 0.6, resolution: int = 16) -> Shape:
    """Capped cylinder along z; 3 parts: bottom disc (rim included), side, top disc."""
    n = _check_res(resolution)
    k = max(n // 4, 2)
    disc = torch.linspace(0, radius, k + 1, dtype=torch.float64)
    side = torch.linspace(-half_height, half_height, k + 2, dtype=torch.float64)[1:-1]
    r = torch.cat([disc, torch.full_like(side, radius), disc.flip(0)])
    z = torch.cat([torch.full_like(disc, -half_height), side, torch.full_like(disc, half_height)])
    verts, faces = _build.revolve(r, z, n)
    zz = verts[:, 2]
    labels = torch.where(zz <= -half_height, 0, torch.where(zz >= half_height, 2, 1))
    return _shape(verts, faces, labels)


def cone(radius: float = 0.6, height: float = 1.4, resolution: int = 16) -> Shape:
    """Capped cone along z (apex up); 3 parts: base disc (rim included), lower side, tip."""
    n = _check_res(resolution)
    k = max(n // 4, 2)
    disc = torch.linspace(0, radius, k + 1, dtype=torch.float64)
    t = torch.linspace(0, 1, 2 * k + 1, dtype=torch.float64)[1:]
    r = torch.cat([disc, radius * (1 - t)])
    z = torch.cat([torch.full_like(disc, -height / 2), -height / 2 + height * t])
    verts, faces = _build.revolve(r, z, n)
    zz = verts[:, 2]
    labels = torch.where(zz <= -height / 2, 0, torch.where(zz > height / 6, 2, 1))
    return _shape(verts, faces, labels)


def box(extents: tuple[float, float, float] = (0.8, 0.6, 0.5), resolution: int = 16) -> Shape:
    """Box ``prod [-e_i, e_i]`` with a grid on each side; 3 parts: bottom, sides, top."""
    n = max(_check_res(resolution, low=4) // 4, 1)
    verts, faces = _build.box_grid(n)
    z = verts[:, 2]
    labels = torch.where(z <= -1, 0, torch.where(z >= 1, 2, 1))
    return _shape(verts * torch.tensor(extents, dtype=torch.float64), faces, labels)
