"""Symmetry rules for ``call_function`` / ``call_method`` nodes of a traced forward.

Supported: activations (``torch.relu``, ``torch.sin``, ``x.tanh()``, ...), residual
``+``/``-`` (unifies the two channel axes), adding a parameter (positional
embeddings: the parameter's last axis joins the features), scaling by a Python
number, flatten / ``x.view(x.size(0), -1)``, pools, ``mean``/``sum`` over non-feature
dims (needs ``example_inputs`` for the tensor rank), indexing that keeps the feature
dim, ``getitem`` on attention outputs. Everything else fixes its input channels.
"""
from __future__ import annotations

import operator

import torch
import torch.fx as fx
import torch.nn.functional as F

from . import ops
from .axes import FIXED, Val
from .spec import Slot

__all__ = ["visit_function", "pool", "flatten"]

_MUL = {operator.mul, torch.mul, operator.truediv, torch.div, operator.imul, operator.itruediv}
_PASS_METHODS = {"contiguous", "clone", "float", "double", "to", "type_as"}
_PASS_FUNCTIONS = {F.dropout, torch.clone}
_REDUCE = {"mean", "sum", torch.mean, torch.sum}


def pool(an, name: str, rule: tuple[bool, bool], x: Val) -> Val:
    """Per-channel pooling of a channels-first map."""
    if an.axes.is_fixed(x.axis):
        return x
    if x.layout != "chan":
        return an.unknown(name, f"pooling over a '{x.layout}' layout", [x])
    an.axes.restrict(x.axis, scale=rule[0], sign=rule[1])
    return x


def flatten(an, name: str, x: Val, ndim: int | None = None) -> Val:
    """Flatten from dim 1: a channels-first map becomes channel-major blocks."""
    if an.axes.is_fixed(x.axis) or x.layout == "flat" or (x.layout == "last" and ndim == 2):
        return x
    if x.layout == "chan":
        return Val(x.axis, "flat")
    return an.unknown(name, "flatten of a features-last tensor of unknown rank "
                            "(pass example_inputs=...) may interleave features", [x])


def _is_number(a) -> bool:
    return isinstance(a, (int, float)) and not isinstance(a, bool)


def _add(an, name: str, args: list) -> Val:
    vals = [a for a in args[:2] if isinstance(a, Val)]
    if len(vals) == 2:
        a, b = vals
        lay = a.layout if a.layout != "any" else b.layout
        if "any" not in (a.layout, b.layout) and a.layout != b.layout:
            return an.unknown(name, f"adds '{a.layout}' and '{b.layout}' layouts", vals)
        return Val(an.axes.unify(a.axis, b.axis, name), lay)
    x = vals[0]
    other = args[1] if args[0] is x else args[0]
    if isinstance(other, tuple) and other[:1] == ("attr",) and x.layout == "last":
        p = an.model.get_parameter(other[1]) if other[1] in an.params else None
        if p is not None and p.dim() >= 1 and not an.axes.is_fixed(x.axis) and p.shape[-1] == an.axes.size(x.axis):
            an.axes.attach(x.axis, Slot(other[1], p.dim() - 1, "out"))
            return x
    if _is_number(other):
        an.axes.restrict(x.axis, scale=False, sign=False)
        return x
    return an.unknown(name, "adds a tensor the analysis cannot follow", vals)


def _reduce(an, name: str, node: fx.Node, x: Val) -> Val:
    dims = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
    keep = node.kwargs.get("keepdim", node.args[2] if len(node.args) > 2 else False)
    ndim = an.ndim(node.args[0])
    if ndim is None or dims is None or x.layout not in ("last", "chan"):
        return an.unknown(name, "reduction over unknown dims (pass example_inputs=...)", [x])
    dims = [d % ndim for d in (dims if isinstance(dims, (tuple, list)) else [dims])]
    feat = ndim - 1 if x.layout == "last" else 1
    if feat in dims:
        return an.unknown(name, "reduces over the feature axis", [x])
    if x.layout == "chan" and not keep and ndim - len(dims) == 2:
        return Val(x.axis, "last")
    return x


def _getitem(an, name: str, node: fx.Node, src, idx) -> object:
    if isinstance(src, tuple) and src[:1] == ("mha",):
        return src[1] if idx == 0 else Val(FIXED, "any")
    if isinstance(src, tuple) and src[:1] == ("shape",) and idx == 0:
        return ("batch", src[1])
    if not isinstance(src, Val):
        return None
    ndim = an.ndim(node.args[0])
    parts = idx if isinstance(idx, tuple) else (idx,)
    simple = all(isinstance(p, (int, slice)) for p in parts)
    if an.axes.is_fixed(src.axis) or (src.layout == "last" and ndim and simple and len(parts) < ndim):
        return src
    return an.unknown(name, "indexing that may touch the feature axis", [src])


def visit_function(an, node: fx.Node):
    """Apply the rule for one call_function / call_method node."""
    args, t, name = an._args(node), node.target, node.name
    vals = an._all_vals(node)
    is_method = node.op == "call_method"
    if t is operator.getitem:
        return _getitem(an, name, node, args[0], args[1])
    if t is getattr or (is_method and t == "size"):
        x = args[0]
        if t is getattr and args[1] == "shape" and isinstance(x, Val):
            return ("shape", x)
        return ("batch", x) if (is_method and args[1:2] == [0]) else None
    an.pin_attrs(node, allow_add=t in ops.ADD_OPS or t in ("add", "sub"))
    if not vals:
        return None
    x = args[0] if isinstance(args[0], Val) else vals[0]
    try:
        rule = ops.ACT_METHODS.get(t) if is_method else ops.ACT_FUNCTIONS.get(t)
    except TypeError:
        rule = None
    if rule is not None and len(vals) == 1:
        an.axes.restrict(x.axis, scale=rule[0], sign=rule[1])
        return x
    if t in ops.ADD_OPS or t in ("add", "sub", "__add__", "__sub__"):
        return _add(an, name, args)
    if (t in _MUL or t in ("mul", "div")) and len(vals) == 1 and any(_is_number(a) for a in args):
        return x
    if (is_method and t in _PASS_METHODS) or t in _PASS_FUNCTIONS:
        return x
    if t in _REDUCE:
        return _reduce(an, name, node, x)
    if (t is torch.flatten or t == "flatten") and list(args[1:2]) == [1] and len(args) <= 2:
        return flatten(an, name, x, an.ndim(node.args[0]))
    if t in ("view", "reshape") and len(args) == 3 and args[2] == -1 and args[1] == ("batch", x):
        return flatten(an, name, x, an.ndim(node.args[0]))
    if not is_method and t in ops.POOL_FUNCTIONS:
        return pool(an, name, ops.POOL_FUNCTIONS[t], x)
    label = t if is_method else getattr(t, "__name__", str(t))
    return an.unknown(f"{name} ({label})", f"op '{label}' has no symmetry rule", vals)
