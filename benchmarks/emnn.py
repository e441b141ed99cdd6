"""EMNN benchmark: classification and part segmentation on procedural meshes.

Protocol (shrunk from EMNN, arXiv 2402.04821, for a shared 2-core CPU): train on aligned
meshes (random scale/translation/deformation/resolution, no rotation), test on the same
held-out meshes aligned and under random SO(3) rotations. Models: EMNN, EMNN + hierarchy,
EGNN on mesh edges (faces ignored), and a non-equivariant MeshGCN trained with random
rotation augmentation. Lightning Trainer on CPU, one thread. Also inference time and
memory on one 163,842-vertex icosphere. Interrupt and rerun: finished runs are kept in
``results/emnn_partial.json`` and skipped.

    python benchmarks/emnn.py [--epochs 30] [--per-class 30] [--quick]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, stamp, write_results  # noqa: E402

MODELS = ("EMNN", "EMNN+hierarchy", "EGNN", "MeshGCN+aug")
PARTIAL = RESULTS / "emnn_partial.json"


def build(name: str, task: str, out: int, hidden: int, layers: int):
    from symplugins.models.emnn.model import EMNN
    from symplugins.models.emnn.baselines import EGNNMesh, MeshGCN
    t = "graph" if task == "classify" else "node"
    if name == "EMNN":
        return EMNN(1, hidden, out, layers, task=t)
    if name == "EMNN+hierarchy":
        return EMNN(1, hidden, out, layers, hierarchy=True, task=t)
    if name == "EGNN":
        return EGNNMesh(1, hidden, out, layers, task=t)
    return MeshGCN(1, hidden, out, layers, task=t)


def rotate_batch(batch, generator=None):
    """Random SO(3) rotation per mesh of a PyG batch (positions only; features invariant)."""
    from symplugins.groups import random_rotation
    rot = random_rotation(int(batch.num_graphs), generator=generator, dtype=batch.pos.dtype)
    batch = batch.clone()
    batch.pos = torch.einsum("nij,nj->ni", rot[batch.batch], batch.pos)
    return batch


def lightning_module(model, task: str, augment: bool, lr: float):
    import lightning as L

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.model = model

        def loss(self, batch):
            logits = self.model(batch.x, batch.pos, batch.edge_index, batch.face, batch.batch)[0]
            target = batch.y if task == "classify" else batch.part
            return torch.nn.functional.cross_entropy(logits, target)

        def training_step(self, batch, _):
            return self.loss(rotate_batch(batch) if augment else batch)

        def configure_optimizers(self):
            opt = torch.optim.Adam(self.parameters(), lr=lr)
            return [opt], [torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.trainer.max_epochs)]

    return Module()


class EpochTimer:
    """Lightning callback: wall time of every training epoch."""

    def __new__(cls):
        import lightning as L

        class _Timer(L.Callback):
            times: list = []

            def on_train_epoch_start(self, *_):
                self.t0 = time.perf_counter()

            def on_train_epoch_end(self, *_):
                self.times.append(time.perf_counter() - self.t0)

        t = _Timer()
        t.times = []
        return t


@torch.no_grad()
def accuracy(model, loader, task: str, rotate: bool) -> float:
    model.eval()
    gen = torch.Generator().manual_seed(123)
    right = total = 0
    for batch in loader:
        batch = rotate_batch(batch, gen) if rotate else batch
        pred = model(batch.x, batch.pos, batch.edge_index, batch.face, batch.batch)[0].argmax(-1)
        target = batch.y if task == "classify" else batch.part
        right += int((pred == target).sum())
        total += target.numel()
    return right / total


def saved_activation_mib(model, batch, task: str) -> float:
    """Bytes of tensors autograd saves for backward in one training forward (MiB)."""
    seen, total = set(), [0]

    def pack(t):
        key = (t.data_ptr(), t.numel(), t.dtype)
        if key not in seen and t.device.type == "cpu":
            seen.add(key)
            total[0] += t.numel() * t.element_size()
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(batch.x, batch.pos, batch.edge_index, batch.face, batch.batch)[0]
    out.sum().backward()
    model.zero_grad()
    return total[0] / 2**20


def run_one(name, task, data, args) -> dict:
    import lightning as L
    from torch_geometric.loader import DataLoader
    train, test, n_out = data
    L.seed_everything(args.seed, verbose=False)
    model = build(name, task, n_out, args.hidden, args.layers)
    timer = EpochTimer()
    trainer = L.Trainer(max_epochs=args.epochs, accelerator="cpu", devices=1, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, callbacks=[timer])
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True)
    t0 = time.perf_counter()
    trainer.fit(lightning_module(model, task, name.endswith("+aug"), args.lr), loader)
    wall = time.perf_counter() - t0
    test_loader = DataLoader(test, batch_size=32)
    big = next(iter(DataLoader(train, batch_size=args.batch_size)))
    res = dict(params=sum(p.numel() for p in model.parameters()),
               acc_aligned=accuracy(model, test_loader, task, False),
               acc_rotated=accuracy(model, test_loader, task, True),
               epoch_s=sum(timer.times[1:]) / max(len(timer.times) - 1, 1), train_wall_s=wall,
               activation_mib=saved_activation_mib(model, big, task))
    if name == "EMNN" and args.save_pretrained:
        save_pretrained(model, task, n_out, args)
    return res


def interleaved_step_ms(task: str, data, args, reps: int = 40) -> dict:
    """Min over ``reps`` of one training step (forward+backward+Adam) per model, models
    interleaved step by step so load changes on a shared machine hit all of them alike.
    -> ``{"wall": {model: ms}, "cpu": {model: ms}}`` (wall clock and this thread's CPU time)."""
    from torch_geometric.loader import DataLoader
    batch = next(iter(DataLoader(data[0], batch_size=args.batch_size)))
    target = batch.y if task == "classify" else batch.part
    models = {n: build(n, task, data[2], args.hidden, args.layers) for n in MODELS}
    opts = {n: torch.optim.Adam(m.parameters()) for n, m in models.items()}
    best = {n: float("inf") for n in MODELS}
    cpu = dict(best)
    for _ in range(reps):
        for n, m in models.items():
            t0, c0 = time.perf_counter(), time.thread_time()
            out = m(batch.x, batch.pos, batch.edge_index, batch.face, batch.batch)[0]
            torch.nn.functional.cross_entropy(out, target).backward()
            opts[n].step()
            opts[n].zero_grad()
            best[n] = min(best[n], time.perf_counter() - t0)
            cpu[n] = min(cpu[n], time.thread_time() - c0)
    return {"wall": {n: 1000 * t for n, t in best.items()}, "cpu": {n: 1000 * t for n, t in cpu.items()}}


def save_pretrained(model, task: str, n_out: int, args) -> None:
    """Ship the trained EMNN (state dict + plain config) in symplugins/pretrained/."""
    pkg = Path(__file__).resolve().parents[1] / "symplugins" / "pretrained"
    cfg = dict(in_channels=1, hidden=args.hidden, out_channels=n_out, layers=args.layers,
               task="graph" if task == "classify" else "node", mode="E3", features="face_area",
               command=stamp()["command"], epochs=args.epochs, per_class=args.per_class)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.save({"config": cfg, "state_dict": state}, pkg / f"emnn_procedural_{task}.pt")


def load_data(task: str, args):
    from symplugins.datasets.meshes import PART_NAMES, ProceduralMeshes
    from symplugins.geometry import SHAPE_CLASSES
    root = RESULTS.parent / ".cache" / "emnn"
    res = tuple(args.resolutions)
    train = ProceduralMeshes(root, split="train", num_per_class=args.per_class, resolutions=res)
    test = ProceduralMeshes(root, split="test", num_per_class=args.test_per_class, resolutions=res)
    return train, test, (len(SHAPE_CLASSES) if task == "classify" else len(PART_NAMES))


def large_mesh(args, out: dict) -> dict:
    """Inference time and peak-RSS increase per model on a 163,842-vertex icosphere (subprocess each)."""
    for name in MODELS:
        if name in out and "error" not in out[name]:
            continue
        cmd = [sys.executable, __file__, "--large-child", name, "--hidden", str(args.hidden),
               "--layers", str(args.layers), "--large-level", str(args.large_level)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.large_timeout)
            out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, IndexError, json.JSONDecodeError) as err:
            out[name] = {"error": f"{type(err).__name__} (timeout {args.large_timeout}s)"}
        print("large", name, out[name], flush=True)
    return out


def large_child(name: str, args) -> None:
    from symplugins.geometry import edges_from_faces
    from symplugins.geometry.primitives import icosphere
    from symplugins.nn.mesh.features import mesh_features
    torch.set_num_threads(1)
    s = icosphere(args.large_level)
    pos, face = s.verts.float(), s.faces.T.contiguous()
    ei, x = edges_from_faces(s.faces, pos.shape[0]), mesh_features(pos, face).float()
    model = build(name, "segment", 14, args.hidden, args.layers).eval()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with torch.no_grad():
        t0 = time.perf_counter()
        model(x, pos, ei, face)
        dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(dict(vertices=pos.shape[0], faces=face.shape[1], seconds=dt,
                          peak_rss_increase_mib=(peak - base) / 1024)))


def table(results: dict, large: dict) -> str:
    rows = ["| task | model | params | acc aligned | acc rotated (SO3) | epoch s | step ms | "
            "step x EGNN | CPU step x EGNN | act. MiB |", "|---|---|---|---|---|---|---|---|---|---|"]

    def ratio(r, egnn, key):
        return f"{r[key] / egnn[key]:.2f}" if r.get(key) and egnn.get(key) else "-"

    for task, per in results.items():
        egnn = per.get("EGNN", {})
        for name, r in per.items():
            step = r.get("step_ms")
            rows.append(f"| {task} | {name} | {r['params']:,} | {r['acc_aligned']:.3f} | "
                        f"{r['acc_rotated']:.3f} | {r['epoch_s']:.2f} | "
                        f"{step if step is None else round(step, 1)} | {ratio(r, egnn, 'step_ms')} | "
                        f"{ratio(r, egnn, 'step_cpu_ms')} | {r['activation_mib']:.1f} |")
    rows += ["", "| model (163,842-vertex mesh, inference) | seconds | peak RSS increase MiB |", "|---|---|---|"]
    for name, r in large.items():
        rows.append(f"| {name} | {r.get('seconds', float('nan')):.2f} | "
                    f"{r.get('peak_rss_increase_mib', float('nan')):.0f} |" if "error" not in r
                    else f"| {name} | {r['error']} | - |")
    return "\n".join(rows)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--per-class", type=int, default=30)
    p.add_argument("--test-per-class", type=int, default=15)
    p.add_argument("--resolutions", type=int, nargs="+", default=[8, 12, 16])
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tasks", nargs="+", default=["classify", "segment"])
    p.add_argument("--large-level", type=int, default=7)
    p.add_argument("--large-timeout", type=int, default=300)
    p.add_argument("--large-child", default=None)
    p.add_argument("--save-pretrained", action="store_true")
    p.add_argument("--quick", action="store_true", help="tiny smoke run (2 epochs, 3 per class)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    if args.large_child:
        return large_child(args.large_child, args)
    if args.quick:
        args.epochs, args.per_class, args.test_per_class, args.large_level = 2, 3, 2, 3
    t_start = time.perf_counter()
    state = json.loads(PARTIAL.read_text()) if PARTIAL.exists() and not args.quick else {}
    state = state if "results" in state else {"results": state, "large": {}}
    done = state["results"]
    for task in args.tasks:
        data = load_data(task, args)
        if task not in state.setdefault("step_ms", {}):
            state["step_ms"][task] = interleaved_step_ms(task, data, args)
            print(task, "step ms", state["step_ms"][task], flush=True)
        for name in MODELS:
            if name in done.get(task, {}):
                continue
            done.setdefault(task, {})[name] = run_one(name, task, data, args)
            print(task, name, done[task][name], flush=True)
            if not args.quick:
                PARTIAL.write_text(json.dumps(state, indent=1))
    large = large_mesh(args, state["large"])
    if not args.quick:
        PARTIAL.write_text(json.dumps(state, indent=1))
    for task, steps in state.get("step_ms", {}).items():
        for name, ms in steps["wall"].items():
            done.get(task, {}).get(name, {}).update(step_ms=ms, step_cpu_ms=steps["cpu"][name])
    record = dict(stamp(), seed=args.seed, config=vars(args), results=done, large_mesh=large,
                  wall_s=time.perf_counter() - t_start)
    if args.quick:
        print(table(done, large))
        return
    write_results("emnn", record, section(done, large, record))


def section(done, large, record) -> str:
    c = record["config"]
    return f"""## EMNN (equivariant mesh network) on procedural meshes

{table(done, large)}

Command: `{record['command']}`; hardware: {record['hardware']}; seed {c['seed']};
date {record['date']}; total wall {record['wall_s'] / 60:.1f} min (finished runs of an interrupted
invocation are reused from `results/emnn_partial.json`).

Protocol: 7 shape classes (sphere, ellipsoid, torus, capsule, cylinder, cone, box) from
`symplugins.datasets.meshes`, {c['per_class']} train / {c['test_per_class']} test meshes per class,
resolutions {c['resolutions']} (26-220 vertices), random deformation (strength 0.1), random
scale and translation; training aligned, tests on the same meshes aligned and after a random
SO(3) rotation per mesh. Segmentation: 14 intrinsic part labels (symmetric parts merged).
Models: hidden {c['hidden']}, {c['layers']} layers, input = mean incident face area; Adam lr
{c['lr']}, cosine schedule, {c['epochs']} epochs, batch {c['batch_size']}, Lightning Trainer on CPU,
`torch.set_num_threads(1)`. "epoch s" is the mean training-epoch wall time (first epoch
excluded; the box is shared with other jobs, so epoch times are noisy); "step ms" is the
minimum over 40 training steps (forward, backward, Adam) on one {c['batch_size']}-mesh batch with
the four models interleaved step by step, the load-robust number used for "step x EGNN"
(goal <= 1.5); "CPU step x EGNN" is the same ratio of the minimum thread CPU time
(`time.thread_time`), less sensitive to the other jobs on the box; "act. MiB" is the memory of tensors autograd saves for backward in one training
forward of a {c['batch_size']}-mesh batch (saved_tensors_hooks), not process RSS. Large mesh:
icosphere level {c['large_level']}, one no-grad forward in a fresh subprocess, peak RSS increase
(ru_maxrss) over the state after building the inputs and model.

Deviations from the paper: no FAUST/TOSCA/SHREC (not downloadable); tiny models and epochs;
single seed; the MeshGCN baseline sees rotated copies during training (augmentation), the
equivariant models never do; the face coordinate head is one Linear (the paper: an MLP).
Cost work (same functions, EMNN and EGNN share the edge code): first Linear of the edge and
face MLPs evaluated per vertex and gathered, `index_select` gathers, no 1x1 batched matmuls,
the Laplacian only where the E(3) face term uses it. Before it an EMNN step was 1.77-2.18x
EGNN's on this box; the <= 1.5x goal is still not met: the face term sends one message per
corner (3F rows, as many as the E edge rows) through the paper's two-layer MLP. A face MLP
with one hidden layer (tried, not kept) reached about 1.5-1.6x but scored 0.771 on
segmentation. Single seed: segmentation EMNN vs EGNN is within seed/rounding noise (the
previous run of the mathematically identical EMNN, differing only in float summation order,
scored 0.830).
"""


if __name__ == "__main__":
    main()
