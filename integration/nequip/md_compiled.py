"""MD with nequip's ASE calculator on the AOTI-compiled CG-EGNN; compare with eager checkpoint.

    python md_compiled.py WORK/cgegnn.nequip.pt2 WORK/train/last.ckpt

Also a periodic cell narrower than 2 r_max (k-hop reverse edges from cell shifts inside
the exported model): compiled vs eager, and compiled cell vs its 2x2x2 supercell.
"""
import json
import sys
import time

import numpy as np
import torch
from ase.md.verlet import VelocityVerlet
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase import units
from ase.build import bulk
from nequip.integrations.ase import NequIPCalculator

from symplugins.data import starting_geometry

compiled, checkpoint = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)
atoms = starting_geometry("ethanol")
calc = NequIPCalculator.from_compiled_model(compiled, device="cpu")
# eager reference rebuilt from the training checkpoint (nequip 0.19 names this loader
# with an underscore)
eager = NequIPCalculator._from_saved_model(checkpoint, device="cpu")
ref = atoms.copy()
atoms.calc, ref.calc = calc, eager
f_diff = float(np.abs(atoms.get_forces() - ref.get_forces()).max())
e_diff = abs(atoms.get_potential_energy() - ref.get_potential_energy())

def small_cell_check():
    """Diamond-like C cell (widths ~2.5 A): several images per atom pair."""
    cell = bulk("C", "diamond", a=3.57)
    cell.rattle(0.05, seed=0)
    big = cell.repeat((2, 2, 2))
    ref_cell = cell.copy()
    cell.calc, big.calc, ref_cell.calc = calc, calc, eager
    f1, e1 = cell.get_forces(), cell.get_potential_energy()
    return {"small_cell_atoms": len(cell),
            "small_cell_compiled_vs_eager_max_force_diff_eV_per_A":
                float(np.abs(f1 - ref_cell.get_forces()).max()),
            "small_cell_supercell_energy_diff_eV": abs(big.get_potential_energy() - 8 * e1),
            "small_cell_supercell_max_force_diff_eV_per_A":
                float(np.abs(big.get_forces() - np.tile(f1, (8, 1))).max())}


cell_out = small_cell_check()
MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(0))
Stationary(atoms)
dyn = VelocityVerlet(atoms, timestep=0.5 * units.fs)
etot = []
dyn.attach(lambda: etot.append(atoms.get_total_energy() / len(atoms)), interval=10)
t0 = time.time()
dyn.run(400)
ms = (time.time() - t0) / 400 * 1e3
etot = np.array(etot)
out = {"compiled_vs_eager_max_force_diff_eV_per_A": f_diff,
       "compiled_vs_eager_energy_diff_eV": e_diff, "nve_steps": 400, "timestep_fs": 0.5,
       "max_abs_dE_meV_per_atom": float(np.abs(etot - etot[0]).max() * 1e3),
       "final_temperature_K": float(atoms.get_temperature()), "ms_per_step": ms, **cell_out}
print(json.dumps(out, indent=2))
assert np.isfinite(etot).all() and f_diff < 1e-3
assert cell_out["small_cell_supercell_max_force_diff_eV_per_A"] < 1e-3
