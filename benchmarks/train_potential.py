"""Train the shipped CG-EGNN potential on GFN2-xTB ethanol (Lightning, resumable).

    python benchmarks/data/make_xtb.sh            # xTB datasets (a few minutes)
    python benchmarks/train_potential.py           # -> symplugins/pretrained/cgegnn-ethanol-xtb.pt

The defaults are the shipped potential's recipe (hops 1, hidden 32, 2 layers, 1800 frames,
10,000 Adam steps of batch 16, one-cycle lr 5e-3): 80 min (4,784 s) on one thread of the
shared 2-core box.

Data: 500 K xTB Langevin trajectory (seed 0), random split (seed) into train / val / test;
two unseen trajectories (300 K seed 1, 500 K seed 2) for the force MAE check. The model is
trained in float32 and shipped with its config, per-type scale/shift and test errors in the
checkpoint metadata (``torch.load(weights_only=True)``). Interrupt and re-run the same
command to resume from ``--work/last.ckpt``.
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
import lightning as L  # noqa: E402
from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar  # noqa: E402

from common import command  # noqa: E402
from potential_training import CGBackend, PotentialModule, evaluate, loader, split, targets  # noqa: E402
from symplugins.data import read_frames  # noqa: E402
from symplugins.models.potential.checkpoint import save_potential  # noqa: E402
from symplugins.models.potential.energy import CGEGNNEnergy  # noqa: E402

DATA = HERE / "data" / "xtb"


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(DATA / "ethanol_500K.extxyz"))
    p.add_argument("--tests", nargs="*", default=[str(DATA / "ethanol_300K_test.extxyz"),
                                                  str(DATA / "ethanol_500K_test.extxyz")])
    p.add_argument("--n-train", type=int, default=1800)
    p.add_argument("--n-val", type=int, default=100)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hops", type=int, default=1)
    p.add_argument("--mlp-products", type=int, default=1, help="geometric-product blocks per CG-EGNN MLP")
    p.add_argument("--r-max", type=float, default=5.0)
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--export-only", action="store_true",
                   help="skip training: export the weights of --work/last.ckpt")
    p.add_argument("--work", default="/tmp/symplugins-runs/train_potential")
    p.add_argument("--out", default=str(HERE.parent / "symplugins" / "pretrained" / "cgegnn-ethanol-xtb.pt"))
    return p.parse_args(argv)


def build(args, frames) -> CGEGNNEnergy:
    """Model with per-type shift = mean energy per atom, scale = force RMS (train set)."""
    energies, forces = targets(frames)
    types = sorted({s for a in frames for s in a.get_chemical_symbols()})
    shift = float(np.mean(energies / np.array([len(a) for a in frames])))
    scale = float(np.sqrt(np.mean(np.concatenate(forces) ** 2)))
    return CGEGNNEnergy(types, r_max=args.r_max, hidden=args.hidden, layers=args.layers,
                        hops=args.hops, mlp_products=args.mlp_products, avg_num_neighbors=None,
                        scales=scale, shifts=shift)


def main(argv=None) -> dict:
    args = parse(argv)
    torch.set_num_threads(1)
    L.seed_everything(args.seed, verbose=False)
    frames = read_frames(args.data)
    tr, va, te = split(len(frames), args.n_train, args.n_val, args.seed)
    train, val, test = ([frames[i] for i in idx] for idx in (tr, va, te))
    model = build(args, train)
    backend = CGBackend(model)
    module = PotentialModule(backend, lr=args.lr, steps=args.steps)
    work = Path(args.work)
    ckpt = ModelCheckpoint(dirpath=work, save_last=True, every_n_train_steps=50)
    trainer = L.Trainer(max_steps=args.steps, accelerator="cpu", devices=1, logger=False,
                        inference_mode=False, callbacks=[ckpt, TQDMProgressBar(refresh_rate=25)], enable_model_summary=False,
                        check_val_every_n_epoch=5, default_root_dir=work)
    last = work / "last.ckpt"
    t0 = time.time()
    if args.export_only:
        ckpt = torch.load(last, map_location="cpu", weights_only=True)
        module.load_state_dict(ckpt["state_dict"])
        step = ckpt["global_step"]
    else:
        trainer.fit(module, loader(backend, train, args.batch, True),
                    loader(backend, val, 50, False), ckpt_path=str(last) if last.exists() else None)
        step = trainer.global_step
    model.eval()
    errors = {"test_split": evaluate(backend, test)}
    for path in args.tests:
        errors[Path(path).stem] = evaluate(backend, read_frames(path))
    meta = {"data": Path(args.data).name, "n_train": args.n_train, "seed": args.seed,
            "steps": args.steps, "trained_steps": int(step), "errors": errors, "command": command(),
            "train_wall_s": time.time() - t0, "method": "GFN2-xTB (tblite)"}
    save_potential(model, args.out, **meta)
    print(errors)
    return meta


if __name__ == "__main__":
    main()
