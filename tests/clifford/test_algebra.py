"""CliffordAlgebra against the `clifford` package (independent oracle) and algebra laws."""
import pytest
import torch

from symplugins.clifford import CliffordAlgebra, Multivector, outermorphism
from symplugins.groups import random_o3

clifford = pytest.importorskip("clifford")

SIGNATURES = {"Cl(3,0)": (3, 0), "Cl(2,0)": (2, 0), "Cl(1,3)": (1, 3), "Cl(4,0)": (4, 0)}


def _oracle(p, q):
    layout, _ = clifford.Cl(p, q)
    return layout


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_geometric_product_matches_clifford(name):
    p, q = SIGNATURES[name]
    layout = _oracle(p, q)
    alg = CliffordAlgebra((1,) * p + (-1,) * q).double()
    assert [n if n else "1" for n in layout.names] == [n if n != "1" else "1" for n in alg.blade_names]
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(6, alg.dim, generator=gen, dtype=torch.float64)
    b = torch.randn(6, alg.dim, generator=gen, dtype=torch.float64)
    ours = alg.geometric_product(a, b)
    for k in range(6):
        ref = (layout.MultiVector(a[k].numpy()) * layout.MultiVector(b[k].numpy())).value
        torch.testing.assert_close(ours[k], torch.from_numpy(ref), atol=1e-12, rtol=1e-12)
        rev = (~layout.MultiVector(a[k].numpy())).value
        torch.testing.assert_close(alg.reverse(a[k]), torch.from_numpy(rev))
        inv = layout.MultiVector(a[k].numpy()).gradeInvol().value
        torch.testing.assert_close(alg.grade_involution(a[k]), torch.from_numpy(inv))
        conj = layout.MultiVector(a[k].numpy()).conjugate().value
        torch.testing.assert_close(alg.conjugate(a[k]), torch.from_numpy(conj))


def test_sparse_table_sizes():
    alg = CliffordAlgebra((1, 1, 1))
    assert (alg.dim, len(alg.left), alg.n_paths) == (8, 64, 20)
    assert CliffordAlgebra((1, 1, 0)).left.numel() < 64  # degenerate entries dropped


@pytest.mark.parametrize("metric", [(1, 1, 1), (1, -1, -1, -1), (1, 1, 1, 1, 1, 1)])
def test_laws(metric, dtype):
    alg = CliffordAlgebra(metric).to(dtype)
    a, b, c = torch.randn(3, 4, alg.dim).unbind(0)
    gp = alg.geometric_product
    tol = dict(atol=1e-4, rtol=1e-4) if dtype == torch.float32 else dict(atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(gp(gp(a, b), c), gp(a, gp(b, c)), **tol)  # associativity
    torch.testing.assert_close(alg.reverse(gp(a, b)), gp(alg.reverse(b), alg.reverse(a)), **tol)
    torch.testing.assert_close(alg.grade_involution(gp(a, b)), gp(alg.grade_involution(a), alg.grade_involution(b)), **tol)
    torch.testing.assert_close(alg.bilinear_form(a, b), gp(alg.reverse(a), b)[..., 0], **tol)
    assert gp(a, b).dtype == dtype


def test_forms_norms_embed_grades():
    alg = CliffordAlgebra((1, 1, 1)).double()
    v = torch.randn(5, 3, dtype=torch.float64)
    x = alg.embed(v, 1)
    assert x.shape == (5, 8)
    torch.testing.assert_close(alg.get_grade(x, 1), v)
    torch.testing.assert_close(alg.quadratic_form(x), (v * v).sum(-1))
    torch.testing.assert_close(alg.geometric_product(x, x)[..., 0], (v * v).sum(-1))
    s = alg.embed(torch.randn(5, dtype=torch.float64), 0)
    assert s.shape == (5, 8) and s[:, 1:].abs().max() == 0
    y = torch.randn(5, 8, dtype=torch.float64)
    norms = alg.grade_norms(y)
    torch.testing.assert_close(norms[:, 2], y[:, 4:7].norm(dim=-1))
    torch.testing.assert_close(sum(alg.grade_project(y, g) for g in range(4)), y)
    with pytest.raises(ValueError, match="'values'"):
        alg.embed(torch.randn(5, 2), 1)
    with pytest.raises(ValueError, match="'metric'"):
        CliffordAlgebra((1,) * 7)


def test_versor_action_is_outermorphism():
    alg = CliffordAlgebra((1, 1, 1)).double()
    gen = torch.Generator().manual_seed(3)
    n1, n2 = torch.nn.functional.normalize(torch.randn(2, 3, generator=gen, dtype=torch.float64), dim=-1)
    x = torch.randn(4, 8, generator=gen, dtype=torch.float64)
    ref1 = torch.eye(3, dtype=torch.float64) - 2 * torch.outer(n1, n1)
    ref2 = torch.eye(3, dtype=torch.float64) - 2 * torch.outer(n2, n2)
    out = alg.versor_action(alg.embed(n1), x)
    torch.testing.assert_close(out, Multivector().act(ref1, x))
    rotor = alg.geometric_product(alg.embed(n2), alg.embed(n1))  # reflect by n1 then n2
    torch.testing.assert_close(alg.versor_action(rotor, x), Multivector().act(ref2 @ ref1, x))


def test_outermorphism_is_homomorphism_and_automorphism():
    alg = CliffordAlgebra((1, 1, 1)).double()
    gen = torch.Generator().manual_seed(1)
    r1, r2 = random_o3(2, generator=gen)
    torch.testing.assert_close(outermorphism(r1 @ r2), outermorphism(r1) @ outermorphism(r2))
    a, b = torch.randn(2, 3, 8, generator=gen, dtype=torch.float64)
    rep = Multivector()
    torch.testing.assert_close(alg.geometric_product(rep.act(r1, a), rep.act(r1, b)),
                               rep.act(r1, alg.geometric_product(a, b)))
    refl = -torch.eye(3, dtype=torch.float64)
    assert outermorphism(refl)[7, 7] == -1 and outermorphism(refl)[4, 4] == 1


def test_tables_move_with_module():
    alg = CliffordAlgebra((1, 1, 1))
    assert alg.to(torch.float64).sign.dtype == torch.float64
    assert "sign" not in alg.state_dict()
    a = torch.randn(3, 8, dtype=torch.float32, requires_grad=True)
    alg.geometric_product(a, a).sum().backward()  # float32 input with float64 tables
    assert a.grad is not None
