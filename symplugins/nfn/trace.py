"""Derive the weight space and symmetry group of a live module with torch.fx.

``trace_module(model)`` traces ``model.forward`` symbolically (attention and
transformer blocks are kept as leaves), walks the graph in order and applies the
rules of :mod:`~symplugins.nfn.modules`, :mod:`~symplugins.nfn.attention` and
:mod:`~symplugins.nfn.ops`. Parameters are mapped by module *name and type*, never by
``state_dict`` order. Anything unknown fixes the channels that touch it and is
reported as an :class:`~symplugins.nfn.spec.Issue`; the group is only ever restricted.
"""
from __future__ import annotations

import torch
import torch.fx as fx
from torch import nn

from . import ops
from .attention import encoder_layer_rule, encoder_rule, mha_rule
from .axes import FIXED, Axes, Val
from .finalize import finalize
from .modules import affine_rule, embedding_rule, norm_rule
from .spec import ArchSpec, Issue, LayerInfo

__all__ = ["trace_module"]

_LEAVES = (nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerEncoder)
_AFFINE = (nn.Linear, nn.Conv1d, nn.Conv2d)
_NORMS = (nn.LayerNorm, nn.BatchNorm1d, nn.BatchNorm2d)


class _Tracer(fx.Tracer):
    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, _LEAVES) or super().is_leaf_module(m, qualname)


class _BlockRoot(nn.Module):
    """fx root around a bare encoder block / stack: ``forward(src, mask, key_padding_mask)``."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, src, mask=None, src_key_padding_mask=None):
        return self.block(src, mask, src_key_padding_mask)


class _AttentionRoot(_BlockRoot):
    """fx root around a bare nn.MultiheadAttention: ``forward(query, key, value, ...)``."""

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None):
        return self.block(query, key, value, key_padding_mask, need_weights, attn_mask)


def _trace(model: nn.Module) -> tuple[nn.Module, fx.Graph]:
    """``(fx root, graph)``. A bare leaf block is traced inside a trivial wrapper, then the
    wrapper's call is retargeted to ``""`` so parameter names stay the model's own."""
    if not isinstance(model, _LEAVES):
        return model, _Tracer().trace(model)
    root = (_AttentionRoot if isinstance(model, nn.MultiheadAttention) else _BlockRoot)(model)
    return root, _Tracer().trace(root)


def _retarget(root: nn.Module, graph: fx.Graph) -> None:
    if isinstance(root, _BlockRoot):
        for node in graph.nodes:
            if node.op == "call_module" and node.target == "block":
                node.target = ""


class Analyzer:
    """State of one analysis: axes, head factors, layer rows, affine calls, pinned params."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.modules = dict(model.named_modules())
        self.axes = Axes()
        self.heads: list = []
        self.rows: dict[str, LayerInfo] = {}
        self.calls: list = []
        self.pinned: set[str] = set()
        self._out: dict[str, int] = {}
        self.env: dict[fx.Node, object] = {}
        self.params = [n for n, _ in model.named_parameters()]

    def ndim(self, arg) -> int | None:
        """Rank of a node's tensor when shapes were propagated (``example_inputs``), else None."""
        meta = arg.meta.get("tensor_meta") if isinstance(arg, fx.Node) else None
        return len(meta.shape) if meta is not None and hasattr(meta, "shape") else None

    def pin_attrs(self, node: fx.Node, allow_add: bool = False) -> None:
        """Parameters read directly by an op we do not follow keep all their axes fixed."""
        attrs = []
        fx.node.map_arg((node.args, node.kwargs), lambda n: attrs.append(self.env.get(n)))
        attrs = [a for a in attrs if isinstance(a, tuple) and a[:1] == ("attr",)]
        if not (allow_add and len(attrs) == 1):
            self.pinned.update(a[1] for a in attrs)

    def out_axis(self, name: str, size: int) -> int:
        """The output axis of module ``name`` (one per module, even when it is called twice)."""
        if name not in self._out:
            self._out[name] = self.axes.new(size, name)
        return self._out[name]

    def counter_factor(self, factor) -> None:
        self.axes.counter += 1
        self.heads.append((self.axes.counter, factor))

    def issue(self, where: str, why: str) -> None:
        self.axes.issues.append(Issue(where, why))

    def record(self, name: str, m: nn.Module, note: str = "") -> None:
        shapes = tuple((k, tuple(p.shape)) for k, p in m.named_parameters())
        self.rows.setdefault(name, LayerInfo(name, type(m).__name__, shapes,
                                             sum(p.numel() for p in m.parameters()), note))

    def unknown(self, where: str, why: str, vals) -> Val:
        """Fix every channel axis reaching an op we cannot handle; output fixed."""
        for v in vals:
            if isinstance(v, Val) and not self.axes.is_fixed(v.axis):
                self.axes.fix(v.axis, where, why + "; the channels feeding it are fixed")
        return Val(FIXED, "any")

    # ---------------------------------------------------------------- graph walk
    def run(self, graph: fx.Graph) -> None:
        for node in graph.nodes:
            self.env[node] = self.visit(node)

    def _args(self, node: fx.Node) -> list:
        return [self.env.get(a, a) if isinstance(a, fx.Node) else a for a in node.args]

    def _all_vals(self, node: fx.Node) -> list:
        """The Vals a node reads (an attention output tuple counts as its output Val)."""
        found = []
        fx.node.map_arg((node.args, node.kwargs), lambda n: found.append(self.env.get(n)))
        found = [v[1] if isinstance(v, tuple) and v[:1] == ("mha",) else v for v in found]
        return [v for v in found if isinstance(v, Val)]

    def visit(self, node: fx.Node):
        if node.op == "placeholder":
            return Val(FIXED, "any")
        if node.op == "get_attr":
            return ("attr", node.target)
        if node.op == "output":
            for v in self._all_vals(node):
                self.axes.fix(v.axis)
            return None
        if node.op == "call_module":
            return self.visit_module(node)
        from .functions import visit_function
        return visit_function(self, node)

    def visit_module(self, node: fx.Node):
        name, m = node.target, self.modules[node.target]
        args = self._args(node)
        x = args[0] if args and isinstance(args[0], Val) else Val(FIXED, "any")
        if isinstance(m, _AFFINE):
            return affine_rule(self, name, m, x)
        if isinstance(m, _NORMS):
            return norm_rule(self, name, m, x)
        if isinstance(m, nn.Embedding):
            return embedding_rule(self, name, m, x)
        if isinstance(m, nn.TransformerEncoderLayer):
            return encoder_layer_rule(self, name, m, x)
        if isinstance(m, nn.TransformerEncoder):
            return encoder_rule(self, name, m, x)
        if isinstance(m, nn.MultiheadAttention):
            return self._mha(node, name, m, args)
        return self.visit_simple_module(name, m, x, node)

    def _mha(self, node, name, m, args):
        kw = node.kwargs
        qkv = [args[i] if len(args) > i else self.env.get(kw.get(k), Val(FIXED))
               for i, k in enumerate(("query", "key", "value"))]
        qkv = [v if isinstance(v, Val) else Val(FIXED) for v in qkv]
        return ("mha", mha_rule(self, name, m, *qkv))

    def visit_simple_module(self, name: str, m: nn.Module, x: Val, node: fx.Node):
        rule = ops.activation_rule(m)
        if rule is not None:
            self.axes.restrict(x.axis, scale=rule[0], sign=rule[1])
            return x
        if isinstance(m, ops.PASS_MODULES):
            return x
        if type(m) in ops.POOL_MODULES:
            from .functions import pool
            return pool(self, name, ops.POOL_MODULES[type(m)], x)
        if isinstance(m, nn.Flatten) and m.start_dim == 1 and m.end_dim == -1:
            from .functions import flatten
            return flatten(self, name, x)
        self.record(name, m, "unsupported")
        return self.unknown(name, f"{type(m).__name__} has no symmetry rule", self._all_vals(node))


def trace_module(model: nn.Module, example_inputs: tuple | None = None) -> ArchSpec:
    """Trace ``model`` and derive its :class:`~symplugins.nfn.spec.ArchSpec`.

    ``example_inputs`` (optional) lets the analysis know tensor ranks (shape
    propagation), which it needs for reductions, indexing and flattening of
    features-last tensors; without them those ops fix the channels they touch.
    """
    an = Analyzer(model)
    try:
        root, graph = _trace(model)
    except Exception as err:  # noqa: BLE001 - any tracing failure means: no symmetry claims
        an.issue(type(model).__name__, f"torch.fx could not trace forward ({type(err).__name__}: "
                                       f"{str(err).splitlines()[0] if str(err) else ''}); every "
                                       "parameter is kept fixed (trivial group)")
        return finalize(an, traced=False)
    if example_inputs is not None:
        _propagate_shapes(root, graph, example_inputs)
    _retarget(root, graph)
    with torch.no_grad():
        an.run(graph)
    return finalize(an, traced=True)


def _propagate_shapes(model: nn.Module, graph: fx.Graph, example_inputs) -> None:
    from torch.fx.passes.shape_prop import ShapeProp
    inputs = example_inputs if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
    try:
        with torch.no_grad():
            ShapeProp(fx.GraphModule(model, graph)).propagate(*inputs)
    except Exception as err:  # noqa: BLE001
        raise ValueError(f"'example_inputs': running the model on them failed ({type(err).__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''}); pass a tuple of tensors the model accepts") from err
