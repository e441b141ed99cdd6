"""The EMNN models shipped in ``symplugins/pretrained/`` (trained on the procedural meshes).

Files hold ``{"config": plain dict, "state_dict": tensors}`` and load with
``torch.load(..., weights_only=True)``; ``config["command"]`` is the training command.
"""
from __future__ import annotations

from pathlib import Path

import torch

from .model import EMNN

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
    model = EMNN(cfg["in_channels"], cfg["hidden"], cfg["out_channels"], cfg["layers"],
                 task=cfg["task"], mode=cfg["mode"])
    model.load_state_dict(blob["state_dict"])
    return model.eval(), cfg
