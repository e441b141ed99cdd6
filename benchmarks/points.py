"""Finite-group point backbones vs plain (+augmentation) vs Vector Neurons (issue 7).

Protocols (train rotation / test rotation) on the procedural point-cloud set
(:class:`symplugins.datasets.points.ProceduralPointClouds`, 7 shape classes, aligned
clouds): z/z, z/SO3 (one training with random z rotations, tested both ways) and
SO3/SO3 (training with random SO(3) augmentation). Models: PointNet (plain), G-PointNet
with C_8, O and I (group averaging), G-PointNet O in lifted G-CNN mode, VN-PointNet.
Per run: test accuracy, train time per epoch, inference time per cloud, parameters, and
the activation memory autograd saves for one training batch (CPU: saved-tensor bytes;
CUDA: peak allocated). Lightning Trainer on CPU, one thread. Finished runs are kept in
``benchmarks/.cache/points/runs.jsonl`` and skipped on rerun (interrupt-safe).

    python benchmarks/points.py [--epochs 20] [--per-class 30] [--points 96] [--models ...]
        [--export symplugins/pretrained/gpointnet_o_procedural.pt]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import lightning as L
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import stamp, write_results  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache" / "points"
MODELS = ("PointNet", "G-PointNet C8", "G-PointNet O", "G-PointNet I", "G-PointNet O lift", "VN-PointNet",
          "VN-PointNet 3x epochs")
EPOCH_SCALE = {"VN-PointNet 3x epochs": 3}      # does the VN baseline catch up with more training?
SMALL = dict(channels=(32, 64, 128), head=(64,), dropout=0.3)


def build(name: str, num_classes: int, task: str = "classification") -> torch.nn.Module:
    from symplugins.points import GPointNet, PointNet, VNPointNet
    if name == "PointNet":
        return PointNet(0, num_classes, task=task, **SMALL)
    if name.startswith("VN-PointNet"):
        return VNPointNet(0, num_classes, task=task, k=10, channels=(16, 32, 64), head=(64,))
    group, *rest = name.split()[1:]
    mode = "lift" if rest == ["lift"] else "average"
    return GPointNet(0, num_classes, group=group, task=task, mode=mode, lift_channels=32, **SMALL)


def rotate(batch, kind: str, generator: torch.Generator):
    """A random rotation ("z" about the z axis, "so3" Haar) per cloud of a PyG batch."""
    import math
    from symplugins.groups import random_rotation
    n = int(batch.num_graphs)
    if kind == "so3":
        rot = random_rotation(n, generator=generator, dtype=batch.pos.dtype)
    else:
        a = 2 * math.pi * torch.rand(n, generator=generator, dtype=batch.pos.dtype)
        c, s, o, z = a.cos(), a.sin(), torch.ones_like(a), torch.zeros_like(a)
        rot = torch.stack([c, -s, z, s, c, z, z, z, o], 1).view(n, 3, 3)
    batch = batch.clone()
    batch.pos = torch.einsum("nij,nj->ni", rot[batch.batch], batch.pos)
    return batch


class Classifier(L.LightningModule):
    """Cross-entropy training with a random rotation (``train_rot``) of every cloud."""

    def __init__(self, model, train_rot: str, lr: float, epochs: int, seed: int = 0):
        super().__init__()
        self.model, self.train_rot, self.lr, self.epochs = model, train_rot, lr, epochs
        self.gen = torch.Generator().manual_seed(seed)

    def training_step(self, batch, _):
        batch = rotate(batch, self.train_rot, self.gen)
        target = batch.part if self.model.task == "segmentation" else batch.y
        return torch.nn.functional.cross_entropy(self.model(None, batch.pos, batch.batch), target)

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        return [opt], [torch.optim.lr_scheduler.CosineAnnealingLR(opt, self.epochs)]


class EpochTimer(L.Callback):
    """Wall time of every training epoch."""

    def __init__(self):
        self.times: list[float] = []

    def on_train_epoch_start(self, *args):
        self.t0 = time.perf_counter()

    def on_train_epoch_end(self, *args):
        self.times.append(time.perf_counter() - self.t0)


def shape_ious(pred, part, batch, y, parts_of: dict) -> list[float]:
    """ShapeNet-style instance IoU: per cloud, mean over its class's parts (empty union -> 1)."""
    out = []
    for b in range(int(batch.max()) + 1):
        p, t = pred[batch == b], part[batch == b]
        ious = [float(((p == k) & (t == k)).sum()) / max(float(((p == k) | (t == k)).sum()), 1e-9)
                if bool(((p == k) | (t == k)).any()) else 1.0 for k in parts_of[int(y[b])]]
        out.append(sum(ious) / len(ious))
    return out


@torch.no_grad()
def evaluate(model, loader, kind: str, parts_of: dict | None = None) -> tuple[float, float, float | None]:
    """Accuracy (per cloud, or per point) under test rotations ``kind`` (fixed seed),
    inference ms per cloud, and the instance mIoU for segmentation."""
    model.eval()
    gen, correct, total, secs, ious = torch.Generator().manual_seed(123), 0, 0, 0.0, []
    for batch in loader:
        batch = rotate(batch, kind, gen)
        t0 = time.perf_counter()
        pred = model(None, batch.pos, batch.batch).argmax(-1)
        secs += time.perf_counter() - t0
        target = batch.part if model.task == "segmentation" else batch.y
        correct += int((pred == target).sum())
        total += target.numel()
        if model.task == "segmentation":
            ious += shape_ious(pred, batch.part, batch.batch, batch.y, parts_of)
    miou = sum(ious) / len(ious) if ious else None
    return correct / total, 1000 * secs / len(loader.dataset), miou


def activation_mb(model, batch) -> float:
    """MB that autograd saves for one training forward (CUDA: peak allocated instead)."""
    model.train()
    if batch.pos.is_cuda:
        torch.cuda.reset_peak_memory_stats()
        model(None, batch.pos, batch.batch).sum().backward()
        return torch.cuda.max_memory_allocated() / 2**20
    seen: dict[tuple, int] = {}

    def pack(t):
        seen[(t.data_ptr(), t.dtype, tuple(t.shape))] = t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(None, batch.pos, batch.batch).sum()
    return sum(seen.values()) / 2**20


def datasets(args):
    from symplugins.datasets.points import ProceduralPointClouds
    kw = dict(num_points=args.points, noise=0.01, deform=0.1, seed=args.seed)
    train = ProceduralPointClouds(CACHE / "data", split="train", num_per_class=args.per_class, **kw)
    test = ProceduralPointClouds(CACHE / "data", split="test", num_per_class=args.test_per_class, **kw)
    return train, test


def train(name: str, train_rot: str, args, train_set):
    from torch_geometric.loader import DataLoader
    torch.manual_seed(args.seed)
    seg = args.task == "segmentation"
    model = build(name, train_set.num_parts if seg else train_set.num_classes, args.task)
    timer = EpochTimer()
    epochs = args.epochs * EPOCH_SCALE.get(name, 1)
    trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        callbacks=[timer])
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(args.seed))
    trainer.fit(Classifier(model, train_rot, args.lr, epochs, args.seed), loader)
    return model, timer.times


def run_one(name: str, train_rot: str, args, train_set, test_set) -> list[dict]:
    from torch_geometric.loader import DataLoader
    t0 = time.perf_counter()
    model, times = train(name, train_rot, args, train_set)
    loader = DataLoader(test_set, batch_size=args.batch_size)
    first = next(iter(DataLoader(train_set, batch_size=args.batch_size)))
    common = dict(model=name, params=sum(p.numel() for p in model.parameters()),
                  epoch_s=sum(times[1:]) / max(len(times) - 1, 1), activation_mb=activation_mb(model, first),
                  train_wall_s=time.perf_counter() - t0, epochs=len(times), seed=args.seed)
    rows = []
    parts_of: dict = {}
    for d in train_set:
        parts_of.setdefault(int(d.y), set()).update(d.part.tolist())
    for test_rot in (("z", "so3") if train_rot == "z" else ("so3",)):
        acc, ms, miou = evaluate(model, loader, test_rot, {k: sorted(v) for k, v in parts_of.items()})
        proto = f"{train_rot.upper() if train_rot == 'so3' else 'z'}/{test_rot.upper() if test_rot == 'so3' else 'z'}"
        rows.append(dict(common, protocol=proto, accuracy=acc, miou=miou, infer_ms_per_cloud=ms, task=args.task))
    return rows, model


def interleaved_timing(names, train_set, args, rounds: int = 5) -> dict:
    """Median train step (fwd+bwd+Adam) and eval forward, ms per batch, models interleaved
    round-robin on one fixed batch so machine-load drift hits all models alike."""
    from torch_geometric.loader import DataLoader
    seg = args.task == "segmentation"
    batch = next(iter(DataLoader(train_set, batch_size=args.batch_size)))
    target = batch.part if seg else batch.y
    models = {n: build(n, train_set.num_parts if seg else train_set.num_classes, args.task) for n in names}
    opts = {n: torch.optim.Adam(m.parameters()) for n, m in models.items()}
    times = {n: ([], []) for n in names}
    for _ in range(rounds):
        for n, m in models.items():
            m.train()
            t0 = time.perf_counter()
            loss = torch.nn.functional.cross_entropy(m(None, batch.pos, batch.batch), target)
            opts[n].zero_grad()
            loss.backward()
            opts[n].step()
            t1 = time.perf_counter()
            m.eval()
            with torch.no_grad():
                m(None, batch.pos, batch.batch)
            times[n][0].append(1000 * (t1 - t0))
            times[n][1].append(1000 * (time.perf_counter() - t1))
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    return {n: dict(train_ms=med(a), infer_ms=med(b)) for n, (a, b) in times.items()}


def table(rows: list[dict]) -> str:
    seg = any(r.get("miou") is not None for r in rows)
    acc = "point accuracy | instance mIoU" if seg else "accuracy"
    lines = [f"| model | protocol | {acc} | train s/epoch | inference ms/cloud | train ms/batch* | inference ms/batch* "
             "| saved activations MB/batch | parameters |",
             "|---|---|---|---|---|---|---|---|---|" + ("---|" if seg else "")]
    order = {"z/z": 0, "z/SO3": 1, "SO3/SO3": 2}
    for r in sorted(rows, key=lambda r: (order[r["protocol"]], MODELS.index(r["model"]))):
        score = f"{100 * r['accuracy']:.1f}%" + (f" | {100 * r['miou']:.1f}%" if seg else "")
        t = r.get("timing", {})
        lines.append(f"| {r['model']} | {r['protocol']} | {score} | {r['epoch_s']:.2f} | "
                     f"{r['infer_ms_per_cloud']:.2f} | {t.get('train_ms', float('nan')):.0f} | "
                     f"{t.get('infer_ms', float('nan')):.0f} | {r['activation_mb']:.1f} | {r['params']:,} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", default="classification", choices=["classification", "segmentation"])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--per-class", type=int, default=30)
    p.add_argument("--test-per-class", type=int, default=20)
    p.add_argument("--points", type=int, default=96)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--protocols", nargs="+", default=["so3", "z"], choices=["z", "so3"], help="training rotations")
    p.add_argument("--all-runs", action="store_true", help="also train I and O-lift under z/z + z/SO3")
    p.add_argument("--export", type=Path, default=None,
                   help="save the G-PointNet O trained under SO3/SO3 here (the shipped classifier)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    train_set, test_set = datasets(args)
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = CACHE / "runs.jsonl"
    done = [json.loads(ln) for ln in cache.read_text().splitlines()] if cache.exists() else []
    cfg = dict(epochs=args.epochs, per_class=args.per_class, points=args.points, seed=args.seed, lr=args.lr)
    if args.task == "segmentation":
        cfg["task"] = "segmentation"
    t_start = time.perf_counter()
    from tqdm import tqdm
    skip = {("G-PointNet I", "z"), ("G-PointNet O lift", "z"), ("VN-PointNet 3x epochs", "z")}   # CPU budget
    jobs = [(m, r) for r in args.protocols for m in args.models if (m, r) not in skip or args.all_runs]
    for name, rot in tqdm(jobs, desc="points benchmark"):
        key = dict(cfg, model=name, train_rot=rot)
        exporting = args.export is not None and (name, rot) == ("G-PointNet O", "so3") and args.task == "classification"
        if any(d["key"] == key for d in done) and not exporting:
            continue
        rows, model = run_one(name, rot, args, train_set, test_set)
        if exporting:
            export(args, model, rows, train_set)
        done.append(dict(key=key, rows=rows))
        with cache.open("a") as f:
            f.write(json.dumps(done[-1]) + "\n")
        tqdm.write(table(rows))
    latest = {json.dumps(d["key"], sort_keys=True): d for d in done}          # a rerun replaces a cached run
    rows = [r for d in latest.values() if {k: v for k, v in d["key"].items() if k not in ("model", "train_rot")} == cfg
            and d["key"]["model"] in args.models for r in d["rows"]]
    names = sorted({r["model"] for r in rows if r["model"] not in EPOCH_SCALE}, key=MODELS.index)
    timing = interleaved_timing(names, train_set, args)
    timing.update({n: timing[n.split(" 3x")[0]] for n in EPOCH_SCALE if n.split(" 3x")[0] in timing})
    rows = [dict(r, timing=timing[r["model"]]) for r in rows]
    report(rows, args, time.perf_counter() - t_start)


def export(args, model, rows, train_set) -> None:
    """Save the shipped classifier ``{"config", "state_dict", "classes", "num_points", ...}``."""
    from symplugins.geometry import SHAPE_CLASSES
    config = dict(kind="GPointNet", in_channels=0, num_classes=train_set.num_classes, group="O", **SMALL)
    config["channels"], config["head"] = list(config["channels"]), list(config["head"])
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    blob = dict(config=config, state_dict=state, classes=list(SHAPE_CLASSES),
                num_points=args.points, test_accuracy_so3=rows[0]["accuracy"],
                command="python " + " ".join(sys.argv))
    args.export.parent.mkdir(parents=True, exist_ok=True)
    torch.save(blob, args.export)
    print(f"saved {args.export} ({args.export.stat().st_size / 1024:.0f} kB), SO3/SO3 accuracy {rows[0]['accuracy']:.3f}")


def report(rows: list[dict], args, wall: float) -> None:
    data = [dict(r, **stamp()) for r in rows]
    seg = args.task == "segmentation"
    metric = "miou" if seg else "accuracy"
    best = lambda pred: max((r for r in rows if pred(r)), key=lambda r: r[metric], default=None)  # noqa: E731
    g = best(lambda r: r["protocol"] == "SO3/SO3" and r["model"].startswith("G-"))
    vn = best(lambda r: r["protocol"] == "SO3/SO3" and r["model"] == "VN-PointNet")
    plain = best(lambda r: r["protocol"] == "SO3/SO3" and r["model"] == "PointNet")
    summary = ""
    if g and vn and plain:
        summary = (f"SO3/SO3 ({metric}): best G-backbone {g['model']} {100 * g[metric]:.1f}% vs VN-PointNet "
                   f"{100 * vn[metric]:.1f}% vs PointNet + SO(3) augmentation {100 * plain[metric]:.1f}%.")
        cheap = [r for r in rows if r["protocol"] == "SO3/SO3" and r["model"].startswith("G-")
                 and r[metric] >= vn[metric] and "timing" in r and "timing" in vn]
        if cheap:
            c = min(cheap, key=lambda r: r["timing"]["train_ms"])
            summary += (f" Cheapest G-backbone at or above VN: {c['model']} ({100 * c[metric]:.1f}%) with "
                        f"{c['timing']['train_ms'] / vn['timing']['train_ms']:.2f}x VN's train time per batch, "
                        f"{c['timing']['infer_ms'] / vn['timing']['infer_ms']:.2f}x its inference time and "
                        f"{c['activation_mb'] / vn['activation_mb']:.2f}x its saved activations.")
    runs = {(r["model"], r["protocol"].split("/")[0]): r["train_wall_s"] for r in rows}
    train_wall = sum(runs.values())
    what = "part segmentation (14 global parts, per-point heads)" if seg else "shape classification"
    md = f"""## points{'_segmentation' if seg else ''}: finite-group point backbones vs plain + augmentation vs Vector Neurons, {what}

{table(rows)}

{summary}

Command: `{stamp()['command']}`
(hardware and date in the JSON; {stamp()['hardware']}). Seed {args.seed}, one run per cell;
training wall time summed over the runs {train_wall / 60:.1f} min (this invocation: {wall / 60:.1f} min;
finished runs are cached in `benchmarks/.cache/points/runs.jsonl` and not repeated).

Data: `ProceduralPointClouds` (7 procedural shape classes with random proportions and
non-rigid deformation, {args.points} surface points per cloud, Gaussian noise 0.01 in the unit
ball), {args.per_class} training and {args.test_per_class} test clouds per class, aligned; the
protocol's rotations are drawn per cloud at training (z: about the z axis; SO3: Haar) and at
test time (fixed seed). z/z and z/SO3 come from the same training run. Backbone: PointNet
(per-point MLP 32-64-128, max pool, head 64); G-PointNet = `make_equivariant` group averaging
of that backbone over C8 / O (24) / I (60) ("lift": lifted G-CNN with two GroupConv layers);
VN-PointNet = our Vector Neurons implementation (edge layer k=10, VN widths 16-32-64, VN
batch norm); "3x epochs" trains it {3 * args.epochs} epochs (same schedule) to show whether it
catches up with more compute. The shipped classifier is the SO3/SO3 G-PointNet O run, saved by
`python benchmarks/points.py --export symplugins/pretrained/gpointnet_o_procedural.pt`.
Adam lr {args.lr}, cosine schedule, batch {args.batch_size}, Lightning Trainer on CPU, 1 thread.
"train s/epoch" excludes the first epoch and "inference ms/cloud" is the eval forward per
test cloud in batches of {args.batch_size}, both timed during the runs, which were spread over
many minutes of a CPU shared with other jobs (noisy); the starred columns are the robust
comparison: median of 5 rounds on one fixed batch of {args.batch_size} clouds, all models
interleaved round-robin in one process (train = forward + backward + Adam step).
"saved activations" are the bytes autograd keeps for one
training batch (CPU has no peak-allocation counter; on CUDA this column is peak memory).

Deviations from the paper protocol: {'ShapeNet-part' if seg else 'ModelNet40'} is not downloadable here, so the
procedural 7-class set stands in{' (parts: the mesh dataset intrinsic global parts; instance mIoU over the parts seen for the cloud class)' if seg else ''}; sizes (clouds, points, widths, epochs) are shrunk to fit a shared
2-core CPU; single seed; no T-Net in PointNet; VN baseline is VN-PointNet, not VN-DGCNN.
"""
    write_results("points_segmentation" if seg else "points", data, md)
    print(md)


if __name__ == "__main__":
    main()
