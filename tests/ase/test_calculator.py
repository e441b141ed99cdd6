"""ASE calculator: forces/stress vs finite differences, checkpoints, MD CLI, bad input."""
import numpy as np
import pytest
import torch
from ase import Atoms
from ase.build import bulk, molecule
from ase.calculators.fd import calculate_numerical_forces, calculate_numerical_stress

from symplugins.ase import CGEGNNCalculator, list_pretrained
from symplugins.models.potential.checkpoint import load_potential, save_potential
from symplugins.models.potential.energy import CGEGNNEnergy


@pytest.fixture(scope="module")
def potential():
    torch.manual_seed(0)
    return CGEGNNEnergy(["H", "C", "O"], r_max=3.0, hidden=4, layers=1, hops=2,
                        scales=0.05, shifts={"H": -10.0, "C": -40.0, "O": -60.0})


def test_forces_match_finite_differences(potential):
    atoms = molecule("CH3CH2OH")
    atoms.calc = CGEGNNCalculator(potential)
    np.testing.assert_allclose(atoms.get_forces()[:3], calculate_numerical_forces(
        atoms, eps=1e-5, iatoms=[0, 1, 2]), atol=1e-7)
    assert atoms.get_potential_energies().sum() == pytest.approx(atoms.get_potential_energy())


def test_periodic_stress_and_forces():
    torch.manual_seed(0)
    one_hop = CGEGNNEnergy(["C"], r_max=3.0, hidden=4, layers=1, hops=1, scales=0.05)
    atoms = bulk("C", "diamond", a=3.57)
    atoms.rattle(0.05, seed=1)
    atoms.calc = CGEGNNCalculator(one_hop)
    np.testing.assert_allclose(atoms.get_stress(), calculate_numerical_stress(atoms, eps=1e-5),
                               atol=1e-7)
    np.testing.assert_allclose(atoms.get_forces()[:1], calculate_numerical_forces(
        atoms, eps=1e-5, iatoms=[0]), atol=1e-7)
    big = atoms.repeat((2, 1, 1))  # periodic images: energy is extensive
    big.calc = CGEGNNCalculator(one_hop)
    assert big.get_potential_energy() == pytest.approx(2 * atoms.get_potential_energy(), abs=1e-8)


def test_small_cell_with_k_hop_paths_equals_supercell(potential):
    """hops=2 on a cell narrower than 2 r_max (one pair through several images): energy,
    forces and stress equal the 2x2x2 supercell's; forces and stress = -finite differences."""
    atoms = bulk("C", "diamond", a=3.57)
    atoms.rattle(0.05, seed=2)
    atoms.calc = CGEGNNCalculator(potential)
    big = atoms.repeat((2, 2, 2))
    big.calc = CGEGNNCalculator(potential)
    assert big.get_potential_energy() == pytest.approx(8 * atoms.get_potential_energy(), abs=1e-9)
    np.testing.assert_allclose(big.get_forces(), np.tile(atoms.get_forces(), (8, 1)), atol=1e-10)
    np.testing.assert_allclose(big.get_stress(), atoms.get_stress(), atol=1e-10)
    assert np.abs(atoms.get_forces()).max() > 1e-4
    np.testing.assert_allclose(atoms.get_forces(), calculate_numerical_forces(atoms, eps=1e-5),
                               atol=1e-7)
    np.testing.assert_allclose(atoms.get_stress(), calculate_numerical_stress(atoms, eps=1e-5),
                               atol=1e-7)


def test_checkpoint_round_trip(potential, tmp_path):
    path = save_potential(potential, tmp_path / "p.pt", note="test")
    ckpt = torch.load(path, weights_only=True)
    assert ckpt["metadata"] == {"note": "test"}
    a, b = molecule("CH3CH2OH"), molecule("CH3CH2OH")
    a.calc, b.calc = CGEGNNCalculator(potential), CGEGNNCalculator(str(path))
    assert a.get_potential_energy() == pytest.approx(b.get_potential_energy(), abs=1e-9)
    assert load_potential(path).type_names == ["H", "C", "O"]


@pytest.mark.parametrize("atoms,match", [
    (molecule("NH3"), r"element\(s\) \['N'\] not supported by this potential; it was trained "
                      r"on \['H', 'C', 'O'\]"),
    (Atoms(), "the Atoms object is empty"),
    (Atoms("CO", positions=[[0, 0, 0], [np.nan, 0, 0]]), "contains NaN"),
    (Atoms("CO", positions=[[0, 0, 0], [0.05, 0, 0]]), "atoms 0 and 1 overlap"),
])
def test_bad_structures(potential, atoms, match):
    atoms.calc = CGEGNNCalculator(potential)
    with pytest.raises(ValueError, match=match):
        atoms.get_potential_energy()


def test_pretrained_registry():
    with pytest.raises(ValueError, match="no pretrained potential named 'nope'; available"):
        CGEGNNCalculator.pretrained("nope")
    for name in list_pretrained():
        assert CGEGNNCalculator.pretrained(name).model.type_names


def test_md_cli_nve(potential, tmp_path):
    import json

    from symplugins.cli import main

    path = save_potential(potential, tmp_path / "p.pt")
    out = tmp_path / "md"
    assert main(["md", "ethanol", "--steps", "20", "--every", "5", "--potential", str(path),
                 "--out", str(out), "--device", "cpu"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["records"] == 5 and np.isfinite(summary["drift_meV_per_atom_per_ps"])
    assert summary["max_abs_dE_meV_per_atom"] < 5.0  # velocity Verlet, 0.5 fs, float64
    assert (out / "energy.png").stat().st_size > 0 and (out / "trajectory.extxyz").exists()
