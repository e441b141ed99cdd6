"""Procedural shapes: closed, outward oriented, labelled, deterministic; deformations."""
import math

import pytest
import torch

from symplugins.geometry import (
    NUM_PARTS, SHAPE_CLASSES, euler_characteristic, face_areas, is_closed, make_shape,
    random_deformation, random_similarity, signed_volume, validate_mesh,
)
from symplugins.geometry import primitives as P

PRIMITIVES = {
    "icosphere": (P.icosphere, 2), "uv_sphere": (P.uv_sphere, 2), "torus": (P.torus, 0),
    "capsule": (P.capsule, 2), "cylinder": (P.cylinder, 2), "cone": (P.cone, 2),
    "box": (P.box, 2), "ellipsoid": (P.ellipsoid, 2),
}


@pytest.mark.parametrize("name", PRIMITIVES)
def test_primitive_closed_outward_labelled(name):
    build, euler = PRIMITIVES[name]
    verts, faces, labels = build()
    validate_mesh(verts, faces)                        # no degenerate faces, indices valid
    assert is_closed(faces)                            # every edge in exactly two faces
    assert euler_characteristic(verts.size(0), faces) == euler
    assert float(signed_volume(verts, faces)) > 0      # outward orientation
    assert labels.shape == (verts.size(0),) and labels.dtype == torch.long
    assert 2 <= labels.unique().numel() <= 4
    assert verts.dtype == torch.get_default_dtype() and faces.dtype == torch.long


def test_volumes_match_formulas():
    assert math.isclose(float(signed_volume(*P.box((0.5, 1.0, 1.5))[:2])), 6.0, rel_tol=1e-6)
    v, f, _ = P.icosphere(4)
    assert math.isclose(float(signed_volume(v, f)), 4 * math.pi / 3, rel_tol=0.01)
    v, f, _ = P.torus(0.7, 0.2, resolution=64)
    assert math.isclose(float(signed_volume(v, f)), 2 * math.pi ** 2 * 0.7 * 0.04, rel_tol=0.02)


def test_resolution_controls_size_and_bad_values():
    assert P.icosphere(1).verts.size(0) == 42 and P.icosphere(3).verts.size(0) == 642
    assert P.torus(resolution=8).verts.size(0) < P.torus(resolution=32).verts.size(0)
    with pytest.raises(ValueError, match="'resolution' must be an integer >= 3"):
        P.cylinder(resolution=2)
    with pytest.raises(ValueError, match="need 0 < minor < major"):
        P.torus(0.2, 0.5)
    with pytest.raises(ValueError, match="unknown shape class 'teapot'"):
        make_shape("teapot")


@pytest.mark.parametrize("name", SHAPE_CLASSES)
def test_make_shape_random_is_deterministic_closed_and_normalised(name):
    a = make_shape(name, resolution=12, generator=torch.Generator().manual_seed(8675309))
    b = make_shape(name, resolution=12, generator=torch.Generator().manual_seed(8675309))
    c = make_shape(name, resolution=12, generator=torch.Generator().manual_seed(11))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a.verts, c.verts)
    assert torch.isfinite(a.verts).all() and float(a.verts.norm(dim=1).max()) == pytest.approx(1)
    assert is_closed(a.faces) and float(signed_volume(a.verts, a.faces)) > 0
    assert float(face_areas(a.verts, a.faces).min()) > 0
    assert a.labels.unique().numel() == NUM_PARTS[SHAPE_CLASSES.index(name)]


def test_random_deformation_smooth_and_finite(dtype):
    verts = P.icosphere(2).verts.to(dtype)
    gen = torch.Generator().manual_seed(271828)
    out = random_deformation(verts, generator=gen, strength=0.2)
    assert out.dtype == dtype and out.shape == verts.shape and torch.isfinite(out).all()
    assert 0 < float((out - verts).norm(dim=1).max()) < 0.6
    assert torch.equal(random_deformation(verts, strength=0.0), verts)
    with pytest.raises(ValueError, match="'strength' must lie in"):
        random_deformation(verts, strength=2.0)


@pytest.mark.parametrize("rotation", ["so3", "z", "none"])
def test_random_similarity(rotation, dtype):
    verts = torch.randn(20, 3, generator=torch.Generator().manual_seed(1618))
    out, rot, t, s = random_similarity(verts, generator=torch.Generator().manual_seed(3),
                                       rotation=rotation)
    assert torch.allclose(rot @ rot.t(), torch.eye(3), atol=1e-6)
    assert math.isclose(float(torch.linalg.det(rot)), 1.0, rel_tol=1e-6) and 0.8 <= s <= 1.25
    assert torch.allclose(torch.cdist(out, out), s * torch.cdist(verts, verts), atol=1e-4)
    if rotation == "z":
        assert torch.allclose(out[:, 2], s * verts[:, 2] + t[2], atol=1e-5)
    with pytest.raises(ValueError, match="'rotation' must be 'so3', 'z' or 'none'"):
        random_similarity(verts, rotation="x")
