"""Save and load CG-EGNN potentials as plain checkpoints (``torch.load(weights_only=True)``).

Format: ``{"format": "symplugins.cgegnn-energy", "version": 1, "config": {...},
"state_dict": {...}, "metadata": {...}}`` with only tensors, str, int, float, lists and
dicts, so loading never unpickles code.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .energy import CGEGNNEnergy

FORMAT, VERSION = "symplugins.cgegnn-energy", 1


def save_potential(model: CGEGNNEnergy, path: str | os.PathLike, **metadata) -> Path:
    """Write ``model`` (config + state dict, CPU tensors) and ``metadata`` to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch.save({"format": FORMAT, "version": VERSION, "config": dict(model.config),
                "state_dict": state, "metadata": metadata}, path)
    return path


def load_checkpoint(path: str | os.PathLike) -> dict:
    """The raw checkpoint dict (validated format), loaded with ``weights_only=True``."""
    if not Path(path).exists():
        raise FileNotFoundError(f"potential file {str(path)!r} does not exist")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a symplugins CG-EGNN potential "
                         f"(expected format {FORMAT!r}); save one with save_potential()")
    if ckpt.get("version", 0) > VERSION:
        raise ValueError(f"{str(path)!r} has format version {ckpt['version']}; upgrade symplugins")
    return ckpt


def load_potential(path: str | os.PathLike, *, dtype: torch.dtype | None = None,
                   device: str | torch.device = "cpu") -> CGEGNNEnergy:
    """Rebuild a :class:`CGEGNNEnergy` from ``path`` (in ``dtype``, default: as stored)."""
    ckpt = load_checkpoint(path)
    model = CGEGNNEnergy(**ckpt["config"])
    stored = ckpt["state_dict"]["scales"].dtype
    model.to(stored).load_state_dict(ckpt["state_dict"])
    model.metadata = dict(ckpt.get("metadata", {}))
    return model.to(device=device, dtype=dtype or stored).eval()
