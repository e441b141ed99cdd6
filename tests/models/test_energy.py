"""CG-EGNN energy model: symmetry, forces = -grad E, smooth cutoff, bad input."""
import pytest
import torch

from symplugins.groups import NodeAxis, Point, Vector
from symplugins.models.potential.cutoff import polynomial_envelope, radius_edges
from symplugins.models.potential.energy import CGEGNNEnergy
from symplugins.models.potential.forces import energy_and_forces
from symplugins.testing import (
    assert_equivariant, assert_invariant, assert_permutation_equivariant, assert_sensitive,
)

# ethanol-like: 2 C, 1 O, 6 H (types H=0, C=1, O=2)
TYPES = torch.tensor([1, 1, 2, 0, 0, 0, 0, 0, 0])
POS = [[0.0, 0.0, 0.0], [1.52, 0.0, 0.0], [2.0, 1.35, 0.0], [-0.4, 1.0, 0.1],
       [-0.4, -0.5, 0.9], [-0.4, -0.5, -0.9], [1.9, -0.5, 0.9], [1.9, -0.5, -0.9], [2.9, 1.4, 0.2]]


def model(hops=2, **kw):
    torch.manual_seed(0)
    return CGEGNNEnergy(["H", "C", "O"], r_max=2.5, hidden=4, layers=2, hops=hops,
                        scales=0.5, shifts={"H": -1.0, "C": -2.0, "O": -3.0}, **kw)


def pos(dtype=None):
    return torch.tensor(POS, dtype=dtype or torch.get_default_dtype())


@pytest.mark.equivariance
def test_energy_e3_invariant(dtype):
    m = model()
    assert_invariant(lambda x: m(TYPES, x), (pos(),), (Point(),), group="E3")
    assert_sensitive(lambda x: m(TYPES, x), (pos(),), transform=lambda a: (a[0] * 1.1,))


@pytest.mark.equivariance
@pytest.mark.parametrize("mlp_products", [1, 2])
def test_forces_e3_equivariant(dtype, mlp_products):
    m = model(mlp_products=mlp_products)
    f = lambda x: energy_and_forces(m, TYPES, x)["forces"]  # noqa: E731
    assert_equivariant(f, (pos(),), (Point(),), (Vector(),), group="E3")
    shear = torch.eye(3, dtype=dtype)
    shear[0, 1] = 0.3
    assert_sensitive(f, (pos(),), transform=lambda a: (a[0] @ shear,))


@pytest.mark.equivariance
def test_energy_permutation_invariant(dtype):
    m = model()
    assert_permutation_equivariant(lambda t, x: m(t, x), (TYPES, pos()),
                                   (NodeAxis(), NodeAxis()), (None,), num_nodes=9)
    swap = lambda a: (a[0].flip(0), a[1])  # noqa: E731  (types relabelled, not permuted)
    assert_sensitive(lambda t, x: m(t, x), (TYPES, pos()), transform=swap)


def test_forces_are_minus_finite_difference_gradient():
    m = model().double()
    x = pos(torch.float64)
    f = energy_and_forces(m, TYPES, x)["forces"]
    h, num = 1e-5, torch.zeros_like(x)
    for i in (0, 2, 5):
        for k in range(3):
            xp, xm = x.clone(), x.clone()
            xp[i, k] += h
            xm[i, k] -= h
            num[i, k] = -(m(TYPES, xp) - m(TYPES, xm)).item() / (2 * h)
    idx = [0, 2, 5]
    torch.testing.assert_close(f[idx], num[idx], atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("hops", [1, 2])
def test_smooth_at_cutoff(hops):
    """Energy and force are continuous as the third atom crosses r_max (3 atoms: 2-hop paths)."""
    m = model(hops=hops).double()
    types = torch.tensor([1, 2, 0])

    def ef(r):
        x = torch.tensor([[0.0, 0.0, 0.0], [1.2, 0.0, 0.0], [1.2 + r, 0.3, 0.0]], dtype=torch.float64)
        out = energy_and_forces(m, types, x)
        return out["energy"].item(), out["forces"][2].norm().item()

    r_max = (2.5 ** 2 - 0.3 ** 2) ** 0.5  # distance 1-2 equals r_max here
    e_out, f_out = ef(r_max + 1e-3)
    (e1, f1), (e2, f2) = ef(r_max - 1e-2), ef(r_max - 1e-3)
    assert f_out < 1e-12 and abs(e2 - e_out) < 1e-7 and f2 < 1e-4
    # u ~ (1 - r/r_max)^3: energy gap shrinks ~1000x, force ~100x per decade
    assert abs(e1 - e_out) / abs(e2 - e_out) > 300 and f1 / f2 > 30
    assert abs(ef(r_max - 0.5)[0] - e_out) > 1e-6  # the neighbour does matter inside


def test_envelope_and_radius_graph():
    x = torch.linspace(0, 1.2, 13, dtype=torch.float64)
    u = polynomial_envelope(x)
    assert u[0] == 1 and (u[10:] == 0).all() and (u[:10] > 0).all()
    ei = radius_edges(pos(torch.float64), 1.6)
    d = (pos(torch.float64)[ei[0]] - pos(torch.float64)[ei[1]]).norm(dim=-1)
    assert (d < 1.6).all() and ei.shape[1] % 2 == 0


def test_isolated_atom_energy_is_shift():
    m = model()
    for t, shift in enumerate([-1.0, -2.0, -3.0]):
        e = m(torch.tensor([t]), torch.zeros(1, 3))
        assert torch.allclose(e, torch.tensor([shift]), atol=1e-6)


def test_dtype_cast():
    m = model().to(torch.float64)
    assert m(TYPES, pos(torch.float32)).dtype == torch.float64


@pytest.mark.parametrize("types,x,match", [
    (torch.zeros(0, dtype=torch.long), torch.zeros(0, 3), "empty"),
    (TYPES, torch.tensor(POS).index_fill(0, torch.tensor([2]), float("nan")), "non-finite"),
    (torch.tensor([0, 1, 7]), torch.eye(3) * 2, r"only knows 3 types \['H', 'C', 'O'\]"),
    (torch.tensor([0, 1]), torch.tensor([[0.0, 0, 0], [0.1, 0, 0]]), "atoms 0 and 1 overlap"),
])
def test_bad_input(types, x, match):
    with pytest.raises(ValueError, match=match):
        model()(types, x)


def test_bad_config():
    with pytest.raises(ValueError, match="'shifts' has no value for type"):
        CGEGNNEnergy(["H", "C"], shifts={"H": 1.0})
    with pytest.raises(ValueError, match="unique"):
        CGEGNNEnergy(["H", "H"])


def test_isolated_cache_only_for_frozen_eval_and_invalidated_by_updates():
    m = model().eval()
    trainable = m(TYPES, pos())
    m.requires_grad_(False)
    first, again = m(TYPES, pos()), m(TYPES, pos())   # second call uses the cached eps^0
    assert "_eps0_cache" in m.__dict__
    torch.testing.assert_close(first, trainable)
    torch.testing.assert_close(again, trainable)
    with torch.no_grad():                            # any in-place update invalidates it
        for p in m.core.parameters():
            p.mul_(1.05)
    changed = m(TYPES, pos())
    m.__dict__.pop("_eps0_cache")
    torch.testing.assert_close(changed, m(TYPES, pos()))
    assert not torch.allclose(changed, trainable)


def test_frozen_model_traces_the_same_graph_for_any_size():
    """make_fx (what nequip-compile's AOTInductor export traces with) must not bake the eps^0
    cache of the first trace into the second: nequip traces twice and refuses differing graphs."""
    from torch.fx.experimental.proxy_tensor import make_fx
    m = model(hops=1).eval().requires_grad_(False)

    def energy(types, x, ei):
        return m.per_atom_energy(types, x, ei, x[ei[0]] - x[ei[1]])

    codes = []
    for n in (9, 6):
        i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        ei = torch.stack([j[i != j], i[i != j]])
        gm = make_fx(energy, tracing_mode="symbolic", _allow_non_fake_inputs=True)(TYPES[:n], pos()[:n], ei)
        torch.testing.assert_close(gm(TYPES[:n], pos()[:n], ei), energy(TYPES[:n], pos()[:n], ei))
        codes.append(gm.code)
    assert codes[0] == codes[1]


def test_mlp_products_survive_a_checkpoint(tmp_path):
    """``mlp_products`` is part of the stored config: the reloaded potential has the same depth and energies."""
    from symplugins.models.potential.checkpoint import load_potential, save_potential

    deep = model(mlp_products=2)
    assert sum(p.numel() for p in deep.parameters()) > sum(p.numel() for p in model().parameters())
    back = load_potential(save_potential(deep, tmp_path / "p.pt"))
    assert back.config["mlp_products"] == 2 and "mlp_products=2" in repr(back)
    torch.testing.assert_close(back(TYPES, pos()), deep.eval()(TYPES, pos()))
