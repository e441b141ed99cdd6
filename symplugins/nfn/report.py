"""``symplugins.nfn.inspect(model)``: a readable report on a live network's weight space.

Layer table, parameter counts, symmetry group (factors, log-size of the discrete part,
dimension of the continuous part), restrictions with the submodule and the reason,
STATNN statistics per tensor, relative distance from the canonical form and, with
``predictor=``, the predictions of an NFN predictor.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from torch import nn

from .canonical import canonical_distance
from .errors import ArgumentTypeError
from .space import weight_space
from .statnn import statnn_table

__all__ = ["InspectReport", "inspect"]


@dataclass
class InspectReport:
    """What :func:`inspect` found; ``str(report)`` is a text report, ``to_dict()`` plain data."""

    model: str
    n_params: int
    layers: list = field(default_factory=list)
    factors: list = field(default_factory=list)
    log_size: float = 0.0
    dim: int = 0
    issues: list = field(default_factory=list)
    stats: list = field(default_factory=list)
    canonical_distance: float = 0.0
    chain: dict | None = None
    predictions: list | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        out = [f"{self.model}: {self.n_params} parameters", "", "layers:"]
        out += [f"  {l['name'] or '<root>':<32} {l['type']:<24} {l['n_params']:>8}  {l['note']}" for l in self.layers]
        out += ["", f"symmetry group: log|discrete part| = {self.log_size:.2f}, continuous dim = {self.dim}"]
        out += [f"  {f['name']:<32} {f['group']}" for f in self.factors] or ["  trivial"]
        if self.issues:
            out += ["", "restrictions (group kept sound):"] + [f"  - {i}" for i in self.issues]
        out += ["", "weight statistics (STATNN):",
                f"  {'tensor':<40} {'mean':>10} {'var':>10} {'min':>10} {'median':>10} {'max':>10}"]
        out += [f"  {s['name']:<40} {s['mean']:10.3g} {s['var']:10.3g} {s['q0']:10.3g} {s['q50']:10.3g} "
                f"{s['q100']:10.3g}" for s in self.stats]
        out += ["", f"distance from canonical form (relative): {self.canonical_distance:.4g}"]
        if self.chain:
            out.append(f"chain network: dims {self.chain['dims']}, hidden groups {self.chain['kinds']}")
        if self.predictions is not None:
            out.append(f"predictor output: {self.predictions}")
        return "\n".join(out)

    __repr__ = __str__


def _predict(predictor, space) -> list:
    from .layers import MonomialNFN, NetSpec
    if isinstance(predictor, MonomialNFN):
        if NetSpec.from_space(space) != predictor.spec:
            raise ValueError(f"'predictor' was built for {predictor.spec} but the model is "
                             f"{NetSpec.from_space(space)}; use a predictor for this architecture")
        out = predictor.predict([space])
    elif callable(predictor):
        out = predictor(space)
    else:
        raise ArgumentTypeError(f"'predictor' must be a MonomialNFN or a callable(WeightSpace), "
                                f"got {type(predictor).__name__}")
    return out.detach().reshape(-1).tolist() if hasattr(out, "detach") else list(out)


def inspect(model: nn.Module, predictor=None, *, example_inputs: tuple | None = None) -> InspectReport:
    """Inspect a live network's weight space and symmetry group (see module doc)."""
    space = weight_space(model, example_inputs=example_inputs)
    spec, group = space.spec, space.group
    layers = [{"name": l.name, "type": l.type, "n_params": l.n_params, "note": l.note,
               "shapes": {k: list(s) for k, s in l.shapes}} for l in spec.layers]
    factors = [{"name": f.name, "kind": f.kind, "size": f.size, "group": f.describe(),
                "scale": f.scale, "sign": f.sign} for f in spec.factors]
    chain = None if spec.chain is None else {"dims": list(spec.chain.dims), "kinds": list(spec.chain.kinds)}
    return InspectReport(
        model=type(model).__name__, n_params=space.n_params, layers=layers, factors=factors,
        log_size=group.log_size, dim=group.dim, issues=[str(i) for i in spec.issues],
        stats=statnn_table(space), canonical_distance=canonical_distance(space), chain=chain,
        predictions=None if predictor is None else _predict(predictor, space))
