"""``symplugins xtb``: generate an MD17-like GFN2-xTB dataset (extxyz, resumable)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "xtb", help="GFN2-xTB Langevin MD dataset of an MD17 molecule (extxyz, resumable)",
        description="Run GFN2-xTB (tblite) Langevin MD and append one labelled frame every "
                    "--every steps to --out. Re-running the same command after an "
                    "interruption continues where it stopped.")
    p.add_argument("molecule", help="ethanol, aspirin, malonaldehyde, uracil, benzene, "
                                    "toluene, naphthalene, salicylic_acid")
    p.add_argument("--out", required=True, help="output .extxyz file (appended to)")
    p.add_argument("--frames", type=int, default=1000, help="total frames wanted")
    p.add_argument("--every", type=int, default=10, help="MD steps between frames")
    p.add_argument("--temperature", type=float, default=500.0, help="kelvin")
    p.add_argument("--timestep", type=float, default=0.5, help="fs")
    p.add_argument("--friction", type=float, default=0.01, help="1/fs")
    p.add_argument("--equilibrate", type=int, default=200, help="steps before recording")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--structure", default=None, help="start from this file instead")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from symplugins.data import generate, read_frames

    structure = read_frames(args.structure, index=0) if args.structure else None
    path = generate(args.molecule, args.out, frames=args.frames, structure=structure,
                    temperature_K=args.temperature, timestep_fs=args.timestep,
                    every=args.every, friction_per_fs=args.friction,
                    equilibrate=args.equilibrate, seed=args.seed)
    print(f"{args.frames} frames in {path}")
    return 0
