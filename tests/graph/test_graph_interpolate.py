"""knn_interpolate against a brute-force inverse-squared-distance reference."""
import pytest
import torch

from symplugins.graph import knn_interpolate


def reference(x, pos_x, pos_y, bx, by, k):
    out = []
    for i in range(pos_y.size(0)):
        cand = (bx == by[i]).nonzero().flatten()
        d2 = ((pos_x[cand].double() - pos_y[i].double()) ** 2).sum(1)
        order = d2.argsort()[:k]
        w = 1.0 / d2[order].clamp_min(1e-16)
        out.append((w[:, None] * x[cand[order]].double()).sum(0) / w.sum())
    return torch.stack(out)


def test_knn_interpolate_matches_reference(dtype):
    gen = torch.Generator().manual_seed(31415)
    bx = torch.tensor([0] * 9 + [1] * 2 + [2] * 6)
    by = torch.tensor([0] * 4 + [1] * 3 + [2] * 5)
    pos_x, pos_y = torch.randn(17, 3, generator=gen), torch.randn(12, 3, generator=gen)
    x = torch.randn(17, 4, generator=gen)
    out = knn_interpolate(x, pos_x, pos_y, bx, by, k=3)   # graph 1 has fewer than k points
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    assert out.shape == (12, 4) and out.dtype == dtype
    assert torch.allclose(out.double(), reference(x, pos_x, pos_y, bx, by, 3), atol=tol)


def test_knn_interpolate_reproduces_values_at_sources_and_has_grad():
    pos = torch.randn(10, 3, generator=torch.Generator().manual_seed(2718))
    x = torch.randn(10, 2, requires_grad=True)
    out = knn_interpolate(x, pos, pos, k=3)
    assert torch.allclose(out, x, atol=1e-5)
    out.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_knn_interpolate_errors():
    pos = torch.randn(5, 3)
    with pytest.raises(ValueError, match="'x' has 4 rows but 'pos_x' has 5"):
        knn_interpolate(torch.randn(4, 2), pos, pos)
    with pytest.raises(ValueError, match="no point of 'pos_x' in their graph"):
        knn_interpolate(torch.randn(5, 2), pos, pos[:2], torch.zeros(5, dtype=torch.long),
                        torch.tensor([0, 1]))
