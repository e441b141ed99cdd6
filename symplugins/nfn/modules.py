"""Symmetry rules for parameterised leaf modules: Linear, Conv, norms, Embedding.

Each rule receives the analyser, the module's qualified name, the module and the
:class:`~symplugins.nfn.axes.Val` of its input, attaches the module's parameters to
axes (weight rows/bias to the output axis, weight columns to the input axis) and
returns the :class:`Val` of its output. Attention and transformer blocks live in
:mod:`symplugins.nfn.attention`.
"""
from __future__ import annotations

from torch import nn

from .axes import FIXED, Val
from .spec import Slot

__all__ = ["affine_rule", "norm_rule", "embedding_rule"]


def _p(name: str, attr: str) -> str:
    return f"{name}.{attr}" if name else attr


def attach_input(an, name: str, x: Val, n_in: int, weight: str, *, allow: tuple[str, ...]) -> int | None:
    """Attach the input-axis (column) slot of ``weight``; returns the block size or None."""
    ax = an.axes
    if ax.is_fixed(x.axis):
        return 1
    if x.layout not in allow:
        ax.fix(x.axis, name, f"{type(an.modules[name]).__name__} reads a '{x.layout}' feature layout it "
                             "does not act on channel-wise; the channels feeding it are fixed")
        return None
    size = ax.size(x.axis)
    if n_in % size or (x.layout != "flat" and n_in != size):
        ax.fix(x.axis, name, f"expects {n_in} input features but its input has {size} channels; "
                             "the channels feeding it are fixed")
        return None
    block = n_in // size
    ax.attach(x.axis, Slot(weight, 1, "in", block=block))
    return block


def affine_rule(an, name: str, m: nn.Module, x: Val) -> Val:
    """nn.Linear / nn.Conv1d / nn.Conv2d: ``y = W x + b`` on the channel axis."""
    is_linear = isinstance(m, nn.Linear)
    n_in, n_out = (m.in_features, m.out_features) if is_linear else (m.in_channels, m.out_channels)
    if not is_linear and m.groups != 1:
        an.axes.fix(x.axis, name, f"grouped convolution (groups={m.groups}) is not supported; "
                                  "its input and output channels are fixed")
        an.record(name, m, "grouped conv: fixed")
        return Val(FIXED, "chan")
    allow = ("last", "any", "flat") if is_linear else ("chan", "any")
    block = attach_input(an, name, x, n_in, _p(name, "weight"), allow=allow)
    out = an.out_axis(name, n_out)
    an.axes.attach(out, Slot(_p(name, "weight"), 0, "out"), primary=True)
    if m.bias is not None:
        an.axes.attach(out, Slot(_p(name, "bias"), 0, "out"), primary=True)
    an.calls.append((name, x.axis, out, block))
    an.record(name, m)
    return Val(out, "last" if is_linear else "chan")


def norm_rule(an, name: str, m: nn.Module, x: Val) -> Val:
    """LayerNorm / BatchNorm (eval): permutations only; affine params and stats follow."""
    ax = an.axes
    if isinstance(m, nn.modules.batchnorm._BatchNorm):
        if m.training or not m.track_running_stats:
            ax.fix(x.axis, name, "BatchNorm in training mode (or without running stats) uses batch "
                                 "statistics; call model.eval() first. Its channels are fixed")
            an.record(name, m, "training mode: fixed")
            return Val(FIXED, x.layout)
        n, names = m.num_features, ["weight", "bias", "running_mean", "running_var"]
        ok = x.layout in ("chan", "any") or (isinstance(m, nn.BatchNorm1d) and x.layout == "last")
    else:
        shape = tuple(m.normalized_shape)
        n, names = (shape[0] if len(shape) == 1 else -1), ["weight", "bias"]
        ok = x.layout in ("last", "any") and len(shape) == 1
    if ax.is_fixed(x.axis):
        an.record(name, m)
        return x
    if not ok or ax.size(x.axis) != n:
        ax.fix(x.axis, name, f"{type(m).__name__} over a '{x.layout}' layout or a different size; "
                             "its channels are fixed")
        an.record(name, m, "fixed")
        return Val(FIXED, x.layout)
    ax.restrict(x.axis, scale=False, sign=False)
    for attr in names:
        if getattr(m, attr, None) is not None:
            ax.attach(x.axis, Slot(_p(name, attr), 0, "out"))
    an.record(name, m, "permutation only")
    return x


def embedding_rule(an, name: str, m: nn.Embedding, x: Val) -> Val:
    """nn.Embedding: the columns of the table are the output features."""
    out = an.out_axis(name, m.embedding_dim)
    an.axes.attach(out, Slot(_p(name, "weight"), 1, "out"), primary=True)
    if m.max_norm is not None:
        an.axes.restrict(out, scale=False, sign=False)
    an.record(name, m)
    return Val(out, "last")
