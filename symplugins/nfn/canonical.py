"""Canonical forms: one representative per group orbit, reached by a group element.

Factors are processed in forward order, so each factor's incoming weights are already
canonical when it is handled. Per neuron factor (from the neurons' *primary* slots:
the incoming weight rows and bias of the layer that creates them):

1. positive scaling: ``d_j = 1 / ||(W_j, b_j)||`` (unit incoming norm);
2. sign flips: ``s_j = sign(b_j)`` (or of the row sum when bias-free): biases >= 0;
3. sort neurons by the sum of their canonical incoming entries.

Heads: ``A_h = (W_Q,h[:, :d_k])^{-1}``, ``N_h = (W_V,h[:, :d_v])^{-1}`` (reduced row
echelon form), heads sorted by the sum of ``A_h^{-T} W_K,h``. On generic weights the
result is unique: group-related networks get identical canonical weights.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .group import GroupElement, HeadElement, NeuronElement, slot_rows
from .space import WeightSpace, weight_space
from .spec import FactorSpec

__all__ = ["canonical_form", "canonicalize", "canonical_distance"]


def _primary_rows(space: WeightSpace, f: FactorSpec) -> tuple[Tensor, Tensor | None]:
    slots = f.primary or tuple(s for s in f.slots if s.role == "out") or f.slots
    rows = torch.cat([slot_rows(space[s.param], s) for s in slots], dim=1)
    bias = [slot_rows(space[s.param], s) for s in slots if space[s.param].dim() == 1 and s.block == 1]
    return rows, (bias[0][:, 0] if bias else None)


def _neuron_element(space: WeightSpace, f: FactorSpec) -> NeuronElement:
    rows, bias = _primary_rows(space, f)
    diag = torch.ones(f.size, dtype=rows.dtype, device=rows.device)
    if f.scale:
        norm = rows.norm(dim=1)
        diag = torch.where(norm > 0, 1.0 / norm, torch.ones_like(norm))
    if f.sign:
        ref = bias if bias is not None else rows.sum(dim=1)
        diag = diag * torch.where(ref < 0, -1.0, 1.0).to(diag)
    key = (rows * diag[:, None]).sum(dim=1)
    perm = torch.argsort(key, stable=True)
    return NeuronElement(perm, diag[perm])


def _head_blocks(space: WeightSpace, f: FactorSpec, role: str) -> Tensor:
    slot = next(s for s in f.slots if s.role == role and space[s.param].dim() == 2)
    rows = slot_rows(space[slot.param], slot)
    return rows.reshape(f.size, slot.block, -1)


def _head_element(space: WeightSpace, f: FactorSpec) -> HeadElement:
    wq, wk, wv = (_head_blocks(space, f, r) for r in "qkv")
    a = torch.linalg.inv(wq[:, :, : f.dim_qk])
    n = torch.linalg.inv(wv[:, :, : f.dim_v])
    key = (torch.linalg.inv(a).mT @ wk).sum(dim=(1, 2))
    perm = torch.argsort(key, stable=True)
    return HeadElement(perm, a[perm], n[perm])


def canonical_form(space: WeightSpace) -> tuple[WeightSpace, GroupElement]:
    """``(g . space, g)`` with ``g . space`` the canonical representative of the orbit."""
    parts = {}
    for f in space.spec.factors:
        e = _head_element(space, f) if f.kind == "heads" else _neuron_element(space, f)
        space = space.act(GroupElement({f.name: e}))
        parts[f.name] = e
    return space, GroupElement(parts)


def canonicalize(model: nn.Module, *, example_inputs: tuple | None = None) -> nn.Module:
    """Put ``model`` into canonical form in place (same function); returns the model."""
    canon, _ = canonical_form(weight_space(model, example_inputs=example_inputs))
    return canon.load_into(model)


def canonical_distance(space: WeightSpace) -> float:
    """``||theta - canon(theta)|| / ||theta||``: 0 when the weights are already canonical."""
    canon, _ = canonical_form(space)
    return space.distance(canon) / max(float(space.flat().norm()), 1e-30)
