"""Fused (per-output-blade) product kernel against the slow reference ``bilinear_entries``.

The kernels run uncompiled here (``"fused-eager"``: the same functions that ``"fused"`` hands
to ``torch.compile``); the compiled path is asserted equal in ``benchmarks/clifford_speed.py``.
"""
import pytest
import torch

from symplugins.cgegnn import CGEGNN
from symplugins.clifford import CliffordAlgebra
from symplugins.clifford.product import bilinear_entries
from symplugins.testing import random_batched_graph

METRICS = [(1, 1, 1), (1, -1, -1, -1), (1, 1, 0), (1, 1)]


def _reference(alg, a, b, w):
    coef = w[..., alg.path_of_entry] * alg.sign.to(w)
    return bilinear_entries(a, b, alg.left, alg.right, alg.out, coef, alg.dim)


@pytest.mark.parametrize("metric", METRICS)
def test_fused_matches_reference(metric, dtype):
    alg = CliffordAlgebra(metric).to(dtype).set_kernel("fused-eager")
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 5, 3, alg.dim, generator=gen, dtype=torch.float64).to(dtype).unbind(0)
    w = torch.randn(3, alg.n_paths, generator=gen, dtype=torch.float64).to(dtype)
    tol = dict(atol=1e-5, rtol=1e-5) if dtype == torch.float32 else dict(atol=1e-13, rtol=1e-13)
    torch.testing.assert_close(alg.weighted_product(a, b, w), _reference(alg, a, b, w), **tol)
    x = a[:, :1]  # broadcast left operand, unweighted product
    ref = bilinear_entries(x, b, alg.left, alg.right, alg.out, alg.sign.to(dtype), alg.dim)
    torch.testing.assert_close(alg.geometric_product(x, b), ref, **tol)


@pytest.mark.parametrize("kernel", ["sparse", "fused-eager"])
@pytest.mark.parametrize("metric", METRICS)
def test_blade_major_products_match_reference(metric, kernel):
    """``blade_major=True`` (``[dim, ..., C]``): same values as the blade-last reference."""
    alg = CliffordAlgebra(metric, kernel=kernel).double()
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 5, 3, alg.dim, generator=gen, dtype=torch.float64).unbind(0)
    w = torch.randn(3, alg.n_paths, generator=gen, dtype=torch.float64)
    bm = lambda t: t.movedim(-1, 0)  # noqa: E731
    got = alg.weighted_product(bm(a), bm(b), w, blade_major=True)
    torch.testing.assert_close(got.movedim(0, -1), _reference(alg, a, b, w), atol=1e-13, rtol=1e-13)
    x = a[:, :1]  # broadcast left operand over the channels
    ref = bilinear_entries(x, b, alg.left, alg.right, alg.out, alg.sign.double(), alg.dim)
    torch.testing.assert_close(alg.geometric_product(bm(x), bm(b), blade_major=True).movedim(0, -1), ref)
    # operands of different ranks broadcast like their blade-last views ([dim, rows, C] x [dim, C], [dim] x [dim])
    for x, y in ((bm(a), bm(b[0])), (bm(a[0, 0]), bm(b[0, 0])), (bm(a[:, :1]), bm(b[0]))):
        want = alg.geometric_product(x.movedim(0, -1), y.movedim(0, -1))
        torch.testing.assert_close(alg.geometric_product(x, y, blade_major=True).movedim(0, -1), want)
    for g in range(alg.n_grades):  # grade quadratics in both layouts
        torch.testing.assert_close(alg.grade_quadratic(bm(a), blade_major=True)[g], alg.grade_quadratic(a)[..., g])


def test_blade_major_fused_gradients_first_and_second_order():
    alg = CliffordAlgebra((1, 1, 1)).double().set_kernel("fused-eager")
    gen = torch.Generator().manual_seed(1)
    a, b = (torch.randn(8, 2, 2, generator=gen, dtype=torch.float64, requires_grad=True) for _ in range(2))
    w = torch.randn(2, alg.n_paths, generator=gen, dtype=torch.float64, requires_grad=True)
    fn = lambda a, b, w: alg.weighted_product(a, b, w, blade_major=True)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (a, b, w))
    small = (a[:, :1, :1].detach().requires_grad_(), b[:, :1, :1].detach().requires_grad_(),
             w[:1].detach().requires_grad_())
    assert torch.autograd.gradgradcheck(fn, small)


def test_fused_gradients_first_and_second_order():
    alg = CliffordAlgebra((1, 1, 1)).double().set_kernel("fused-eager")
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(2, 2, 8, generator=gen, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, 2, 8, generator=gen, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, alg.n_paths, generator=gen, dtype=torch.float64, requires_grad=True)
    x = torch.randn(2, 1, 8, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(alg.weighted_product, (a, b, w))
    small = (a[:1, :1].detach().requires_grad_(), b[:1, :1].detach().requires_grad_(), w[:1].detach().requires_grad_())
    assert torch.autograd.gradgradcheck(alg.weighted_product, small)
    assert torch.autograd.gradcheck(alg.geometric_product, (x, b))
    grads = torch.autograd.grad(alg.weighted_product(a, b, w).square().sum(), (a, b, w))
    ref = torch.autograd.grad(_reference(alg, a, b, w).square().sum(), (a, b, w))
    for g, r in zip(grads, ref):
        torch.testing.assert_close(g, r, atol=1e-12, rtol=1e-12)


def test_kernel_option_validated_and_in_repr():
    with pytest.raises(ValueError, match="'kernel' must be one of"):
        CliffordAlgebra((1, 1, 1), kernel="dense")
    with pytest.raises(ValueError, match="'kernel' must be one of"):
        CGEGNN(1, 0, 4, 1, 0, kernel="triton")
    assert "kernel='fused'" in repr(CliffordAlgebra((1, 1, 1), kernel="fused"))


@pytest.mark.parametrize("hops", [1, 2])
def test_cgegnn_same_outputs_and_forces_with_fused_kernel(hops):
    torch.manual_seed(0)
    model = CGEGNN(2, 1, 4, 1, 1, layers=2, hops=hops).double()
    pos, ei, batch = random_batched_graph((4, 3), dtype=torch.float64)
    pos.requires_grad_(True)
    s, v = torch.randn(pos.shape[0], 2, dtype=torch.float64), torch.randn(pos.shape[0], 1, 3, dtype=torch.float64)

    def run(kernel):
        model.algebra.set_kernel(kernel)
        scal, vec = model(s, v, pos, ei, batch)
        forces, = torch.autograd.grad(scal.sum(), pos, create_graph=True)
        return scal, vec, forces, torch.autograd.grad(forces.square().sum(), model.embed.weight)[0]

    for got, ref in zip(run("fused-eager"), run("sparse")):
        torch.testing.assert_close(got, ref, atol=1e-11, rtol=1e-11)


def test_fused_kernel_small_calls_run_the_sparse_code():
    """Below ``FUSED_MIN_ROWS`` multivectors ``"fused"`` takes the eager sparse path (no compile)."""
    alg = CliffordAlgebra((1, 1, 1), kernel="fused").double()
    a, b = torch.randn(2, 3, 3, 8, dtype=torch.float64).unbind(0)
    w = torch.randn(3, alg.n_paths, dtype=torch.float64)
    assert a.numel() // alg.dim < alg.FUSED_MIN_ROWS
    torch.testing.assert_close(alg.weighted_product(a, b, w), _reference(alg, a, b, w), atol=1e-13, rtol=1e-13)
