"""Symmetry rules for elementwise ops: activations, pools, flatten (modules and functions).

Each activation maps to the diagonal actions it commutes with:
``relu(d x) = d relu(x)`` for ``d > 0`` (scale), ``tanh(-x) = -tanh(x)`` (sign),
sigmoid/GELU/SiLU commute with permutations only.
"""
from __future__ import annotations

import operator

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ACT_MODULES", "ACT_FUNCTIONS", "ACT_METHODS", "POOL_MODULES", "POOL_FUNCTIONS",
           "PASS_MODULES", "activation_rule", "ADD_OPS"]

#: (allows positive scaling, allows sign flips)
SCALE, SIGN, PERM, ALL = (True, False), (False, True), (False, False), (True, True)

ACT_MODULES = {
    nn.ReLU: SCALE, nn.LeakyReLU: SCALE, nn.Tanh: SIGN, nn.Softsign: SIGN, nn.Tanhshrink: SIGN,
    nn.Sigmoid: PERM, nn.GELU: PERM, nn.SiLU: PERM, nn.ELU: PERM, nn.Softplus: PERM,
    nn.ReLU6: PERM, nn.Mish: PERM, nn.Hardswish: PERM, nn.CELU: PERM, nn.SELU: PERM,
}
ACT_FUNCTIONS = {
    torch.relu: SCALE, F.relu: SCALE, F.leaky_relu: SCALE, torch.tanh: SIGN, F.tanh: SIGN,
    torch.sin: SIGN, torch.sinh: SIGN, torch.arctan: SIGN, torch.atan: SIGN,
    torch.neg: ALL, operator.neg: ALL, torch.sigmoid: PERM, F.sigmoid: PERM,
    F.gelu: PERM, F.silu: PERM, F.elu: PERM, F.softplus: PERM, torch.cos: PERM, torch.exp: PERM,
}
ACT_METHODS = {"relu": SCALE, "tanh": SIGN, "sin": SIGN, "neg": ALL, "sigmoid": PERM,
               "cos": PERM, "exp": PERM, "relu_": SCALE, "tanh_": SIGN, "sin_": SIGN}

#: per-channel pools; max pools commute with positive scalings only
POOL_MODULES = {
    nn.MaxPool1d: SCALE, nn.MaxPool2d: SCALE, nn.AdaptiveMaxPool1d: SCALE,
    nn.AdaptiveMaxPool2d: SCALE, nn.AvgPool1d: ALL, nn.AvgPool2d: ALL,
    nn.AdaptiveAvgPool1d: ALL, nn.AdaptiveAvgPool2d: ALL,
}
POOL_FUNCTIONS = {
    F.max_pool1d: SCALE, F.max_pool2d: SCALE, F.adaptive_max_pool1d: SCALE,
    F.adaptive_max_pool2d: SCALE, F.avg_pool1d: ALL, F.avg_pool2d: ALL,
    F.adaptive_avg_pool1d: ALL, F.adaptive_avg_pool2d: ALL,
}
PASS_MODULES = (nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout)
ADD_OPS = {operator.add, torch.add, operator.iadd, operator.sub, torch.sub, operator.isub}


def activation_rule(module: nn.Module) -> tuple[bool, bool] | None:
    """(scale, sign) allowed by an activation module, or None when it is not one we know."""
    if isinstance(module, nn.Hardtanh) and module.min_val == -module.max_val:
        return SIGN
    if isinstance(module, nn.LeakyReLU):
        return SCALE
    for cls, rule in ACT_MODULES.items():
        if type(module) is cls:
            return rule
    return None


def function_activation(fn) -> tuple[bool, bool] | None:
    """(scale, sign) for an activation given as a function (TransformerEncoderLayer.activation)."""
    if isinstance(fn, nn.Module):
        return activation_rule(fn)
    for f, rule in ACT_FUNCTIONS.items():
        if fn is f:
            return rule
    return None
