"""``symplugins mesh FILE``: classify or segment a mesh file with the shipped EMNN."""
from __future__ import annotations

import argparse

from ._device import add_device_argument, torch_device


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mesh", help="classify or segment a triangle mesh (.off/.obj/.ply) with EMNN",
                       description="Run the EMNN trained on the procedural mesh set "
                                   "(symplugins.datasets.meshes) on a mesh file and print "
                                   "per-class probabilities.")
    p.add_argument("file", help="mesh file (.off, .obj, .ply, .stl, or a format meshio reads)")
    p.add_argument("--task", choices=("classify", "segment"), default="classify")
    p.add_argument("--model", default=None, help="checkpoint path (default: the shipped model)")
    p.add_argument("--top", type=int, default=0, help="print only the top-k classes (0 = all)")
    add_device_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from symplugins.datasets.meshes import PART_NAMES
    from symplugins.geometry import SHAPE_CLASSES, edges_from_faces
    from symplugins.io.meshes import load_mesh
    from symplugins.models.emnn.pretrained import load_pretrained
    from symplugins.nn.mesh.features import mesh_features
    from symplugins.utils import first_parameter

    device = torch_device(args.device)
    model, cfg = load_pretrained(args.task, path=args.model)
    model = model.to(device)
    pos, face = load_mesh(args.file)
    edge_index = edges_from_faces(face.T, pos.shape[0])
    inputs = (mesh_features(pos, face), pos, edge_index, face)
    dtype = first_parameter("model", model).dtype  # the model's, whatever torch's default dtype is
    with torch.no_grad():
        logits = model(*(t.to(device=device, dtype=dtype if t.is_floating_point() else t.dtype)
                         for t in inputs))[0]
    prob = logits.softmax(-1).cpu()
    if args.task == "classify":
        names, p = SHAPE_CLASSES, prob[0]
        print(f"{args.file}: {pos.shape[0]} vertices, {face.shape[1]} faces")
    else:
        names, p = PART_NAMES, prob.mean(0)
        counts = torch.bincount(prob.argmax(-1), minlength=len(names))
        print(f"{args.file}: {pos.shape[0]} vertices; mean per-vertex part probabilities "
              "(vertices assigned in brackets)")
    order = p.argsort(descending=True)[: args.top or len(names)]
    for i in order.tolist():
        extra = f"  [{int(counts[i])}]" if args.task == "segment" else ""
        print(f"  {names[i]:<18} {float(p[i]):.3f}{extra}")
    return 0
