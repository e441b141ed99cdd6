"""Scale-aware weight matching (Git Re-Basin, ICLR 2023, over the monomial group).

To align B to A: canonicalise both (this removes scalings, signs and per-head GL
and gives a first matching by sorted keys), refine the permutations by coordinate
descent with linear assignment (``max_P sum_slots <A_slot, P B_slot>`` per factor,
others fixed), then undo A's canonicalisation:
``B_aligned = g_A^{-1} P g_B . B``, which is function-preserving for B.
"""
from __future__ import annotations

import torch
from torch import nn

from ..utils import require
from .canonical import canonical_form
from .group import GroupElement, HeadElement, NeuronElement, slot_rows
from .space import WeightSpace, check_model, weight_space

__all__ = ["weight_matching", "match", "align"]


def _perm_element(space: WeightSpace, perms: dict) -> GroupElement:
    parts = {}
    for f in space.spec.factors:
        p = perms[f.name]
        if f.kind == "heads":
            eye = lambda d: torch.eye(d, dtype=space.dtype, device=space.device).expand(f.size, d, d)  # noqa: E731
            parts[f.name] = HeadElement(p, eye(f.dim_qk), eye(f.dim_v))
        else:
            parts[f.name] = NeuronElement(p, torch.ones(f.size, dtype=space.dtype, device=space.device))
    return GroupElement(parts)


def weight_matching(a: WeightSpace, b: WeightSpace, *, max_iter: int = 30, seed: int = 0) -> GroupElement:
    """Permutations ``P`` maximising ``<a, P . b>`` by coordinate descent (one LAP per factor)."""
    opt = require("scipy.optimize", extra="nfn",
                  purpose="weight matching (linear assignment) in nfn.align / nfn.interpolate")
    lsa = opt.linear_sum_assignment
    factors = a.spec.factors
    perms = {f.name: torch.arange(f.size, device=a.device) for f in factors}
    gen = torch.Generator().manual_seed(seed)
    for _ in range(max_iter):
        changed = False
        for i in torch.randperm(len(factors), generator=gen).tolist():
            f = factors[i]
            others = dict(perms, **{f.name: torch.arange(f.size, device=a.device)})
            bb = b.act(_perm_element(b, others))
            cost = sum(slot_rows(a[s.param], s) @ slot_rows(bb[s.param], s).T for s in f.slots)
            _, col = lsa(cost.detach().cpu().double().numpy(), maximize=True)
            new = torch.as_tensor(col, device=a.device)
            if not torch.equal(new, perms[f.name]):
                changed = True
                perms[f.name] = new
        if not changed:
            break
    return _perm_element(b, perms)


def _check_pair(sa: WeightSpace, sb: WeightSpace) -> None:
    if sa.spec.tensors != sb.spec.tensors or [(f.name, f.size) for f in sa.spec.factors] != \
            [(f.name, f.size) for f in sb.spec.factors]:
        raise ValueError("'model_b' and 'to' have different architectures (tensor names/shapes or "
                         "symmetry factors differ); align two instances of the same network")


def match(space_b: WeightSpace, space_a: WeightSpace, *, max_iter: int = 30) -> GroupElement:
    """The group element ``h`` with ``h . space_b`` closest to ``space_a`` (weight matching)."""
    _check_pair(space_a, space_b)
    ca, ga = canonical_form(space_a)
    cb, gb = canonical_form(space_b)
    p = weight_matching(ca, cb, max_iter=max_iter)
    return ga.inverse() @ (p @ gb)


def align(model_b: nn.Module, *, to: nn.Module, example_inputs: tuple | None = None,
          max_iter: int = 30) -> nn.Module:
    """Move ``model_b`` (in place, same function) as close as possible to ``to``; returns it."""
    check_model(model_b, "model_b")
    check_model(to, "to")
    sa = weight_space(to, example_inputs=example_inputs)
    sb = weight_space(model_b, example_inputs=example_inputs)
    h = match(sb, sa, max_iter=max_iter)
    return sb.act(h).load_into(model_b)
