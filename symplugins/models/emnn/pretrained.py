"""The EMNN models shipped in ``symplugins/pretrained/`` (trained on the procedural meshes).

Files hold ``{"config": plain dict, "state_dict": tensors}`` and load with
``torch.load(..., weights_only=True)``; ``config["command"]`` is the training command.
"""
from __future__ import annotations

from pathlib import Path

import torch

from .model import EMNN

#: how the face MLP of the shipped weights is evaluated (``config["face_mlp"]``): "sum-then-silu"
#: (the default: last SiLU of phi_f after the sum over faces) or "paper" (all per corner;
#: files without the key were trained that way)
FACE_MLP = "sum-then-silu"
_FACE_MLPS = {"sum-then-silu": False, "paper": True}   # -> paper_face_mlp
#: task -> file name in symplugins/pretrained
PRETRAINED = {"classify": "emnn_procedural_classify.pt", "segment": "emnn_procedural_segment.pt"}
_DIR = Path(__file__).resolve().parents[2] / "pretrained"


def load_pretrained(task: str = "classify", *, path: str | Path | None = None) -> tuple[EMNN, dict]:
    """Build the shipped EMNN for ``task`` ("classify" or "segment") -> ``(model.eval(), config)``."""
    if path is None:
        if task not in PRETRAINED:
            raise ValueError(f"'task' must be one of {tuple(PRETRAINED)}, got {task!r}")
        path = _DIR / PRETRAINED[task]
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no pretrained EMNN at {path}; train one with "
                                "`python benchmarks/emnn.py --save-pretrained`")
    blob = torch.load(path, weights_only=True, map_location="cpu")
    cfg = blob["config"]
    face_mlp = cfg.get("face_mlp", "paper")
    if face_mlp not in _FACE_MLPS:
        raise ValueError(f"{path} was trained with an EMNN face MLP this version does not build "
                         f"({face_mlp!r}; known: {tuple(_FACE_MLPS)}); retrain it with "
                         "`python benchmarks/emnn.py --save-pretrained`")
    model = EMNN(cfg["in_channels"], cfg["hidden"], cfg["out_channels"], cfg["layers"],
                 task=cfg["task"], mode=cfg["mode"], paper_face_mlp=_FACE_MLPS[face_mlp])
    model.load_state_dict(blob["state_dict"])
    return model.eval(), cfg
