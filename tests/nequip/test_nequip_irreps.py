"""CG-EGNN nequip modules: multivector irreps (declared, checked, obeyed) and small periodic cells."""
import ase.build
import numpy as np
import pytest
import torch
from e3nn.o3 import Irreps
from nequip.data import AtomicDataDict, compute_neighborlist_, from_ase
from nequip.nn import SequentialGraphNetwork
from nequip.utils.global_state import set_global_state

from symplugins.clifford.multivector import outermorphism
from symplugins.groups import random_o3
from symplugins.models.potential.energy import CGEGNNEnergy
from symplugins.nequip import (
    CGEGNNMessagePassing, CGEGNNModel, CGEGNNReadout, blades_to_irreps, irreps_to_blades,
    multivector_irreps,
)

R_MAX = 3.0


def _model(hops=2, dtype="float64"):
    set_global_state()
    return CGEGNNModel(seed=3, model_dtype=dtype, type_names=["H", "C", "O"], r_max=R_MAX,
                       hidden=3, layers=2, hops=hops)


def _data(atoms):
    d = from_ase(atoms)
    d[AtomicDataDict.ATOM_TYPE_KEY] = torch.tensor(
        [["H", "C", "O"].index(s) for s in atoms.get_chemical_symbols()])
    return compute_neighborlist_(d, r_max=R_MAX)


def _small_cell():
    atoms = ase.build.bulk("C", "diamond", a=3.567)  # widths ~2.5 A < 2 r_max
    atoms.rattle(0.05, seed=0)
    return atoms


def test_e3nn_l1_basis_is_xyz():
    """Pins e3nn's l=1 basis (x, y, z), which the blade <-> irreps map relies on."""
    r = random_o3().double()
    torch.testing.assert_close(Irreps("1o").D_from_matrix(r), r)
    torch.testing.assert_close(Irreps("1e").D_from_matrix(r), torch.det(r) * r)


def test_blade_map_intertwines_outermorphism_and_wigner_d():
    """``blades_to_irreps(outermorphism(R) h) == D(R) blades_to_irreps(h)`` on O(3), reflections too."""
    h = torch.randn(5, 4, 8, dtype=torch.float64)
    irreps = multivector_irreps(4)
    assert irreps == Irreps("0e + 1o + 1e + 0o") * 4 and irreps.dim == 32
    for r in [random_o3().double() for _ in range(3)] + [-torch.eye(3, dtype=torch.float64)]:
        r = r if torch.det(r) < 0 else -r  # reflections: the parity-sensitive part
        lhs = blades_to_irreps(h @ outermorphism(r).T)
        torch.testing.assert_close(lhs, blades_to_irreps(h) @ irreps.D_from_matrix(r).T)
    torch.testing.assert_close(irreps_to_blades(blades_to_irreps(h)), h)
    # sensitivity partner: bivector coefficients (e12, e13, e23) stored as-is (no Hodge dual)
    def naive(x):
        return x.reshape(x.shape[0], -1)

    r = random_o3().double()
    err = naive(h @ outermorphism(r).T) - naive(h) @ irreps.D_from_matrix(r).T
    assert err.abs().max() > 1e-2


@pytest.mark.equivariance
def test_node_features_transform_as_declared_irreps(dtype):
    """The ``node_features`` field obeys ``D(R)`` of its declared irreps for R in O(3)."""
    model = _model(dtype=str(dtype).removeprefix("torch."))
    irreps = model.irreps_out[AtomicDataDict.NODE_FEATURES_KEY]
    assert irreps == multivector_irreps(3)
    atoms = ase.build.molecule("CH3CH2OH")
    atoms.rattle(0.05, seed=1)
    feats = model(_data(atoms))[AtomicDataDict.NODE_FEATURES_KEY].detach().double()
    assert feats.shape == (len(atoms), irreps.dim) and feats.abs().max() > 1e-3
    tol = 1e-9 if dtype == torch.float64 else 1e-4
    for _ in range(3):
        r = random_o3().double()
        r = r if torch.det(r) < 0 else -r
        moved = atoms.copy()
        moved.positions = atoms.positions @ r.numpy().T
        got = model(_data(moved))[AtomicDataDict.NODE_FEATURES_KEY].detach().double()
        want = feats @ irreps.D_from_matrix(r).T
        assert (got - want).abs().max() <= tol * (1 + feats.abs().max())
        # sensitivity partner: the same field read as plain vectors (1o for the bivectors)
        wrong = feats @ (Irreps("0e + 1o + 1o + 0e") * 3).D_from_matrix(r).T
        assert (got - wrong).abs().max() > 1e-3


def test_nequip_rejects_wrong_irreps_declaration():
    """nequip's irreps check catches a readout expecting other node-feature irreps."""
    set_global_state()
    energy = CGEGNNEnergy(["H", "C"], r_max=R_MAX, hidden=3, layers=1, hops=2)
    message = CGEGNNMessagePassing(energy)
    readout = CGEGNNReadout(energy, irreps_in=message.irreps_out)  # matching: accepted
    SequentialGraphNetwork({"cgegnn": message, "readout": readout})
    wrong = dict(message.irreps_out)
    wrong[AtomicDataDict.NODE_FEATURES_KEY] = Irreps("0e + 1o + 1o + 0e") * 3  # parity wrong
    with pytest.raises(ValueError, match="incompatible"):
        CGEGNNReadout(energy, irreps_in=wrong)
    other = CGEGNNEnergy(["H", "C"], r_max=R_MAX, hidden=4, layers=1, hops=2)
    with pytest.raises(AssertionError, match="Incompatible irreps_out"):  # 4 channels expected
        SequentialGraphNetwork({"cgegnn": message, "readout": CGEGNNReadout(other)})


def _energy_forces(model, atoms):
    out = model(_data(atoms))
    return (out[AtomicDataDict.TOTAL_ENERGY_KEY].detach().sum().item(),
            out[AtomicDataDict.FORCE_KEY].detach().numpy())


def test_small_periodic_cell_hops2_equals_supercell():
    """A cell narrower than 2 r_max (one pair through several images): E, F = supercell's."""
    model = _model(hops=2)
    atoms = _small_cell()
    d = _data(atoms)
    ei = d[AtomicDataDict.EDGE_INDEX_KEY]
    assert torch.unique(ei, dim=1).shape[1] < ei.shape[1]  # really ambiguous by node pair
    e1, f1 = _energy_forces(model, atoms)
    e8, f8 = _energy_forces(model, atoms.repeat((2, 2, 2)))
    assert abs(e8 - 8 * e1) <= 1e-9 * abs(e8) + 1e-10
    np.testing.assert_allclose(f8, np.tile(f1, (8, 1)), atol=1e-10)
    assert np.abs(f1).max() > 1e-4
    # forces = -dE/dx by central differences on the small cell itself
    h, fd = 1e-5, np.zeros_like(f1)
    for a in range(len(atoms)):
        for k in range(3):
            plus, minus = atoms.copy(), atoms.copy()
            plus.positions[a, k] += h
            minus.positions[a, k] -= h
            fd[a, k] = -(_energy_forces(model, plus)[0] - _energy_forces(model, minus)[0]) / (2 * h)
    np.testing.assert_allclose(f1, fd, atol=1e-6)
