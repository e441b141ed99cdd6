"""``symplugins md``: ASE molecular dynamics with a shipped CG-EGNN potential.

    symplugins md ethanol --steps 2000 --temperature 300 --ensemble nve

writes ``<out>/trajectory.extxyz``, ``<out>/energy.png`` (energies and temperature) and
``<out>/summary.json`` (energy drift in meV/atom/ps, max |dE| per atom, mean temperature).
"""
from __future__ import annotations

import argparse

from ._device import add_device_argument, torch_device


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("md", help="molecular dynamics with a shipped CG-EGNN potential (ASE)",
                       description="Run NVE or Langevin MD of a molecule with a CG-EGNN "
                                   "potential and report energy conservation.")
    p.add_argument("molecule", nargs="?", default="ethanol",
                   help="MD17 molecule name (ethanol, ...) used for the starting geometry")
    p.add_argument("--structure", default=None, help="start from this file (xyz, extxyz, ...)")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--temperature", type=float, default=300.0, help="initial / bath T (K)")
    p.add_argument("--ensemble", choices=("nve", "langevin"), default="nve")
    p.add_argument("--timestep", type=float, default=0.5, help="fs")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--potential", default="ethanol-xtb",
                   help="shipped potential name (see symplugins.ase.list_pretrained()) or a "
                        "checkpoint path")
    p.add_argument("--every", type=int, default=10, help="record every N steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (1 is fastest for small molecules)")
    p.add_argument("--out", default=None, help="output folder (default md-<molecule>)")
    add_device_argument(p)
    p.set_defaults(func=run)


def _structure(args: argparse.Namespace):
    if args.structure:
        from ase.io import read

        return read(args.structure, index=0)
    from symplugins.data.molecules import starting_geometry

    return starting_geometry(args.molecule)


def _calculator(args: argparse.Namespace, device):
    import os

    import torch

    from symplugins.ase import CGEGNNCalculator

    dtype = getattr(torch, args.dtype)
    if os.path.exists(args.potential):
        return CGEGNNCalculator(args.potential, dtype=dtype, device=device)
    return CGEGNNCalculator.pretrained(args.potential, dtype=dtype, device=device)


def plot(log, path, title: str) -> None:
    """Energies (per atom, relative to the start) and temperature vs time, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    t, n = np.asarray(log.time_ps), log.n_atoms
    epot, ekin = np.asarray(log.epot), np.asarray(log.ekin)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    for y, label in ((epot + ekin, "total"), (epot, "potential"), (ekin, "kinetic")):
        ax1.plot(t, (y - y[0]) / n * 1e3, label=label)
    ax1.set_ylabel("E - E(0) (meV/atom)")
    ax1.legend()
    ax1.set_title(title)
    ax2.plot(t, log.temperature, color="C3")
    ax2.set_xlabel("time (ps)")
    ax2.set_ylabel("temperature (K)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    import torch

    from symplugins.adapters.ase.md import run_md

    device = torch_device(args.device)  # before anything is loaded: a bad --device fails first
    torch.set_num_threads(max(1, args.threads))
    atoms = _structure(args)
    atoms.calc = _calculator(args, device)
    out = Path(args.out or f"md-{args.molecule}")
    out.mkdir(parents=True, exist_ok=True)
    log = run_md(atoms, steps=args.steps, timestep_fs=args.timestep,
                 temperature_K=args.temperature, ensemble=args.ensemble, seed=args.seed,
                 every=args.every, trajectory=out / "trajectory.extxyz")
    summary = {"molecule": args.molecule, "structure": args.structure,
               "potential": args.potential, "ensemble": args.ensemble, "steps": args.steps,
               "timestep_fs": args.timestep, "temperature_K": args.temperature,
               "dtype": args.dtype, **log.summary()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    plot(log, out / "energy.png", f"{atoms.get_chemical_formula()} {args.ensemble} "
                                  f"{args.timestep:g} fs ({args.potential})")
    print(f"{args.ensemble.upper()} {args.steps} steps x {args.timestep:g} fs, {len(atoms)} atoms")
    if args.ensemble == "nve":
        print(f"  energy drift     {summary['drift_meV_per_atom_per_ps']:+.4f} meV/atom/ps")
    print(f"  max |dE|/atom    {summary['max_abs_dE_meV_per_atom']:.4f} meV")
    print(f"  mean temperature {summary['mean_temperature_K']:.1f} K")
    print(f"  wrote {out / 'trajectory.extxyz'}, {out / 'energy.png'}, {out / 'summary.json'}")
    return 0
