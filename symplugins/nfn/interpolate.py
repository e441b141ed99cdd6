"""Linear interpolation of two networks after weight matching (Git Re-Basin merging).

``interpolate(a, b, t)`` returns a new network with ``theta = (1 - t) theta_a + t P(theta_b)``,
where ``P`` is the monomial group element found by :func:`~symplugins.nfn.align.match`.
At ``t = 0`` it computes ``a``'s function, at ``t = 1`` ``b``'s.
"""
from __future__ import annotations

import copy
import math

from torch import nn

from .align import match
from .space import check_model, weight_space

__all__ = ["interpolate"]


def interpolate(model_a: nn.Module, model_b: nn.Module, t: float, *, align: bool = True,
                example_inputs: tuple | None = None) -> nn.Module:
    """A new network between ``model_a`` (t=0) and ``model_b`` (t=1); inputs are not modified.

    Args:
        t: interpolation weight (a finite float; values outside [0, 1] extrapolate).
        align: weight-match ``model_b`` to ``model_a`` first (recommended).
    """
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
        raise ValueError(f"'t' must be a finite float (0 = model_a, 1 = model_b), got {t!r}")
    check_model(model_a, "model_a")
    check_model(model_b, "model_b")
    sa = weight_space(model_a, example_inputs=example_inputs)
    sb = weight_space(model_b, example_inputs=example_inputs)
    if sa.spec.tensors != sb.spec.tensors:
        raise ValueError("'model_a' and 'model_b' have different architectures (tensor names or "
                         "shapes differ); interpolate two instances of the same network")
    if align:
        sb = sb.act(match(sb, sa))
    mixed = {n: (1 - t) * x + t * sb[n] if x.is_floating_point() else x for n, x in sa.tensors.items()}
    return sa.replace(mixed).load_into(copy.deepcopy(model_a))
