"""Procedural shape classes: labelled closed meshes, randomised per sample.

A stand-in for ModelNet / ShapeNet-part (not downloadable here): :data:`SHAPE_CLASSES`
are geometrically distinct primitives; with a ``generator`` each sample gets random
proportions and a smooth random deformation (:func:`random_deformation`), so a classifier
must learn shape, not a fixed template. Part labels (2-4 per class) follow the geometry.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from .deform import Similarity, random_deformation, random_similarity
from .primitives import (
    Shape, box, capsule, cone, cylinder, ellipsoid, icosphere, torus, uv_sphere,
)

__all__ = [
    "Shape", "SHAPE_CLASSES", "NUM_PARTS", "make_shape", "icosphere", "uv_sphere", "ellipsoid",
    "torus", "capsule", "cylinder", "cone", "box", "random_deformation", "random_similarity",
    "Similarity",
]

#: class names accepted by :func:`make_shape` (index = class label)
SHAPE_CLASSES: tuple[str, ...] = (
    "sphere", "ellipsoid", "torus", "capsule", "cylinder", "cone", "box",
)
#: number of part labels of each class, same order as :data:`SHAPE_CLASSES`
NUM_PARTS: tuple[int, ...] = (4, 3, 4, 3, 3, 3, 3)


def _level(resolution: int) -> int:
    return min(max(round(math.log2(max(resolution, 5) / 5)), 0), 5)


def _builders(
    resolution: int, u: Callable[[float, float], float]
) -> dict[str, Callable[[], Shape]]:
    """Class name -> zero-argument builder; ``u(lo, hi)`` draws a proportion."""
    lvl = _level(resolution)
    return {
        "sphere": lambda: icosphere(lvl),
        "ellipsoid": lambda: ellipsoid((1.0, u(0.5, 0.7), u(0.25, 0.4)), lvl),
        "torus": lambda: torus(u(0.6, 0.75), u(0.2, 0.3), resolution),
        "capsule": lambda: capsule(u(0.3, 0.4), u(0.35, 0.55), resolution),
        "cylinder": lambda: cylinder(u(0.45, 0.6), u(0.45, 0.7), resolution),
        "cone": lambda: cone(u(0.5, 0.7), u(1.1, 1.5), resolution),
        "box": lambda: box((u(0.7, 1.0), u(0.45, 0.7), u(0.3, 0.5)), resolution),
    }


def make_shape(
    name: str, resolution: int = 16, generator: torch.Generator | None = None, *,
    deform: bool = True, strength: float = 0.1, normalize: bool = True,
) -> Shape:
    """Build one labelled closed mesh of class ``name`` (see :data:`SHAPE_CLASSES`).

    Without ``generator`` the canonical shape (middle proportions, no deformation) is
    returned. With it, proportions are uniform in class ranges and, if ``deform``, a
    :func:`random_deformation` of ``strength`` is applied. ``normalize`` centres the
    vertices and scales them into the unit ball. Returns ``Shape(verts, faces, labels)``.
    """
    if name not in SHAPE_CLASSES:
        raise ValueError(f"unknown shape class {name!r}; choose one of {SHAPE_CLASSES}")
    if generator is None:
        u = lambda lo, hi: 0.5 * (lo + hi)  # noqa: E731
    else:
        u = lambda lo, hi: lo + (hi - lo) * float(torch.rand(1, generator=generator))  # noqa: E731
    verts, faces, labels = _builders(resolution, u)[name]()
    if generator is not None and deform:
        verts = random_deformation(verts, generator=generator, strength=strength)
    if normalize:
        verts = verts - verts.mean(0)
        verts = verts / verts.norm(dim=1).max()
    return Shape(verts, faces, labels)
