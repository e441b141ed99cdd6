"""Is the current call being traced or compiled (so no Python-side caches or size branches)?"""
from __future__ import annotations

import torch

__all__ = ["is_tracing"]


def is_tracing() -> bool:
    """True under ``torch.compile``, TorchScript, ``torch.jit.trace`` and ``make_fx``.

    ``make_fx`` (what ``torch.export`` and ``nequip-compile --mode aotinductor`` trace with)
    is not covered by ``torch.compiler.is_compiling()``: code that caches tensors or branches
    on sizes must ask here, or the traced graph depends on the example input (nequip traces
    twice, with different sizes, and refuses graphs that differ).
    """
    if torch.compiler.is_compiling() or torch.jit.is_scripting() or torch.jit.is_tracing():
        return True
    try:
        from torch.fx.experimental.proxy_tensor import get_proxy_mode
    except ImportError:  # pragma: no cover - older torch
        return False
    return get_proxy_mode() is not None
