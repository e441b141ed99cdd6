"""Continuous groups O(3), SO(3), E(3), SE(3): uniform sampling and elements.

Elements of O(3)/SO(3) are ``[3, 3]`` tensors; elements of E(3)/SE(3) are
:class:`Isometry` values ``x -> R x + t``. Sampling is Haar-uniform and float64-capable.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "Isometry", "random_rotation", "random_o3", "O3", "SO3", "E3", "SE3",
]


@dataclass(frozen=True)
class Isometry:
    """A Euclidean motion ``x -> rotation @ x + translation``."""

    rotation: Tensor
    translation: Tensor

    def to(self, *args, **kwargs) -> "Isometry":
        return Isometry(self.rotation.to(*args, **kwargs), self.translation.to(*args, **kwargs))

    @property
    def det(self) -> Tensor:
        return torch.linalg.det(self.rotation)


def random_rotation(
    n: int | None = None, *, generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64, device: torch.device | str | None = None,
) -> Tensor:
    """Haar-uniform rotation(s) in SO(3) from normalised Gaussian quaternions.

    Returns ``[3, 3]`` (``n is None``) or ``[n, 3, 3]``.
    """
    m = 1 if n is None else n
    gen_device = generator.device if generator is not None else device
    q = torch.randn(m, 4, generator=generator, dtype=torch.float64, device=gen_device)
    q = q / q.norm(dim=-1, keepdim=True)
    w, x, y, z = q.unbind(-1)
    r = torch.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
    ], dim=-1).reshape(m, 3, 3)
    r = r.to(dtype=dtype, device=device)
    return r[0] if n is None else r


def random_o3(
    n: int | None = None, *, generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64, device: torch.device | str | None = None,
    reflect: bool | None = None,
) -> Tensor:
    """Haar-uniform element(s) of O(3); ``reflect=True/False`` forces det -1/+1."""
    r = random_rotation(n, generator=generator, dtype=dtype, device=device)
    shape = () if n is None else (n,)
    if reflect is None:
        flip = torch.rand(shape, generator=generator, dtype=torch.float64, device=r.device) < 0.5
    else:
        flip = torch.full(shape, bool(reflect))
    sign = torch.where(flip, -1.0, 1.0).to(dtype=dtype, device=r.device)
    return r * sign[..., None, None]


class _Continuous:
    """Common interface of the continuous groups used by :mod:`symplugins.testing`."""

    name = "group"
    proper = True
    translations = False

    def sample(self, generator=None, dtype=torch.float64, device=None, *, reflect=None):
        if self.proper:
            rot = random_rotation(generator=generator, dtype=dtype, device=device)
        else:
            rot = random_o3(generator=generator, dtype=dtype, device=device, reflect=reflect)
        if not self.translations:
            return rot
        gen_device = generator.device if generator is not None else device
        t = torch.randn(3, generator=generator, dtype=torch.float64, device=gen_device).to(dtype=dtype, device=device)
        return Isometry(rot, 2.0 * t)

    def identity(self, dtype=torch.float64, device=None):
        eye = torch.eye(3, dtype=dtype, device=device)
        if not self.translations:
            return eye
        return Isometry(eye, torch.zeros(3, dtype=dtype, device=device))

    def test_elements(self, n: int = 3, generator=None, dtype=torch.float64, device=None):
        """``n`` random elements, labelled; for O(3)/E(3) both det signs appear."""
        out = []
        for i in range(n):
            reflect = None if self.proper else bool(i % 2 == 0)
            g = self.sample(generator, dtype, device, reflect=reflect)
            kind = "reflection" if reflect else "rotation"
            out.append((f"random {kind} #{i}", g))
        return out

    def __repr__(self) -> str:
        return f"{self.name}()"


class O3(_Continuous):
    """The orthogonal group O(3): rotations and reflections."""

    name, proper, translations = "O3", False, False


class SO3(_Continuous):
    """The rotation group SO(3)."""

    name, proper, translations = "SO3", True, False


class E3(_Continuous):
    """The Euclidean group E(3): rotations, reflections and translations."""

    name, proper, translations = "E3", False, True


class SE3(_Continuous):
    """The special Euclidean group SE(3): rotations and translations."""

    name, proper, translations = "SE3", True, True
