"""EMNN benchmark: classification and part segmentation on procedural meshes.

Protocol (shrunk from EMNN, arXiv 2402.04821, for a shared 2-core CPU): train on aligned
meshes (random scale/translation/deformation/resolution, no rotation), test on the same
held-out meshes aligned and under random SO(3) rotations. Models: EMNN, EMNN + hierarchy,
EGNN on mesh edges (faces ignored), and a non-equivariant MeshGCN trained with random
rotation augmentation. Lightning Trainer on CPU, one thread. Also inference time and
memory on one 163,842-vertex icosphere. Interrupt and rerun: finished runs are kept in
``results/emnn_partial.json`` and skipped.

    python benchmarks/emnn.py [--seeds 0 1 2] [--ablation] [--matched] [--save-pretrained] [--quick]

``--ablation`` adds EMNN with the paper's face-MLP order; ``--matched`` adds EGNN baselines
with about EMNN's step time (6 layers; hidden 48); ``--save-pretrained`` ships the
first seed's EMNN of each task in ``symplugins/pretrained/``.
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
#: ``--ablation``: EMNN with the paper's face MLP (Linear-SiLU-Linear-SiLU, all per corner)
ABLATION = "EMNN-paper-phi_f"
#: ``--matched``: EGNN baselines given about EMNN's step time (more layers / a wider hidden size)
MATCHED = {"EGNN-6L": dict(layers=6), "EGNN-h48": dict(hidden=48)}
#: ``--hier``: 3-layer EMNNs (about EGNN's 4-layer time) and the hierarchy without faces
HIER = {"EMNN-3L": dict(layers=3), "EMNN-3L+hierarchy": dict(layers=3, hierarchy=True),
        "EGNN+hierarchy": dict(use_faces=False, hierarchy=True)}
#: the EMNN variants the issue's goal is checked for
CANDIDATES = ("EMNN", "EMNN+hierarchy", "EMNN-3L", "EMNN-3L+hierarchy")
PARTIAL = RESULTS / "emnn_partial.json"


def build(name: str, task: str, out: int, hidden: int, layers: int):
    from symplugins.models.emnn.model import EMNN
    from symplugins.models.emnn.baselines import EGNNMesh, MeshGCN
    t = "graph" if task == "classify" else "node"
    if name == "EMNN":
        return EMNN(1, hidden, out, layers, task=t)
    if name == "EMNN+hierarchy":
        return EMNN(1, hidden, out, layers, hierarchy=True, task=t)
    if name in HIER:
        cfg = {"layers": layers, **HIER[name]}
        return EMNN(1, hidden, out, cfg.pop("layers"), task=t, **cfg)
    if name == ABLATION:
        return EMNN(1, hidden, out, layers, task=t, paper_face_mlp=True)
    if name == "EGNN":
        return EGNNMesh(1, hidden, out, layers, task=t)
    if name in MATCHED:
        cfg = {"hidden": hidden, "layers": layers, **MATCHED[name]}
        return EGNNMesh(1, cfg["hidden"], out, cfg["layers"], task=t)
    return MeshGCN(1, hidden, out, layers, task=t)


def rotate_batch(batch, generator=None):
    """Random SO(3) rotation per mesh of a PyG batch (positions only; features invariant)."""
    from symplugins.groups import random_rotation
    rot = random_rotation(int(batch.num_graphs), generator=generator, dtype=batch.pos.dtype)
    batch = batch.clone()
    batch.pos = torch.einsum("nij,nj->ni", rot[batch.batch], batch.pos)
    return batch


def forward(model, batch):
    """Logits; hierarchical models get the batch's precomputed pooling plan when it has one."""
    from symplugins.adapters.pyg import hierarchy_plan_from_data
    plan = hierarchy_plan_from_data(batch) if getattr(model, "hierarchy", None) is not None else None
    extra = {} if plan is None else {"hierarchy_plan": plan}
    return model(batch.x, batch.pos, batch.edge_index, batch.face, batch.batch, **extra)[0]


def planned(train, cache: dict) -> list:
    """The training meshes with their hierarchy plans (``MeshHierarchyPlan``), built once per
    data set like ``edge_index`` from faces; the build time per mesh goes to ``cache``."""
    if "data" not in cache:
        from symplugins.adapters.pyg import MeshHierarchyPlan
        t0 = time.perf_counter()
        cache["data"] = [MeshHierarchyPlan()(d) for d in train]
        cache["ms_per_mesh"] = 1000 * (time.perf_counter() - t0) / len(train)
    return cache["data"]


def lightning_module(model, task: str, augment: bool, lr: float):
    import lightning as L

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.model = model

        def loss(self, batch):
            logits = forward(self.model, batch)
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


def run_one(name, task, data, args, seed: int) -> dict:
    import lightning as L
    from torch_geometric.loader import DataLoader
    train, test, n_out = data[:3]
    L.seed_everything(seed, verbose=False)
    model = build(name, task, n_out, args.hidden, args.layers)
    if getattr(model, "hierarchy", None) is not None:
        train = planned(train, data[3])  # pooling indices once per mesh; test meshes: in the forward
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
    if name == "EMNN" and args.save_pretrained and seed == args.seeds[0]:
        save_pretrained(model, task, n_out, args)
    return res


def interleaved_step_ms(task: str, data, args, reps: int = 40) -> dict:
    """Min over ``reps`` of one training step (forward+backward+Adam) per model, models
    interleaved step by step so load changes on a shared machine hit all of them alike.
    -> ``{"wall": {model: ms}, "cpu": {model: ms}}`` (wall clock and this thread's CPU time)."""
    from torch_geometric.loader import DataLoader
    models = {n: build(n, task, data[2], args.hidden, args.layers) for n in model_names(args)}
    batch = next(iter(DataLoader(data[0], batch_size=args.batch_size)))
    batch_h = next(iter(DataLoader(planned(data[0], data[3]), batch_size=args.batch_size)))
    return time_steps(models, {n: batch_h if "hierarchy" in n else batch for n in models},
                      "y" if task == "classify" else "part", reps)


def time_steps(models: dict, batches: dict, target: str, reps: int) -> dict:
    """The timing loop of :func:`interleaved_step_ms`: ``models`` and their ``batches`` by
    name, ``target`` the label attribute -> ``{"wall": {name: ms}, "cpu": {name: ms}}``."""
    opts = {n: torch.optim.Adam(m.parameters()) for n, m in models.items()}
    best = {n: float("inf") for n in models}
    cpu = dict(best)
    for _ in range(reps):
        for n, m in models.items():
            t0, c0 = time.perf_counter(), time.thread_time()
            torch.nn.functional.cross_entropy(forward(m, batches[n]), batches[n][target]).backward()
            opts[n].step()
            opts[n].zero_grad()
            best[n] = min(best[n], time.perf_counter() - t0)
            cpu[n] = min(cpu[n], time.thread_time() - c0)
    return {"wall": {n: 1000 * t for n, t in best.items()}, "cpu": {n: 1000 * t for n, t in cpu.items()}}


def time_pair(name: str, args) -> None:
    """``name``'s training step / EGNN's with only the two models interleaved, both orders."""
    from torch_geometric.loader import DataLoader
    data = load_data("segment", args)
    batch = next(iter(DataLoader(data[0], batch_size=args.batch_size)))
    batch_h = next(iter(DataLoader(planned(data[0], data[3]), batch_size=args.batch_size)))
    for order in ((name, "EGNN"), ("EGNN", name)):
        models = {n: build(n, "segment", data[2], args.hidden, args.layers) for n in order}
        wall = time_steps(models, {n: batch_h if "hierarchy" in n else batch for n in order}, "part", 150)["wall"]
        print(f"order {order}: {name} {wall[name]:.1f} ms, EGNN {wall['EGNN']:.1f} ms, "
              f"ratio {wall[name] / wall['EGNN']:.2f}", flush=True)


def save_pretrained(model, task: str, n_out: int, args) -> None:
    """Ship the trained EMNN (state dict + plain config) in symplugins/pretrained/."""
    pkg = Path(__file__).resolve().parents[1] / "symplugins" / "pretrained"
    from symplugins.models.emnn.pretrained import FACE_MLP
    cfg = dict(in_channels=1, hidden=args.hidden, out_channels=n_out, layers=args.layers,
               task="graph" if task == "classify" else "node", mode="E3", features="face_area",
               face_mlp=FACE_MLP, command=stamp()["command"], epochs=args.epochs,
               per_class=args.per_class, seed=args.seeds[0])
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.save({"config": cfg, "state_dict": state}, pkg / f"emnn_procedural_{task}.pt")


def load_data(task: str, args):
    from symplugins.datasets.meshes import PART_NAMES, ProceduralMeshes
    from symplugins.geometry import SHAPE_CLASSES
    root = RESULTS.parent / ".cache" / "emnn"
    res = tuple(args.resolutions)
    train = ProceduralMeshes(root, split="train", num_per_class=args.per_class, resolutions=res)
    test = ProceduralMeshes(root, split="test", num_per_class=args.test_per_class, resolutions=res)
    return train, test, (len(SHAPE_CLASSES) if task == "classify" else len(PART_NAMES)), {}


def large_mesh(args, out: dict) -> dict:
    """Inference time and peak-RSS increase per model on a 163,842-vertex icosphere (subprocess each)."""
    for name in MODELS:
        if (name in out and "error" not in out[name]) or name not in args.large_models:
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


def summarize(runs: dict) -> dict:
    """Per-seed results ``{seed: res}`` -> means (``acc_*``: mean and sample std over seeds)."""
    import statistics as st
    rs = list(runs.values())
    out = dict(seeds=sorted(int(k) for k in runs), params=rs[0]["params"],
               epoch_s=st.mean(r["epoch_s"] for r in rs),
               activation_mib=st.mean(r["activation_mib"] for r in rs))
    for key in ("acc_aligned", "acc_rotated"):
        vals = [r[key] for r in rs]
        out[key], out[key + "_std"] = st.mean(vals), (st.stdev(vals) if len(vals) > 1 else 0.0)
        out[key + "_all"] = vals
    return out


def _acc(r: dict, key: str) -> str:
    return f"{r[key]:.3f} ± {r[key + '_std']:.3f}" if len(r["seeds"]) > 1 else f"{r[key]:.3f}"


def table(summary: dict, large: dict) -> str:
    rows = ["| task | model | params | seeds | acc aligned | acc rotated (SO3) | epoch s | step ms | "
            "step x EGNN | CPU step x EGNN | act. MiB |", "|---|---|---|---|---|---|---|---|---|---|---|"]

    def ratio(r, egnn, key):
        return f"{r[key] / egnn[key]:.2f}" if r.get(key) and egnn.get(key) else "-"

    for task, per in summary.items():
        egnn = per.get("EGNN", {})
        for name, r in per.items():
            step = r.get("step_ms")
            rows.append(f"| {task} | {name} | {r['params']:,} | {len(r['seeds'])} | "
                        f"{_acc(r, 'acc_aligned')} | {_acc(r, 'acc_rotated')} | {r['epoch_s']:.2f} | "
                        f"{step if step is None else round(step, 1)} | {ratio(r, egnn, 'step_ms')} | "
                        f"{ratio(r, egnn, 'step_cpu_ms')} | {r['activation_mib']:.1f} |")
    rows += ["", "| model (163,842-vertex mesh, inference) | seconds | peak RSS increase MiB |", "|---|---|---|"]
    for name, r in large.items():
        rows.append(f"| {name} | {r.get('seconds', float('nan')):.2f} | "
                    f"{r.get('peak_rss_increase_mib', float('nan')):.0f} |" if "error" not in r
                    else f"| {name} | {r['error']} | - |")
    return "\n".join(rows)


def verdict(summary: dict, rounds: dict) -> list[str]:
    """The issue's goal per task and EMNN variant: step <= 1.5x EGNN's and mean rotated
    accuracy above both EGNN and MeshGCN+aug."""
    lines = []
    for task, per in summary.items():
        g, b = per.get("EGNN"), per.get("MeshGCN+aug")
        for name in CANDIDATES:
            e = per.get(name)
            if not (e and g and b and e.get("step_ms") and g.get("step_ms")):
                continue
            wall, cpu = e["step_ms"] / g["step_ms"], e["step_cpu_ms"] / g["step_cpu_ms"]
            per_round = ", ".join(f"{r['wall'][name] / r['wall']['EGNN']:.2f}/{r['cpu'][name] / r['cpu']['EGNN']:.2f}"
                                  for r in rounds.get(task, []) if name in r["wall"])
            acc = e["acc_rotated"] > g["acc_rotated"] and e["acc_rotated"] > b["acc_rotated"]
            ok = acc and wall <= 1.5
            lines.append(f"- {task}, {name}: step {wall:.2f}x EGNN (CPU {cpu:.2f}x) "
                         f"{'<=' if wall <= 1.5 else '>'} 1.5; rotated accuracy {name} "
                         f"{_acc(e, 'acc_rotated')} vs EGNN {_acc(g, 'acc_rotated')} vs MeshGCN+aug "
                         f"{_acc(b, 'acc_rotated')}: {'above both' if acc else 'NOT above both'} "
                         f"-> goal {'met' if ok else 'NOT met'}; wall/CPU ratio per "
                         f"timing round: {per_round}; rotated accuracy per seed {name}/EGNN: "
                         + ", ".join(f"{x:.3f}/{y:.3f}" for x, y in zip(e["acc_rotated_all"], g["acc_rotated_all"])))
        e = per.get("EMNN")
        if not (e and g and e.get("step_ms") and g.get("step_ms")):
            lines.append(f"- {task}: incomplete")
            continue
        wall = e["step_ms"] / g["step_ms"]
        a = per.get(ABLATION)
        if a and a.get("step_ms"):
            lines.append(f"  - face MLP ablation ({task}): {ABLATION} rotated {_acc(a, 'acc_rotated')}, "
                         f"step {a['step_ms'] / g['step_ms']:.2f}x EGNN (CPU "
                         f"{a['step_cpu_ms'] / g['step_cpu_ms']:.2f}x) vs EMNN "
                         f"{_acc(e, 'acc_rotated')}, {wall:.2f}x")
        pairs = [("time-matched baseline", b, "EMNN") for b in MATCHED]
        pairs += [("hierarchy without faces", "EGNN+hierarchy", c) for c in ("EMNN+hierarchy", "EMNN-3L+hierarchy")]
        for kind, base, cand in pairs:
            bm, cm = per.get(base), per.get(cand)
            if bm and cm and bm.get("step_ms") and cm.get("step_ms"):
                lines.append(f"  - {kind} ({task}): {base} step {bm['step_ms'] / g['step_ms']:.2f}x EGNN, "
                             f"rotated {_acc(bm, 'acc_rotated')}: {cand} ({cm['step_ms'] / g['step_ms']:.2f}x, "
                             f"{_acc(cm, 'acc_rotated')}) is "
                             f"{'above' if cm['acc_rotated'] > bm['acc_rotated'] else 'NOT above'} it")
    return lines


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--per-class", type=int, default=30)
    p.add_argument("--test-per-class", type=int, default=15)
    p.add_argument("--resolutions", type=int, nargs="+", default=[8, 12, 16])
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seeds", type=int, nargs="+", default=[0],
                   help="training seeds (model init and batch order); accuracies are mean ± std")
    p.add_argument("--seed-models", nargs="+", default=list(MODELS) + [ABLATION, *MATCHED, *HIER],
                   choices=MODELS + (ABLATION, *MATCHED, *HIER),
                   help="models trained with every seed; the others only with the first")
    p.add_argument("--step-rounds", type=int, default=3,
                   help="rounds of 40 interleaved timed steps per task (step ms = min over all)")
    p.add_argument("--tasks", nargs="+", default=["classify", "segment"])
    p.add_argument("--large-level", type=int, default=7)
    p.add_argument("--large-timeout", type=int, default=300)
    p.add_argument("--ablation", action="store_true",
                   help=f"also train {ABLATION} (the paper's face MLP) with every seed")
    p.add_argument("--hier", action="store_true",
                   help=f"also train {tuple(HIER)} (hierarchy ablations) with every seed")
    p.add_argument("--matched", action="store_true",
                   help=f"also train the time-matched EGNN baselines {tuple(MATCHED)} with every seed")
    p.add_argument("--large-models", nargs="*", default=list(MODELS), choices=MODELS,
                   help="models for the large-mesh row (finished entries in the partial file are kept)")
    p.add_argument("--time-pair", default=None, choices=MODELS + (ABLATION, *MATCHED, *HIER),
                   help="only print this model's step time / EGNN's with just the two interleaved "
                        "(150 steps, both orders; segmentation batch) and exit")
    p.add_argument("--large-child", default=None)
    p.add_argument("--save-pretrained", action="store_true")
    p.add_argument("--quick", action="store_true", help="tiny smoke run (2 epochs, 3 per class)")
    return p.parse_args(argv)


def model_names(args) -> tuple[str, ...]:
    return (MODELS + ((ABLATION,) if getattr(args, "ablation", False) else ())
            + (tuple(MATCHED) if getattr(args, "matched", False) else ())
            + (tuple(HIER) if getattr(args, "hier", False) else ()))


def load_state(quick: bool) -> dict:
    """Finished runs of an interrupted invocation (``results/emnn_partial.json``, format 2)."""
    state = json.loads(PARTIAL.read_text()) if PARTIAL.exists() and not quick else {}
    if state.get("version") != 2:
        state = {}
    return {"version": 2, "results": {}, "large": {}, "step_ms": {}, **state}


def main(argv=None) -> None:
    args = parse(argv)
    torch.set_num_threads(1)
    if args.large_child:
        return large_child(args.large_child, args)
    if args.time_pair:
        return time_pair(args.time_pair, args)
    if args.quick:
        args.epochs, args.per_class, args.test_per_class, args.large_level = 2, 3, 2, 3
    t_start = time.perf_counter()
    state = load_state(args.quick)
    done = state["results"]

    def save():
        if not args.quick:
            PARTIAL.write_text(json.dumps(state, indent=1))

    data = {task: load_data(task, args) for task in args.tasks}
    for task in args.tasks:
        planned(data[task][0], data[task][3])  # build the plans (and time it) once per task
    plan_ms = {task: round(data[task][3]["ms_per_mesh"], 2) for task in args.tasks}
    for task in args.tasks:
        step = state["step_ms"].get(task, {})
        if set(model_names(args)) - set(step.get("wall", {})):
            step = {}
        rounds = step.get("rounds", [{"wall": step["wall"], "cpu": step["cpu"]}] if step else [])
        while len(rounds) < args.step_rounds:
            rounds.append(interleaved_step_ms(task, data[task], args))
            print(task, "step ms", rounds[-1], flush=True)
            state["step_ms"][task] = dict(rounds=rounds, **{
                k: {n: min(r[k][n] for r in rounds) for n in rounds[0][k]} for k in ("wall", "cpu")})
            save()
    for k, seed in enumerate(args.seeds):
        for task in args.tasks:
            for name in model_names(args):
                runs = done.setdefault(task, {}).setdefault(name, {})
                if str(seed) in runs or (k > 0 and name not in args.seed_models):
                    continue
                runs[str(seed)] = run_one(name, task, data[task], args, seed)
                print(task, name, "seed", seed, runs[str(seed)], flush=True)
                save()
    large = large_mesh(args, state["large"])
    large = {name: large[name] for name in MODELS if name in large}
    save()
    mine = {task: {name: {k: r for k, r in done[task][name].items() if int(k) in args.seeds}
                   for name in model_names(args) if name in done[task]}
            for task in args.tasks if task in done}
    summary = {task: {name: summarize(runs) for name, runs in per.items() if runs}
               for task, per in mine.items()}
    for task, steps in state["step_ms"].items():
        for name, ms in steps["wall"].items():
            summary.get(task, {}).get(name, {}).update(step_ms=ms, step_cpu_ms=steps["cpu"][name])
    record = dict(stamp(), seeds=args.seeds, config=vars(args), summary=summary, results=mine,
                  plan_ms_per_mesh=plan_ms,
                  step_ms=state["step_ms"], large_mesh=large, wall_s=time.perf_counter() - t_start)
    if args.quick:
        print(table(summary, large))
        print("\n".join(verdict(summary, {t: v.get("rounds", []) for t, v in state["step_ms"].items()})))
        return
    write_results("emnn", record, section(summary, large, record))


def section(summary, large, record) -> str:
    c = record["config"]
    seed_note = (f"seeds {c['seeds']} for {', '.join(c['seed_models'])}"
                 + (f", seed {c['seeds'][0]} only for the others"
                    if set(model_names(argparse.Namespace(**c))) - set(c["seed_models"]) else "")
                 if len(c["seeds"]) > 1 else f"seed {c['seeds'][0]}")
    return f"""## EMNN (equivariant mesh network) on procedural meshes

{table(summary, large)}

Verdict against the issue's goal (EMNN beats EGNN and the non-equivariant baseline under
rotation at no more than 1.5x EGNN's time; mean accuracy over seeds, step ratio as below):

{chr(10).join(verdict(summary, {t: v.get("rounds", []) for t, v in record["step_ms"].items()}))}

Command: `{record['command']}`; hardware: {record['hardware']}; {seed_note}
(accuracies: mean ± sample std over seeds; the data set is fixed, seeds change the model
initialisation and batch order); date {record['date']}; wall time of this invocation
{record['wall_s'] / 60:.1f} min (finished runs of earlier, interrupted invocations are reused from
`results/emnn_partial.json`; a full run from scratch takes about 45 min on this shared box).

Protocol: 7 shape classes (sphere, ellipsoid, torus, capsule, cylinder, cone, box) from
`symplugins.datasets.meshes`, {c['per_class']} train / {c['test_per_class']} test meshes per class,
resolutions {c['resolutions']} (26-220 vertices), random deformation (strength 0.1), random
scale and translation; training aligned, tests on the same meshes aligned and after a random
SO(3) rotation per mesh. Segmentation: 14 intrinsic part labels (symmetric parts merged).
Models: hidden {c['hidden']}, {c['layers']} layers (EMNN-3L*: 3), input = mean incident face area; Adam lr
{c['lr']}, cosine schedule, {c['epochs']} epochs, batch {c['batch_size']}, Lightning Trainer on CPU,
`torch.set_num_threads(1)`. "epoch s" is the mean training-epoch wall time (first epoch
excluded; mean over seeds; the box is shared with other jobs, so epoch times are noisy, and
runs reused from an earlier invocation ran under a different load);
"step ms" is the minimum over {c['step_rounds']} rounds of 40 training steps (forward, backward,
Adam) on one {c['batch_size']}-mesh batch with all models interleaved step by step (a rerun adds
rounds to those already measured; every round's ratio is listed in the verdict), the load-robust number
used for "step x EGNN" (goal <= 1.5); "CPU step x EGNN" is the same ratio of the minimum
thread CPU time (`time.thread_time`), less sensitive to the other jobs on the box; "act. MiB"
is the memory of tensors autograd saves for backward in one training forward of a
{c['batch_size']}-mesh batch (saved_tensors_hooks), not process RSS. Large mesh: icosphere level
{c['large_level']}, one no-grad forward in a fresh subprocess, peak RSS increase (ru_maxrss) over
the state after building the inputs and model.

Deviations from the paper: no FAUST/TOSCA/SHREC (not downloadable); tiny models and epochs;
the MeshGCN baseline sees rotated copies during training (augmentation), the equivariant
models never do; the face coordinate head is one Linear (the paper: an MLP); the last SiLU
of the face message MLP `phi_f` (Linear-SiLU-Linear-SiLU) is applied after the sum over the
faces at a vertex instead of per corner (`EMNNConv(paper_face_mlp=False)`, the default;
`{ABLATION}` is the paper's order). Then its second Linear commutes with the sum, so per
corner (3F rows, as many as the E edge rows) only the first Linear's gathered projection and
one SiLU remain; the second Linear and the last SiLU run on the N vertex rows and the
coordinate head is one H -> 1 map per corner (`symplugins/nn/mesh/terms.py`). Also tried in
this session, not kept: no last SiLU at all (`phi_f` = Linear-SiLU-Linear, same cost),
segmentation 0.787 ± 0.017 over seeds 0-2 (classification 1.000), i.e. below EGNN. Cost work
shared with EGNN (same functions): first Linear of the edge and face MLPs evaluated per
vertex and gathered, `index_select` gathers, no 1x1 batched matmuls, the Laplacian only
where the E(3) face term uses it.

Hierarchy (`EMNN+hierarchy`, `EMNN-3L+hierarchy`, and `EGNN+hierarchy` = the same hierarchy
without the face term, `--hier`): 3 stages of FPS (ratio 0.25) + radius max-pooling and 3-NN
unpooling on invariant features. Its pooling indices depend only on the per-mesh normalised
positions and are E(3)-invariant, like `edge_index` from faces, so for training they are
computed once per mesh by the PyG transform `symplugins.adapters.pyg.MeshHierarchyPlan`
({", ".join(f"{t}: {v} ms per mesh" for t, v in record.get("plan_ms_per_mesh", {}).items())}, one
time, not in "epoch s" or "step ms") and batched by PyG (`HierarchyData` offsets each level);
the forward recomputes distances and weights from the positions. Test meshes, aligned and
rotated, build their plan inside the forward from the (rotated) coordinates, so the rotated
accuracy also exercises the plan's invariance. Computing the plan inside every training step
instead costs about 9 ms per 16-mesh batch (FPS 4.4, radius 2.1, k-NN ~3), i.e. ~0.4x EGNN's
step (measured 2026-11-27, session 4: EMNN+hierarchy 2.24x with it, 1.85x without). The
large-mesh row builds the plan inside its one forward.

Reading of the 2026-11-27 (session 4) run: the goal as worded is met in both tasks by a
3-layer EMNN (cheaper than 1.5x EGNN's 4-layer step), but by different variants, and the
ablations do not credit the face term. Segmentation: EMNN-3L+hierarchy 0.887 ± 0.025 at
1.34x vs EGNN 0.798 ± 0.019 (every seed above EGNN's best seed); the ratio depends on the
timing set-up: 1.45x in `emnn_variants`, which interleaves 7 models instead of 10, and
1.39-1.46x (two runs) with only the two models interleaved (`--time-pair EMNN-3L+hierarchy`; EGNN's step
is ~1.5 ms faster there, EMNN's unchanged), so the margin to 1.5x is thin; yet EGNN with the same hierarchy
(no faces) reaches 0.906 ± 0.032 at 1.17x, so the hierarchy, not the face term, carries the
gain (with 4 layers EMNN+hierarchy 0.920 is above EGNN+hierarchy, at 1.74x). Classification
is saturated: EMNN-3L 0.996 ± 0.005 at 1.19x vs EGNN 0.994 ± 0.009 is a tie within the seed
spread (one test mesh), and EMNN-3L+hierarchy (0.992) is not above EGNN. Face-term
variants (`benchmarks/emnn_variants.py`, section `emnn_variants`): with the paper's face-MLP
order the 3-layer hierarchical EMNN reaches 0.912 ± 0.030, level with EGNN+hierarchy, but
at ~1.6x EGNN's step; the SE(3) face term (0.890) and a pooling radius of 0.5 (0.888) change
nothing beyond the seed spread.

Time-matched baselines (`--matched`): EGNN with 6 layers (`EGNN-6L`) and EGNN with hidden 48
(`EGNN-h48`) cost about what EMNN costs per step (ratios in the table), so they answer "is the
face term worth its time?" on this data. Cost experiments on the face term, measured with the
same interleaved training step on one segmentation batch (2026-11-27, session 3; none kept):
a hand-written autograd.Function for the per-corner block (one gather, SiLU, scatter, manual
backward): 1.71x vs 1.62x for the autograd version in the same run (slower); CSR
(`embedding_bag`) scatters and gathers in both terms: bit-identical outputs, EGNN 24.8 vs 24.5 ms,
EMNN 40.3 vs 40.6 ms (no gain); fewer ops in the coordinate part: no gain beyond noise; dropping
the face coordinate update entirely: 1.45x (its whole cost is ~0.1x EGNN); a narrower per-corner
MLP (hidden 16): 1.47x but segmentation 0.752 +- 0.035 over seeds 0-2, below EGNN. Accuracy
variants (segmentation, seeds 0-2): SE(3) face term 0.816 +- 0.047; a second vector channel
(position + vertex normal, `vector_channels=2`) 0.869 +- 0.035 but 2.37x EGNN's step.
"""


if __name__ == "__main__":
    main()
