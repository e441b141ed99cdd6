"""Motion capture forecasting (GMN protocol) on the synthetic 31-joint walker: CG-EGNN vs EGNN.

Data: :func:`symplugins.datasets.mocap.synthetic_walk` (23 trials x 360 frames at 120 fps, the
offline stand-in for CMU subject 35 walking; ``--motion-pkl`` uses GMN's real ``motion.pkl``
instead), GMN's trial split and sample counts (200 train / 600 valid / 600 test), positions
30 frames ahead from positions and velocities, edges = bones + 2-hop pairs (edge attribute:
is-a-bone). Models predict a displacement added to the input positions. Lightning on CPU,
Adam + warm-up + cosine decay, best-validation checkpoint evaluated on test; baselines
"static" (``x_t``) and constant velocity (``x_t + 30 v_t``).

    python benchmarks/mocap.py                       # CG-EGNN hops 1 and 2, EGNN; seeds 0 1 2
    python benchmarks/mocap.py --models egnn --steps 4000 --merge   # add runs, keep the others
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import forecast_module, stamp, write_results  # noqa: E402

RESULT = Path(__file__).resolve().parent / "results" / "mocap.json"
CKPT = Path.home() / ".cache" / "symplugins" / "mocap_runs"
COUNTS = {"train": 200, "valid": 600, "test": 600}


def load(args) -> tuple[dict, torch.Tensor, torch.Tensor]:
    from symplugins.datasets import mocap
    edges, X = mocap.load_motion_pkl(args.motion_pkl) if args.motion_pkl else mocap.synthetic_walk()
    data = {s: mocap.forecast_samples(X, mocap.SPLITS[s], COUNTS[s], seed=k) for k, s in enumerate(COUNTS)}
    ei, ea = mocap.skeleton_edges(edges, X[0].shape[1])
    return data, ei, ea


def build(name: str, hidden: int, layers: int):
    from symplugins.cgegnn import CGEGNN
    from symplugins.models.egnn import EGNN
    if name.startswith("cgegnn"):
        return CGEGNN(1, 1, hidden, 0, 1, layers=layers, hops=int(name[-1]), edge_in=1)
    return EGNN(1, 64, layers=4, edge_in=1)


def predict(model, loc, vel, ei, ea) -> torch.Tensor:
    """Positions 30 frames ahead ``[B, N, 3]`` from ``loc, vel [B, N, 3]`` (one skeleton graph)."""
    b, n = loc.shape[:2]
    off = (torch.arange(b) * n).repeat_interleave(ei.shape[1])
    edge_index, edge_attr = ei.repeat(1, b) + off, ea.repeat(b, 1)
    x, v = loc.reshape(-1, 3), vel.reshape(-1, 3)
    speed = v.norm(dim=-1, keepdim=True)
    if type(model).__name__ == "CGEGNN":
        batch = torch.arange(b).repeat_interleave(n)
        _, out = model(speed, v[:, None], x, edge_index, batch, edge_attr=edge_attr, check_inputs=False)
        return (x + out[:, 0]).reshape(b, n, 3)
    return model(speed, x, v, edge_index, edge_attr).reshape(b, n, 3)


def run(name: str, seed: int, args, data, ei, ea) -> dict:
    import lightning as L
    from lightning.pytorch.callbacks import ModelCheckpoint

    def mse(model, batch):
        loc, vel, target = batch
        return ((predict(model, loc, vel, ei, ea) - target) ** 2).mean()

    L.seed_everything(seed, verbose=False)
    loader = lambda s, **kw: torch.utils.data.DataLoader(  # noqa: E731
        torch.utils.data.TensorDataset(data[s]["loc"], data[s]["vel"], data[s]["target"]), **kw)
    module = forecast_module(build(name, args.hidden, args.layers), mse, lr=args.lr[name], weight_decay=1e-10,
                             steps=args.steps)
    ckpt_dir = CKPT / f"{name}_s{seed}_{args.steps}"
    best = ModelCheckpoint(dirpath=ckpt_dir, filename="best", monitor="val_mse", mode="min", save_last=True)
    trainer = L.Trainer(max_steps=args.steps, accelerator="cpu", devices=1, logger=False, callbacks=[best],
                        val_check_interval=args.val_every, check_val_every_n_epoch=None, num_sanity_val_steps=0,
                        enable_model_summary=False)
    last = ckpt_dir / "last.ckpt"
    t0 = time.time()
    trainer.fit(module, loader("train", batch_size=args.batch_size, shuffle=True, drop_last=True),
                loader("valid", batch_size=600), ckpt_path=str(last) if last.exists() else None)
    wall = time.time() - t0
    test = trainer.test(module, loader("test", batch_size=600), ckpt_path=best.best_model_path or None,
                        weights_only=False, verbose=False)[0]["test_mse"]
    return {"model": name, "seed": seed, "test_mse": float(test), "val_mse": float(best.best_model_score),
            "steps": int(trainer.global_step), "val_every": args.val_every, "wall_s": wall,
            "params": sum(p.numel() for p in module.model.parameters())}


def baselines(data) -> list[dict]:
    t = data["test"]
    return [{"model": "static (x_t)", "test_mse": float(((t["loc"] - t["target"]) ** 2).mean())},
            {"model": "constant velocity (x_t + 30 v_t)",
             "test_mse": float(((t["loc"] + 30 * t["vel"] - t["target"]) ** 2).mean())}]


NAMES = {"cgegnn1": "CG-EGNN hops=1", "cgegnn2": "CG-EGNN hops=2", "egnn": "EGNN"}


def section(rec: dict) -> str:
    import statistics as st
    rows = ["| model | steps | validated every | seeds | test MSE (x1e-3 m^2) | std | params | train s per run |",
            "|---|---|---|---|---|---|---|---|"]
    for key, label in NAMES.items():
        for steps in sorted({r["steps"] for r in rec["runs"] if r["model"] == key}):
            rs = [r for r in rec["runs"] if r["model"] == key and r["steps"] == steps]
            v = [1e3 * r["test_mse"] for r in rs]
            rows.append(f"| {label} | {steps} | {rs[0].get('val_every', rec['val_every'])} | {len(v)} | {st.mean(v):.3f} | {st.stdev(v) if len(v) > 1 else 0:.3f} | "
                        f"{rs[0]['params']:,} | {st.mean(r['wall_s'] for r in rs):.0f} |")
    for b in rec["baselines"]:
        rows.append(f"| {b['model']} | - | - | - | {1e3 * b['test_mse']:.3f} | - | - | - |")
    return f"""## Motion capture forecasting (GMN protocol, synthetic 31-joint walker)

{chr(10).join(rows)}

Data: {rec['data']}; GMN trial split, 200 / 600 / 600 samples, 30 frames (0.25 s) ahead, edges
= bones + 2-hop pairs. Batch {rec['batch_size']}, Adam lr {rec['lr']} (warm-up 2 %, cosine over the
run's steps), best validation checkpoint evaluated on test; EGNN costs about a
fifth of CG-EGNN hops=1 per step, so it also has a row at about CG-EGNN's training time;
CG-EGNN {rec['layers']} layers x {rec['hidden']} multivector channels, EGNN 4 layers x 64; one
thread on a shared 2-core CPU. Positions in metres, so MSEs are not comparable with the
published CMU numbers (GMN / EGHN tables, ASF units).

Commands: {'; '.join(f"`{c}`" for c in rec['commands'])}; hardware: {rec['hardware']}; date {rec['date']}.
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=list(NAMES), choices=list(NAMES))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--val-every", type=int, default=250)
    p.add_argument("--batch-size", type=int, default=20)
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--lr-cgegnn", type=float, default=3e-3)
    p.add_argument("--lr-egnn", type=float, default=5e-4)
    p.add_argument("--merge", action="store_true", help="keep the runs already in results/mocap.json")
    p.add_argument("--motion-pkl", default=None, help="GMN's motion.pkl (CMU subject 35) instead of the stand-in")
    args = p.parse_args()
    args.lr = {n: args.lr_egnn if n == "egnn" else args.lr_cgegnn for n in NAMES}
    torch.set_num_threads(1)
    data, ei, ea = load(args)
    runs = [run(name, seed, args, data, ei, ea) for seed in args.seeds for name in args.models]
    commands = [stamp()["command"]]
    if args.merge and RESULT.exists():  # keep earlier runs of other (model, seed, steps)
        old = json.loads(RESULT.read_text())
        mine = {(r["model"], r["seed"], r["steps"]) for r in runs}
        runs = [r for r in old["runs"] if (r["model"], r["seed"], r["steps"]) not in mine] + runs
        commands = old.get("commands", [old.get("command")]) + commands
    rec = dict(stamp(), commands=commands, runs=runs, baselines=baselines(data), batch_size=args.batch_size,
               lr={k: v for k, v in args.lr.items() if k in {r["model"] for r in runs}}, val_every=args.val_every,
               hidden=args.hidden, layers=args.layers,
               data=args.motion_pkl or "synthetic_walk() (23 trials x 360 frames, 120 fps, seed 0)")
    write_results("mocap", rec, section(rec))
    print(section(rec))


if __name__ == "__main__":
    main()
