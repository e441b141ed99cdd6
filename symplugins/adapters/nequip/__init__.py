"""NequIP extension entry module (``[project.entry-points."nequip.extension"]``).

``import nequip`` imports this module, so it stays light: it imports neither
``nequip.model`` (circular import at ``import nequip``) nor any other host library.
The graph modules live in :mod:`.modules` (torch, e3nn, ``nequip.data``, ``nequip.nn`` and
our core only, so ``nequip-package`` can intern them) and the ``@model_builder`` builders
in :mod:`.builders` (exposed as :mod:`symplugins.nequip`), as in Allegro.
"""
from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"CGEGNNMessagePassing": "modules", "CGEGNNReadout": "modules", "CGEGNNModel": "builders"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
