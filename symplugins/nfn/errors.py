"""Error classes of :mod:`symplugins.nfn`.

The project rule is ``ValueError`` for bad input; an argument of the wrong *type* is
also a ``TypeError`` in plain Python. These classes subclass both, so callers that
catch either keep working.
"""
from __future__ import annotations

__all__ = ["ArgumentTypeError", "NotAModuleError"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (e.g. ``space.act("g")``); both a TypeError and a ValueError."""


class NotAModuleError(ArgumentTypeError):
    """A model argument that is not a ``torch.nn.Module`` (e.g. ``nfn.weight_space(3)``)."""
