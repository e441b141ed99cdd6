import torch

from symplugins.groups import (
    E3, O3, SO3, Isometry, NodeAxis, NodeIndex, Permutation, Point, Pseudoscalar, Pseudovector,
    Vector, random_o3, random_rotation,
)


def test_random_rotation_is_rotation(dtype):
    r = random_rotation(64, generator=torch.Generator().manual_seed(3), dtype=dtype)
    assert r.dtype == dtype and r.shape == (64, 3, 3)
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert torch.allclose(r @ r.transpose(1, 2), torch.eye(3, dtype=dtype).expand(64, 3, 3), atol=tol)
    assert torch.allclose(torch.linalg.det(r), torch.ones(64, dtype=dtype), atol=tol)


def test_random_rotation_is_uniform():
    # Haar measure: E[R] = 0 and E[trace R] = 0
    r = random_rotation(20000, generator=torch.Generator().manual_seed(0))
    assert r.mean(0).abs().max() < 0.03
    assert abs(float(r.diagonal(dim1=1, dim2=2).sum(-1).mean())) < 0.03


def test_random_o3_reflections():
    r = random_o3(1000, generator=torch.Generator().manual_seed(1))
    det = torch.linalg.det(r)
    assert torch.allclose(det.abs(), torch.ones(1000, dtype=torch.float64))
    assert 0.4 < float((det < 0).double().mean()) < 0.6
    assert torch.linalg.det(random_o3(reflect=True)) < 0


def test_test_elements_include_reflections():
    dets = [float(torch.linalg.det(g)) for _, g in O3().test_elements(4)]
    assert min(dets) < 0 < max(dets)
    assert all(float(torch.linalg.det(g)) > 0 for _, g in SO3().test_elements(4))
    assert all(isinstance(g, Isometry) for _, g in E3().test_elements(2))


def test_reps_actions():
    g = random_o3(reflect=True, generator=torch.Generator().manual_seed(2))
    x = torch.randn(4, 3, dtype=torch.float64)
    assert torch.allclose(Vector().act(g, x), x @ g.T)
    assert torch.allclose(Pseudovector().act(g, x), -(x @ g.T))
    assert torch.allclose(Pseudoscalar().act(g, torch.ones(2, dtype=torch.float64)), -torch.ones(2, dtype=torch.float64))
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    assert torch.allclose(Point().act(Isometry(g, t), x), x @ g.T + t)
    assert torch.allclose(Vector().act(Isometry(g, t), x), x @ g.T)
    # cross product of vectors is a pseudovector
    a, b = torch.randn(2, 3, dtype=torch.float64)
    assert torch.allclose(torch.linalg.cross(a @ g.T, b @ g.T), Pseudovector().act(g, torch.linalg.cross(a, b)))


def test_permutation_reps_and_batch():
    batch = torch.tensor([0, 0, 0, 1, 1, 2])
    grp = Permutation(6, batch)
    for _ in range(5):
        p = grp.sample()
        assert not torch.equal(p.perm, torch.arange(6))
        assert torch.equal(batch[p.perm], batch)  # stays inside graphs
    x = torch.arange(6.0)
    edge = torch.tensor([[0, 1], [2, 0]])
    perm = p.perm
    xp, ep = NodeAxis(0).act(p, x), NodeIndex().act(p, edge)
    # the edge (0 -> 2) now connects the same nodes under new labels
    assert torch.equal(xp[ep], x[edge])
    assert torch.equal(Vector().act(p, torch.ones(2, 3)), torch.ones(2, 3))
    assert torch.equal(perm[p.inverse], torch.arange(6))
