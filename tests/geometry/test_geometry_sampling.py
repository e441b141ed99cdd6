"""Surface sampling: area weighting, points on faces, determinism, label transfer."""
import pytest
import torch

from symplugins.geometry import sample_surface, transfer_vertex_labels
from symplugins.geometry.primitives import box

# triangle 0 has area 0.5, triangle 1 has area 1.5 (3x)
VERTS = torch.tensor([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [5, 0, 0], [8, 0, 0], [5, 1, 0]])
FACES = torch.tensor([[0, 1, 2], [3, 4, 5]])


def test_area_weighting_statistics():
    s = sample_surface(VERTS, FACES, 20000, generator=torch.Generator().manual_seed(60221))
    frac = float((s.face_index == 1).double().mean())
    assert abs(frac - 0.75) < 4 * (0.75 * 0.25 / 20000) ** 0.5 + 1e-3   # ~4 sigma
    first = s.pos[s.face_index == 0]
    assert torch.allclose(first.mean(0), torch.tensor([1 / 3, 1 / 3, 0.0]), atol=0.02)


def test_samples_lie_on_their_faces(dtype):
    v, f, labels = box((0.5, 0.7, 0.9), resolution=8)
    s = sample_surface(v.to(dtype), f, 500, generator=torch.Generator().manual_seed(1414))
    assert s.pos.dtype == dtype and s.pos.shape == (500, 3)
    assert bool((s.barycentric >= 0).all())
    assert torch.allclose(s.barycentric.sum(1), torch.ones(500, dtype=dtype))
    corners = v.to(dtype)[f[s.face_index]]
    assert torch.allclose((s.barycentric[..., None] * corners).sum(1), s.pos)
    on_box = (s.pos.abs() / torch.tensor([0.5, 0.7, 0.9], dtype=dtype)).max(1).values
    assert torch.allclose(on_box, torch.ones(500, dtype=dtype), atol=1e-5)
    assert torch.allclose(s.normal.norm(dim=1), torch.ones(500, dtype=dtype))
    lab = transfer_vertex_labels(labels, f, s)
    assert lab.shape == (500,)
    top = s.pos[:, 2] > 0.9 - 1e-5
    assert bool((lab[top] == 2).all())


def test_sampling_deterministic_and_errors():
    a = sample_surface(VERTS, FACES, 10, generator=torch.Generator().manual_seed(5))
    b = sample_surface(VERTS, FACES, 10, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a.pos, b.pos) and torch.equal(a.face_index, b.face_index)
    with pytest.raises(ValueError, match="'num_samples' must be a positive integer"):
        sample_surface(VERTS, FACES, 0)
    with pytest.raises(ValueError, match="zero total area"):
        sample_surface(VERTS, torch.tensor([[0, 1, 1]]), 3)
