"""Potentials shipped inside the package (``symplugins/pretrained/cgegnn-<name>.pt``)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from symplugins.models.potential.checkpoint import load_checkpoint

#: shipped CG-EGNN potentials are files ``cgegnn-<name>.pt`` (other families share the folder)
PREFIX = "cgegnn-"


def _folder() -> Path:
    return Path(str(resources.files("symplugins").joinpath("pretrained")))


def list_pretrained() -> list[str]:
    """Names of the shipped CG-EGNN potentials (for ``CGEGNNCalculator.pretrained``)."""
    folder = _folder()
    files = folder.glob(f"{PREFIX}*.pt") if folder.is_dir() else []
    return sorted(p.stem[len(PREFIX):] for p in files)


def pretrained_path(name: str) -> Path:
    """Path of the shipped potential ``name``; ValueError listing the names otherwise."""
    path = _folder() / f"{PREFIX}{name}.pt"
    if not path.is_file():
        raise ValueError(f"no pretrained potential named {name!r}; available: {list_pretrained()}")
    return path


def pretrained_info(name: str) -> dict:
    """Config and metadata (training data, errors, command) of a shipped potential."""
    ckpt = load_checkpoint(pretrained_path(name))
    return {"config": ckpt["config"], "metadata": ckpt.get("metadata", {})}
