"""Turn the analyser's union-find into a frozen :class:`~symplugins.nfn.spec.ArchSpec`.

Steps: rename tied parameters to one canonical name; merge factors that touch the
same tensor axis (sound: e.g. a module called twice); fix factors touching a
parameter that is also used by an op we do not follow ("pinned"); build the factor
list in forward order; detect plain chains (MLP / CNN) for the Monomial-NFN features.
"""
from __future__ import annotations

from dataclasses import replace

from .axes import FIXED
from .spec import ArchSpec, ChainLayer, ChainSpec, FactorSpec, LayerInfo

__all__ = ["finalize"]


def _canonical_names(model) -> dict[str, str]:
    first: dict[int, str] = {}
    alias = {}
    for n, t in list(model.named_parameters(remove_duplicate=False)) + list(model.named_buffers(remove_duplicate=False)):
        alias[n] = first.setdefault(id(t), n)
    return alias


def _merge_shared(an, alias) -> None:
    ax = an.axes
    seen: dict[tuple, tuple] = {}
    for root in list(ax.info):
        if ax.find(root) != root or root == FIXED:
            continue
        for slot, prim in ax.info[root].slots:
            key = (alias.get(slot.param, slot.param), slot.dim, slot.offset, slot.length)
            if key in seen and ax.find(seen[key][0]) != ax.find(root):
                other, oslot = seen[key]
                if (oslot.role, oslot.block) == (slot.role, slot.block):
                    ax.unify(other, root, slot.param)
                else:
                    ax.fix(other, slot.param, "parameter shared between incompatible roles; fixed")
                    ax.fix(root)
            seen.setdefault(key, (root, slot))


def _neuron_factors(an, alias) -> list[tuple[int, FactorSpec]]:
    ax, out, names = an.axes, [], set()
    for root, info in ax.info.items():
        if root == FIXED or ax.find(root) != root or not info.slots:
            continue
        slots, prim = {}, {}
        for s, p in info.slots:
            s = replace(s, param=alias.get(s.param, s.param))
            slots.setdefault(s, None)
            if p:
                prim.setdefault(s, None)
        if any(s.param in an.pinned for s in slots):
            an.issue(info.creator, "a parameter of these neurons is also used by an op the analysis "
                                   "does not follow; neurons fixed")
            continue
        if info.size < 2 and not (info.scale or info.sign):
            continue
        name = info.creator if info.creator not in names else f"{info.creator}#{root}"
        names.add(name)
        out.append((info.order, FactorSpec(name, "neuron", info.size, tuple(slots), info.scale,
                                           info.sign, tuple(prim), order=info.order)))
    return out


def _chain(an, spec_factors, alias) -> ChainSpec | None:
    ax, calls = an.axes, an.calls
    if not calls or len({c[0] for c in calls}) != len(calls) or not ax.is_fixed(calls[0][1]) \
            or not ax.is_fixed(calls[-1][2]):
        return None
    owned = set()
    layers, kinds = [], []
    for k, (name, a_in, a_out, block) in enumerate(calls):
        m = an.modules[name]
        if k > 0 and (ax.is_fixed(a_in) or ax.find(a_in) != ax.find(calls[k - 1][2])):
            return None
        if k < len(calls) - 1:
            info = ax.info[ax.find(a_out)]
            if len({(s.param, s.dim) for s, _ in info.slots}) != (3 if m.bias is not None else 2):
                return None
            kinds.append({(True, True): "monomial", (True, False): "scale",
                          (False, True): "sign", (False, False): "perm"}[(info.scale, info.sign)])
        w = m.weight
        n_in = w.shape[1] if k == 0 else ax.size(a_in)
        wname = f"{name}.weight" if name else "weight"
        bname = (f"{name}.bias" if name else "bias") if m.bias is not None else None
        owned |= {wname, bname}
        layers.append(ChainLayer(name, wname, bname, tuple(w.shape), w.shape[0], n_in, w.numel() // (w.shape[0] * n_in)))
    if set(an.params) - owned:
        return None
    return ChainSpec(tuple(layers), tuple(kinds))


def finalize(an, traced: bool) -> ArchSpec:
    """Build the :class:`ArchSpec` from a finished analysis."""
    model = an.model
    alias = _canonical_names(model)
    tensors = [(n, tuple(p.shape)) for n, p in model.named_parameters()]
    factors: list = []
    an.pinned = {alias.get(p, p) for p in an.pinned}
    if traced:
        _merge_shared(an, alias)
        factors = _neuron_factors(an, alias)
        for order, f in an.heads:
            if any(alias.get(s.param, s.param) in an.pinned for s in f.slots):
                an.issue(f.name, "attention weights also used elsewhere; heads fixed")
                continue
            factors.append((order, replace(f, order=order)))
    factors = [f for _, f in sorted(factors, key=lambda x: x[0])]
    params = {n for n, _ in tensors}
    buffers = {s.param for f in factors for s in f.slots if s.param not in params}
    bufs = dict(model.named_buffers())
    tensors += [(b, tuple(bufs[b].shape)) for b in sorted(buffers)]
    rows = list(an.rows.values())
    for name, m in model.named_modules():
        direct = list(m.named_parameters(recurse=False))
        if direct and not any(r.name in ("", name) or name.startswith(r.name + ".") for r in rows):
            rows.append(LayerInfo(name, type(m).__name__, tuple((k, tuple(p.shape)) for k, p in direct),
                                  sum(p.numel() for _, p in direct), "not followed by the trace: fixed"))
    chain = _chain(an, factors, alias) if traced else None
    issues = tuple(dict.fromkeys(an.axes.issues))
    return ArchSpec(tuple(tensors), tuple(factors), tuple(rows), issues, chain, frozenset(buffers))
