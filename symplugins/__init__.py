"""symplugins: symmetry-aware neural networks for the ecosystems people already use.

Layering (folders): core math (:mod:`~symplugins.groups`, :mod:`~symplugins.clifford`,
:mod:`~symplugins.geometry`, :mod:`~symplugins.graph`, weight spaces in
:mod:`~symplugins.nfn`) -> :mod:`~symplugins.nn` layers -> :mod:`~symplugins.models` ->
:mod:`~symplugins.adapters` (the only code that imports nequip, ase, torch_geometric,
pytorch3d). Importing this package imports torch and nothing else heavy; families are
imported lazily on attribute access.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {
    "groups", "testing", "graph", "geometry", "clifford", "nn", "models", "adapters",
    "datasets", "data", "io", "nfn", "cgegnn", "emnn", "points", "utils", "ase", "nequip",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'symplugins' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
