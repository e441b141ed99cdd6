"""Median ms per MD step of AOTI-compiled nequip models in ASE, timed round-robin.

    python compare_compiled.py NAME=path.nequip.pt2 [NAME=path ...]

Each model gets its own ethanol copy and runs velocity Verlet (0.5 fs, 300 K start, 1 CPU
thread); steps of the models alternate, so load changes on a shared box hit all alike.
"""
import json
import sys
import time

import numpy as np
import torch
from ase import units
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.md.verlet import VelocityVerlet
from nequip.integrations.ase import NequIPCalculator

from symplugins.data import starting_geometry

torch.set_num_threads(1)
runs = {}
for arg in sys.argv[1:]:
    name, path = arg.split("=", 1)
    atoms = starting_geometry("ethanol")
    atoms.calc = NequIPCalculator.from_compiled_model(path, device="cpu")
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(0))
    runs[name] = (VelocityVerlet(atoms, timestep=0.5 * units.fs), [])
for rep in range(320):
    for name, (dyn, times) in runs.items():
        t0 = time.perf_counter()
        dyn.run(1)
        if rep >= 20:
            times.append(time.perf_counter() - t0)
out = {name: {"ms_per_step_median": 1e3 * float(np.median(t)), "ms_per_step_min": 1e3 * float(np.min(t)),
              "steps_timed": len(t)} for name, (_, t) in runs.items()}
print(json.dumps(out, indent=2))
