"""Checks of the shipped CG-EGNN ethanol potential: xTB force MAE and NVE energy conservation.

    python benchmarks/ethanol_potential.py [--steps 2000]

1. Force/energy MAE against fresh GFN2-xTB labels (tblite, recomputed here) on ethanol
   configurations the potential never saw: separate xTB Langevin runs at 300 K (seed 1)
   and 500 K (seed 2) (``benchmarks/data/make_xtb.sh``).
2. NVE (velocity Verlet, float64, start at 300 K) with dt and 2 dt: max |E(t) - E(0)| per
   atom, linear drift, and the error ratio max|dE|(2 dt) / max|dE|(dt) (about 4 for a
   second-order integrator on a smooth potential).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import stamp, write_results  # noqa: E402

from symplugins.adapters.ase.md import run_md  # noqa: E402
from symplugins.ase import CGEGNNCalculator  # noqa: E402
from symplugins.data import evaluate, label, read_frames, starting_geometry  # noqa: E402

DATA = HERE / "data" / "xtb"


def force_errors(name: str) -> dict:
    out = {}
    for tag, file in (("300K", "ethanol_300K_test.extxyz"), ("500K", "ethanol_500K_test.extxyz")):
        frames = read_frames(DATA / file)
        e_ref, f_ref = label(frames)
        e, f = evaluate(frames, CGEGNNCalculator.pretrained(name))
        de = e - e_ref
        out[tag] = {"frames": len(frames),
                    "force_mae_meV_per_A": float(np.abs(f - f_ref).mean() * 1e3),
                    "energy_mae_meV": float(np.abs(de - de.mean()).mean() * 1e3),
                    "energy_offset_meV": float(de.mean() * 1e3)}
    return out


def nve(name: str, steps: int, dt: float) -> dict:
    atoms = starting_geometry("ethanol")
    atoms.calc = CGEGNNCalculator.pretrained(name, dtype=torch.float64)
    t0 = time.time()
    log = run_md(atoms, steps=steps, timestep_fs=dt, temperature_K=300, ensemble="nve",
                 every=5, progress=False)
    return {"timestep_fs": dt, "steps": steps, **log.summary(),
            "ms_per_step": (time.time() - t0) / steps * 1e3}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--potential", default="ethanol-xtb")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--dt", type=float, default=0.25)
    args = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    errors = force_errors(args.potential)
    runs = [nve(args.potential, args.steps, args.dt),
            nve(args.potential, args.steps // 2, 2 * args.dt)]
    ratio = runs[1]["max_abs_dE_meV_per_atom"] / runs[0]["max_abs_dE_meV_per_atom"]
    data = {**stamp(), "potential": args.potential, "force_errors": errors, "nve": runs,
            "error_ratio_2dt_over_dt": ratio, "wall_s": time.time() - t0}
    rows = "\n".join(
        f"| {r['timestep_fs']:g} | {r['steps']} | {r['max_abs_dE_meV_per_atom']:.4f} | "
        f"{r['drift_meV_per_atom_per_ps']:+.4f} | {r['mean_temperature_K']:.0f} | "
        f"{r['ms_per_step']:.1f} |" for r in runs)
    md = f"""## Shipped CG-EGNN ethanol potential (`{args.potential}`): xTB accuracy and NVE

Force MAE vs fresh GFN2-xTB labels on unseen ethanol configurations (separate xTB Langevin
runs, 200 frames each): **300 K: {errors['300K']['force_mae_meV_per_A']:.1f} meV/A**,
**500 K: {errors['500K']['force_mae_meV_per_A']:.1f} meV/A** (goal < 30). Energy MAE after
removing the mean offset: {errors['300K']['energy_mae_meV']:.1f} / {errors['500K']['energy_mae_meV']:.1f} meV.

NVE, velocity Verlet, float64, ethanol from the g2 geometry with 300 K Maxwell-Boltzmann
velocities (same total time for both steps):

| dt (fs) | steps | max abs dE (meV/atom) | drift (meV/atom/ps) | mean T (K) | ms/step |
|---|---|---|---|---|---|
{rows}

Error ratio max|dE|(2 dt) / max|dE|(dt) = **{ratio:.2f}** (4 expected for velocity Verlet).

Command: `{data['command']}`; hardware: {data['hardware']}; wall {data['wall_s']:.0f} s.
"""
    write_results("cgegnn_ethanol_potential", data, md)
    print(md)


if __name__ == "__main__":
    main()
