"""Symmetry rules for nn.MultiheadAttention, nn.TransformerEncoderLayer/Encoder.

Attention (Transformer-NFN, arXiv 2410.04209): per head ``W_Q -> A W_Q``,
``W_K -> A^{-T} W_K`` (keeps ``q . k``), ``W_V -> N W_V``, ``W_O -> W_O N^{-1}``, and
head permutations. Encoder blocks add the residual stream: one permutation shared by
the block input, the attention output, both LayerNorms and the MLP output (LayerNorm
forbids scalings), plus the MLP hidden neurons (scaling for ReLU, none for GELU).
Pre-norm and post-norm blocks have the same axis graph.
"""
from __future__ import annotations

from torch import nn

from .axes import FIXED, Val
from .modules import _p, affine_rule, norm_rule
from .ops import function_activation
from .spec import FactorSpec, Slot

__all__ = ["mha_rule", "encoder_layer_rule", "encoder_rule"]


def _input_slot(an, name: str, x: Val, n: int, weight: str) -> None:
    ax = an.axes
    if ax.is_fixed(x.axis):
        return
    if x.layout not in ("last", "any") or ax.size(x.axis) != n:
        ax.fix(x.axis, name, "attention input is not a features-last tensor of the expected size; fixed")
        return
    ax.attach(x.axis, Slot(weight, 1, "in"))


def _head_slots(name: str, m: nn.MultiheadAttention) -> tuple[Slot, ...]:
    e, d = m.embed_dim, m.head_dim
    if m._qkv_same_embed_dim:
        w = _p(name, "in_proj_weight")
        slots = [Slot(w, 0, r, d, i * e, e) for i, r in enumerate("qkv")]
    else:
        slots = [Slot(_p(name, f"{r}_proj_weight"), 0, r, d, 0, e) for r in "qkv"]
    if m.in_proj_bias is not None:
        slots += [Slot(_p(name, "in_proj_bias"), 0, r, d, i * e, e) for i, r in enumerate("qkv")]
    slots.append(Slot(_p(name, "out_proj.weight"), 1, "o", d))
    return tuple(slots)


def mha_rule(an, name: str, m: nn.MultiheadAttention, q: Val, k: Val, v: Val) -> Val:
    """Attach Q/K/V/O to the input, head and output factors; returns the output Val."""
    ax = an.axes
    if m._qkv_same_embed_dim:
        for other in (k, v):
            if not (ax.is_fixed(q.axis) and ax.is_fixed(other.axis)):
                ax.unify(q.axis, other.axis, name)
        _input_slot(an, name, q, m.embed_dim, _p(name, "in_proj_weight"))
    else:
        for val, r, n in ((q, "q", m.embed_dim), (k, "k", m.kdim), (v, "v", m.vdim)):
            _input_slot(an, name, val, n, _p(name, f"{r}_proj_weight"))
    if m.bias_k is not None:
        an.issue(name, "add_bias_kv=True: head symmetries are not derived (heads fixed)")
    else:
        an.counter_factor(FactorSpec(_p(name, "heads"), "heads", m.num_heads, _head_slots(name, m),
                                     dim_qk=m.head_dim, dim_v=m.head_dim))
    out = an.out_axis(name, m.embed_dim)
    an.axes.attach(out, Slot(_p(name, "out_proj.weight"), 0, "out"), primary=True)
    if m.out_proj.bias is not None:
        an.axes.attach(out, Slot(_p(name, "out_proj.bias"), 0, "out"), primary=True)
    an.record(name, m, f"{m.num_heads} heads of dim {m.head_dim}")
    return Val(out, "last")


def encoder_layer_rule(an, name: str, m: nn.TransformerEncoderLayer, x: Val) -> Val:
    """Residual stream axis ``r`` shared by attention, norms and MLP output."""
    ax = an.axes
    if x.layout not in ("last", "any"):
        ax.fix(x.axis, name, "encoder layer input is not features-last; fixed")
    r = Val(x.axis, "last")
    n1 = norm_rule(an, _p(name, "norm1"), m.norm1, r)
    sa = mha_rule(an, _p(name, "self_attn"), m.self_attn, n1, n1, n1)
    r = Val(ax.unify(r.axis, sa.axis, name), "last")
    norm_rule(an, _p(name, "norm2"), m.norm2, r)
    h = affine_rule(an, _p(name, "linear1"), m.linear1, r)
    rule = {1: (True, False), 2: (False, False)}.get(getattr(m, "activation_relu_or_gelu", 0))
    rule = rule or function_activation(m.activation)
    if rule is None:
        ax.fix(h.axis, _p(name, "activation"), f"unknown activation {m.activation!r}; MLP neurons fixed")
    else:
        ax.restrict(h.axis, scale=rule[0], sign=rule[1])
    y = affine_rule(an, _p(name, "linear2"), m.linear2, h)
    return Val(ax.unify(r.axis, y.axis, name), "last")


def encoder_rule(an, name: str, m: nn.TransformerEncoder, x: Val) -> Val:
    """A stack of encoder layers (one residual stream) and an optional final norm."""
    for i, layer in enumerate(m.layers):
        x = encoder_layer_rule(an, _p(name, f"layers.{i}"), layer, x)
    if m.norm is not None:
        x = norm_rule(an, _p(name, "norm"), m.norm, x)
    return x if x.axis != FIXED else Val(FIXED, "last")
