"""Random smooth non-rigid deformations and random similarity transforms of point sets.

Both draw every random number from ``generator`` on the CPU in float64, so results are
reproducible for a seed, whatever the device/dtype of ``verts``.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from ..groups import random_rotation
from ..utils.checks import check_finite, check_shape


def _check_verts(verts: Tensor) -> None:
    check_shape("verts", verts, (None, 3))
    if not verts.is_floating_point():
        raise ValueError(f"'verts' must be a floating point tensor, got {verts.dtype}")
    check_finite("verts", verts)


def _rand(generator: torch.Generator | None, *shape: int) -> Tensor:
    """Uniform in [-1, 1), float64 CPU."""
    return 2 * torch.rand(*shape, generator=generator, dtype=torch.float64) - 1


def random_deformation(
    verts: Tensor, *, generator: torch.Generator | None = None, strength: float = 0.1,
    num_modes: int = 4, frequency: float = 1.5,
) -> Tensor:
    """Smooth random warp ``x -> D(x)`` of ``verts [V, 3]`` (returns ``[V, 3]``).

    ``D`` = anisotropic scale ``diag(exp(s u))``, twist about z by ``s pi u z``,
    bend ``x += s u z^2``, then a low-frequency displacement field
    ``sum_m a_m sin(w_m . x + phi_m)`` with ``|a_m| ~ s / num_modes`` and
    ``|w_m| ~ frequency``. For ``strength <= 0.2`` on unit-size shapes the map stays
    close to the identity (no self-intersections in practice).
    """
    _check_verts(verts)
    if not 0 <= strength <= 1:
        raise ValueError(f"'strength' must lie in [0, 1], got {strength}")
    x = verts.double().cpu()
    s = float(strength)
    x = x * torch.exp(s * _rand(generator, 3))
    ang = s * math.pi * float(_rand(generator, 1)) * x[:, 2]
    c, si = ang.cos(), ang.sin()
    x = torch.stack([c * x[:, 0] - si * x[:, 1], si * x[:, 0] + c * x[:, 1], x[:, 2]], 1)
    x[:, 0] = x[:, 0] + s * float(_rand(generator, 1)) * x[:, 2] ** 2
    w = frequency * _rand(generator, num_modes, 3)
    phase = math.pi * _rand(generator, num_modes)
    amp = (s / max(num_modes, 1)) * _rand(generator, num_modes, 3)
    x = x + torch.sin(x @ w.t() + phase) @ amp
    return x.to(device=verts.device, dtype=verts.dtype)


class Similarity(NamedTuple):
    """``x' = scale * x @ rotation.T + translation``; ``rotation [3, 3]``,
    ``translation [3]``, ``scale`` float."""

    verts: Tensor
    rotation: Tensor
    translation: Tensor
    scale: float


def random_similarity(
    verts: Tensor, *, generator: torch.Generator | None = None, rotation: str = "so3",
    scale: tuple[float, float] = (0.8, 1.25), translation: float = 0.5,
) -> Similarity:
    """Apply a random rotation (``"so3"`` Haar, ``"z"`` about z, or ``"none"``), a
    log-uniform scale in ``scale`` and a translation uniform in ``[-t, t]^3``."""
    _check_verts(verts)
    if rotation == "so3":
        rot = random_rotation(generator=generator)
    elif rotation == "z":
        a = math.pi * float(_rand(generator, 1))
        rot = torch.tensor([[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0],
                            [0.0, 0.0, 1.0]], dtype=torch.float64)
    elif rotation == "none":
        rot = torch.eye(3, dtype=torch.float64)
    else:
        raise ValueError(f"'rotation' must be 'so3', 'z' or 'none', got {rotation!r}")
    lo, hi = scale
    if not 0 < lo <= hi:
        raise ValueError(f"'scale' must be (low, high) with 0 < low <= high, got {scale!r}")
    u = float(torch.rand(1, generator=generator, dtype=torch.float64))
    s = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
    t = translation * _rand(generator, 3)
    rot, t = (v.to(device=verts.device, dtype=verts.dtype) for v in (rot, t))
    return Similarity(s * verts @ rot.t() + t, rot, t, s)
