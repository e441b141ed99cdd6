"""The shipped point-cloud classifier: loading (``weights_only=True``) and classifying a cloud."""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from ...utils.checks import first_parameter
from .dgcnn import DGCNN
from .gmodels import GDGCNN, GPointNet, GPointNet2
from .pointnet import PointNet
from .pointnet2 import PointNet2
from .vn import VNPointNet

__all__ = ["DEFAULT_CLASSIFIER", "load_classifier", "prepare_cloud", "classify"]

DEFAULT_CLASSIFIER = Path(__file__).resolve().parents[2] / "pretrained" / "gpointnet_o_procedural.pt"
_KINDS = {c.__name__: c for c in (PointNet, PointNet2, DGCNN, GPointNet, GPointNet2, GDGCNN, VNPointNet)}


def load_classifier(path: str | Path | None = None) -> tuple[torch.nn.Module, dict]:
    """Load a saved classifier ``{"config", "state_dict", "classes", "num_points", ...}`` -> (model in eval, meta)."""
    path = Path(path) if path is not None else DEFAULT_CLASSIFIER
    if not path.is_file():
        raise FileNotFoundError(f"classifier weights not found: {path}")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    config = dict(blob["config"])
    kind = config.pop("kind")
    if kind not in _KINDS:
        raise ValueError(f"unknown model kind {kind!r} in {path.name}; expected one of {sorted(_KINDS)}")
    in_channels, num_classes = config.pop("in_channels"), config.pop("num_classes")
    model = _KINDS[kind](in_channels, num_classes, **config)
    model.load_state_dict(blob["state_dict"])
    meta = {k: v for k, v in blob.items() if k not in ("state_dict",)}
    return model.eval(), meta


def prepare_cloud(pos: Tensor, num_points: int, *, seed: int = 0) -> Tensor:
    """Centre, scale into the unit ball and resample (seeded) to ``num_points`` points."""
    if pos.dim() != 2 or pos.shape[1] != 3 or pos.shape[0] == 0:
        raise ValueError(f"'pos' must be a non-empty [N, 3] cloud, got {list(pos.shape)}")
    if not bool(torch.isfinite(pos).all()):
        raise ValueError("'pos' contains NaN or inf coordinates")
    gen = torch.Generator().manual_seed(seed)
    n = pos.shape[0]
    idx = torch.randperm(n, generator=gen)[:num_points] if n >= num_points else \
        torch.randint(n, (num_points,), generator=gen)
    pos = pos[idx].to(torch.get_default_dtype())
    pos = pos - pos.mean(0)
    return pos / pos.norm(dim=1).max().clamp_min(1e-12)


@torch.no_grad()
def classify(model: torch.nn.Module, pos: Tensor, num_points: int, *, seed: int = 0) -> Tensor:
    """Class probabilities ``[num_classes]`` of one cloud ``pos [N, 3]`` (on the model's device)."""
    w = first_parameter("model", model)
    p = prepare_cloud(pos, num_points, seed=seed).to(device=w.device, dtype=w.dtype)
    return torch.softmax(model(None, p, None)[0], dim=-1)
