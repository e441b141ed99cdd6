"""``symplugins points FILE``: classify a point cloud with the shipped G-PointNet (octahedral)."""
from __future__ import annotations

import argparse

from ._device import add_device_argument, torch_device


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("points", help="classify a point cloud file (.xyz, .ply, .npy) with a shipped model")
    p.add_argument("file", help="point cloud: .xyz/.txt rows 'x y z ...', .ply vertices, .npy [N, 3+]")
    p.add_argument("--model", default=None, help="weights file (default: the shipped procedural-shape classifier)")
    p.add_argument("--top", type=int, default=None, help="print only the TOP most likely classes")
    p.add_argument("--seed", type=int, default=0, help="seed of the point resampling")
    add_device_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from symplugins.io.points import read_points
    from symplugins.models.points.pretrained import classify, load_classifier

    device = torch_device(args.device)
    pos, _ = read_points(args.file)
    model, meta = load_classifier(args.model)
    model = model.to(device)
    probs = classify(model, pos, int(meta["num_points"]), seed=args.seed).cpu()
    order = probs.argsort(descending=True)[: args.top]
    print(f"{args.file}: {pos.shape[0]} points -> {meta['classes'][int(order[0])]} "
          f"({meta['config']['kind']} {meta['config'].get('group', '')}, {meta['num_points']} points)")
    for i in order.tolist():
        print(f"  {meta['classes'][i]:<12} {float(probs[i]):.4f}")
    return 0
