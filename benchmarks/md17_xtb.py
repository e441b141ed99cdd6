"""CG-EGNN (hops=1, hops=2) vs nequip's NequIP on MD17-like xTB data, same data and budget.

    python benchmarks/md17_xtb.py --molecule ethanol --steps 600

Same train/val/test split, batch size, optimiser (Adam + one-cycle), loss
(energy-per-atom MSE + 10 x force MSE) and number of steps for every model, trained in one
run through Lightning on CPU (float32). Reports energy and force MAE on held-out frames, MD
cost (median ms per MD force call incl. the neighbour list, trained models timed round-robin, float32, 1 thread) and
parameter count.
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
from lightning.pytorch.callbacks import TQDMProgressBar  # noqa: E402

from common import stamp, write_results  # noqa: E402
from potential_training import (  # noqa: E402
    CGBackend, NequIPBackend, PotentialModule, evaluate, loader, split, targets,
)
from symplugins.data import read_frames  # noqa: E402
from symplugins.models.potential.energy import CGEGNNEnergy  # noqa: E402


def stats(frames):
    e, f = targets(frames)
    shift = float(np.mean(e / np.array([len(a) for a in frames])))
    return shift, float(np.sqrt(np.mean(np.concatenate(f) ** 2)))


def cg_backend(types, shift, scale, args, hops):
    model = CGEGNNEnergy(types, r_max=args.r_max, hidden=args.hidden, layers=args.layers,
                         hops=hops, scales=scale, shifts=shift)
    return CGBackend(model)


def avg_neighbors(frames, r_max: float) -> float:
    """Mean number of neighbours within ``r_max`` (nequip's ``avg_num_neighbors``)."""
    counts = [((np.linalg.norm(a.positions[:, None] - a.positions[None], axis=-1) < r_max)
               .sum() - len(a)) / len(a) for a in frames[:100]]
    return float(np.mean(counts))


def nequip_backend(types, shift, scale, args, avg):
    from nequip.model import NequIPGNNModel
    from nequip.utils.global_state import set_global_state

    set_global_state()
    model = NequIPGNNModel(seed=0, model_dtype="float32", type_names=types, r_max=args.r_max,
                           num_layers=args.layers, l_max=1, num_features=args.hidden,
                           per_type_energy_shifts=shift, per_type_energy_scales=scale,
                           avg_num_neighbors=avg)
    return NequIPBackend(model, types, args.r_max)


def md_ms(backends: dict, atoms, n: int = 60) -> dict:
    """ms per MD force call on one molecule for each backend, interleaved (median).

    One call = what an MD step costs: neighbour list / graph (nequip's
    ``compute_neighborlist_``; our radius graph inside ``predict``), batching, energy and
    forces (model dtype float32, 1 thread, parameters frozen as in a calculator).
    """
    for be in backends.values():
        be.model.eval().requires_grad_(False)
    call = {k: (lambda be=be: be.predict(be.collate([be.item(atoms)]), False)) for k, be in backends.items()}
    times = {k: [] for k in call}
    for rep in range(n + 5):
        for k, f in call.items():
            t0 = time.perf_counter()
            f()
            if rep >= 5:
                times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) * 1e3 for k, v in times.items()}


def run_one(name, backend, train, val, test, args) -> dict:
    L.seed_everything(args.seed, verbose=False)
    module = PotentialModule(backend, lr=args.lr, steps=args.steps)
    trainer = L.Trainer(max_steps=args.steps, accelerator="cpu", devices=1, logger=False,
                        inference_mode=False, enable_checkpointing=False,
                        callbacks=[TQDMProgressBar(refresh_rate=25)], check_val_every_n_epoch=10**6,
                        enable_model_summary=False)
    t0 = time.time()
    trainer.fit(module, loader(backend, train, args.batch, True))
    wall = time.time() - t0
    backend.model.eval()
    errs = evaluate(backend, test)
    return {"model": name, **errs, "params": sum(p.numel() for p in backend.model.parameters()),
            "train_wall_s": wall, "steps": args.steps, "seed": args.seed}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--molecule", default="ethanol")
    p.add_argument("--n-train", type=int, default=500)
    p.add_argument("--n-test", type=int, default=300)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--r-max", type=float, default=5.0)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", nargs="*", default=["cgegnn-h1", "cgegnn-h2", "nequip"])
    args = p.parse_args()
    torch.set_num_threads(1)
    frames = read_frames(HERE / "data" / "xtb" / f"{args.molecule}_500K.extxyz")
    tr, _, te = split(len(frames), args.n_train, 0, args.seed)
    train, test = [frames[i] for i in tr], [frames[i] for i in te[:args.n_test]]
    types = sorted({s for a in frames for s in a.get_chemical_symbols()})
    shift, scale = stats(train)
    make = {"cgegnn-h1": lambda: cg_backend(types, shift, scale, args, 1),
            "cgegnn-h2": lambda: cg_backend(types, shift, scale, args, 2),
            "nequip": lambda: nequip_backend(types, shift, scale, args,
                                             avg_neighbors(train, args.r_max))}
    records, backends = [], {}
    for m in args.models:  # partial records survive a crash in a later model
        backends[m] = make[m]()
        records.append(run_one(m, backends[m], train, None, test, args))
        Path(f"/tmp/md17_xtb_{args.molecule}.partial.json").write_text(
            __import__("json").dumps(records, indent=2, default=float))
    ms = md_ms(backends, test[0])  # trained models, timed round-robin on the same box state
    for r in records:
        r["md_ms_per_call"] = ms[r["model"]]
    rows = "\n".join(
        f"| {r['model']} | {r['force_mae_meV_per_A']:.1f} | {r['energy_mae_meV']:.1f} | "
        f"{r['md_ms_per_call']:.1f} | {r['params']} | {r['train_wall_s']:.0f} |" for r in records)
    md = f"""## MD17-like xTB {args.molecule}: CG-EGNN vs NequIP (same data, same budget)

GFN2-xTB Langevin MD at 500 K (`benchmarks/data/make_xtb.sh`), {args.n_train} training
frames, {len(test)} held-out test frames, {args.steps} Adam steps (batch {args.batch}, one-cycle
lr {args.lr}), loss = MSE(E/N) + 10 MSE(F), float32 training, seed {args.seed}; every model
{args.layers} layers, width {args.hidden}, r_max {args.r_max} A (NequIP: l_max 1,
`nequip.model.NequIPGNNModel`). MD cost = median of 60 MD force calls on one molecule
(neighbour list + energy + forces, float32, 1 CPU thread, eager PyTorch for every model,
parameters frozen), the models timed round-robin after training so box load hits all alike.

| model | force MAE (meV/A) | energy MAE (meV) | ms/call | params | train s |
|---|---|---|---|---|---|
{rows}

Deviation from the rMD17 protocol: xTB labels instead of DFT, 1000x fewer optimiser steps
than published NequIP training (CPU budget of a shared 2-core box), so absolute errors are
far above published values; the comparison is at equal budget only.

Command: `python {' '.join(sys.argv)}`; hardware: {stamp()['hardware']}.
"""
    write_results(f"md17_xtb_{args.molecule}", {**stamp(), "records": records}, md)
    print(md)


if __name__ == "__main__":
    main()
