"""The one equivariance checker every test of the project uses.

``assert_equivariant(fn, inputs, reps_in, reps_out, group=...)`` evaluates
``fn(g . x)`` against ``g . fn(x)`` for labelled test elements of the group (all
generators plus random elements for finite groups; random rotations *and* reflections
for O(3)/E(3); non-identity permutations for :class:`~symplugins.groups.Permutation`),
in the dtype of the inputs (or the ``dtype`` asked for), and raises an AssertionError
with a table of the maximum error per output and element.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch
from torch import Tensor

from ..groups import Isometry, Scalar, get_group

__all__ = [
    "TOLERANCES", "EquivarianceReport", "assert_equivariant", "assert_invariant",
    "assert_sensitive", "assert_permutation_equivariant", "equivariance_error",
]

#: default (atol, rtol) per dtype; rtol multiplies the largest output magnitude
TOLERANCES = {torch.float64: (1e-9, 1e-9), torch.float32: (1e-4, 1e-4),
              torch.float16: (1e-2, 1e-2), torch.bfloat16: (5e-2, 5e-2)}


@dataclass
class EquivarianceReport:
    """Rows ``(element label, output index, max abs error, output scale, tolerance)``."""

    rows: list = field(default_factory=list)

    @property
    def max_error(self) -> float:
        return max((r[2] for r in self.rows), default=0.0)

    @property
    def max_relative_error(self) -> float:
        return max((r[2] / max(r[3], 1e-30) for r in self.rows), default=0.0)

    @property
    def failures(self) -> list:
        return [r for r in self.rows if not r[2] <= r[4]]

    def __str__(self) -> str:
        lines = [f"{'element':<36} {'out':>3} {'max|err|':>11} {'scale':>11} {'tol':>11}  ok"]
        for label, k, err, scale, tol in self.rows:
            ok = "yes" if err <= tol else "NO"
            lines.append(f"{label:<36} {k:>3} {err:11.3e} {scale:11.3e} {tol:11.3e}  {ok}")
        return "\n".join(lines)


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _resolve_group(group):
    if isinstance(group, str):
        key = group.upper()
        if key in ("O3", "SO3", "E3", "SE3"):
            from .. import groups
            return getattr(groups, key)()
        return get_group(group)
    return group


def _cast(fn, inputs, dtype):
    if dtype is None:
        return fn, inputs
    if isinstance(fn, torch.nn.Module):
        fn = copy.deepcopy(fn).to(dtype)
    inputs = tuple(x.to(dtype) if isinstance(x, Tensor) and x.is_floating_point() else x for x in inputs)
    return fn, inputs


def _float_dtype(inputs, outputs) -> torch.dtype:
    for x in list(inputs) + list(outputs):
        if isinstance(x, Tensor) and x.is_floating_point():
            return x.dtype
    return torch.get_default_dtype()


def _act_all(reps, g, xs):
    if len(reps) != len(xs):
        raise ValueError(f"got {len(reps)} representations for {len(xs)} tensors; give one per tensor (None = invariant)")
    return tuple(x if r is None else r.act(g, x) for r, x in zip(reps, xs))


def _device_of(inputs):
    for x in inputs:
        if isinstance(x, Tensor):
            return x.device
    return torch.device("cpu")


def equivariance_error(fn, inputs, reps_in, reps_out, g, label="element",
                       atol=None, rtol=None, report=None, _y=None) -> EquivarianceReport:
    """Compare ``fn(g.x)`` with ``g.fn(x)`` for one element; rows go into ``report``."""
    report = report if report is not None else EquivarianceReport()
    y = _y if _y is not None else _as_tuple(fn(*inputs))
    dt = _float_dtype(inputs, y)
    a0, r0 = TOLERANCES.get(dt, (1e-6, 1e-6))
    atol, rtol = (a0 if atol is None else atol), (r0 if rtol is None else rtol)
    if isinstance(g, (Tensor, Isometry)):
        g = g.to(dtype=dt)
    y_g = _as_tuple(fn(*_act_all(reps_in, g, inputs)))
    expected = _act_all(reps_out, g, y)
    if len(y_g) != len(expected):
        raise ValueError(f"fn returned {len(y_g)} outputs, expected {len(expected)}")
    for k, (a, b) in enumerate(zip(y_g, expected)):
        if not isinstance(a, Tensor):
            continue
        a, b = a.detach(), b.detach()
        if a.shape != b.shape:
            raise AssertionError(f"output {k}: shape {list(a.shape)} after the action vs {list(b.shape)}")
        if a.is_floating_point():
            err = float((a - b).abs().max()) if a.numel() else 0.0
            scale = float(b.abs().max()) if b.numel() else 0.0
        else:
            err, scale = float((a != b).sum()), 1.0
            atol, rtol = 0.0, 0.0
        report.rows.append((label, k, err, scale, atol + rtol * scale))
    return report


def assert_equivariant(
    fn: Callable, inputs: Sequence[Any] | Tensor, reps_in: Sequence, reps_out: Sequence | Any,
    *, group="O3", n_samples: int = 3, dtype: torch.dtype | None = None,
    atol: float | None = None, rtol: float | None = None,
    generator: torch.Generator | None = None,
) -> EquivarianceReport:
    """Assert ``fn(g . x) == g . fn(x)`` for test elements of ``group``.

    Args:
        fn: a function or module taking ``*inputs``; returns a tensor or a tuple.
        inputs: the input tensors (tensor or sequence).
        reps_in / reps_out: one representation per input / output (None = invariant).
        group: "O3", "SO3", "E3", "SE3", a finite group or its name, or a
            :class:`~symplugins.groups.Permutation`.
        n_samples: random elements in addition to the generators of a finite group.
        dtype: cast floating inputs (and a module, on a copy) to this dtype first.
        atol / rtol: tolerance ``atol + rtol * max|output|``; defaults by dtype
            (:data:`TOLERANCES`).
    """
    inputs = _as_tuple(inputs)
    reps_out = _as_tuple(reps_out)
    fn, inputs = _cast(fn, inputs, dtype)
    grp = _resolve_group(group)
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    y = _as_tuple(fn(*inputs))
    dt = _float_dtype(inputs, y)
    report = EquivarianceReport()
    for label, g in grp.test_elements(n_samples, gen, dtype=dt, device=_device_of(inputs)):
        equivariance_error(fn, inputs, reps_in, reps_out, g, label, atol, rtol, report, _y=y)
    if report.failures:
        raise AssertionError(f"not equivariant under {grp!r} (dtype {dt}):\n{report}")
    return report


def assert_invariant(fn, inputs, reps_in, *, group="O3", **kwargs) -> EquivarianceReport:
    """Assert every output of ``fn`` is unchanged when the inputs are transformed."""
    inputs = _as_tuple(inputs)
    n_out = len(_as_tuple(fn(*_cast(fn, inputs, kwargs.get("dtype"))[1])))
    return assert_equivariant(fn, inputs, reps_in, [Scalar()] * n_out, group=group, **kwargs)


def assert_permutation_equivariant(fn, inputs, reps_in, reps_out, *, num_nodes: int,
                                   batch: Tensor | None = None, n_samples: int = 2, **kwargs):
    """Permutation test: re-samples until the permutation is not the identity.

    Use :class:`~symplugins.groups.NodeAxis` for node-indexed tensors and
    :class:`~symplugins.groups.NodeIndex` for index tensors (edge_index, face); with
    ``batch`` the permutation stays inside each graph.
    """
    from ..groups import Permutation
    return assert_equivariant(fn, inputs, reps_in, reps_out, group=Permutation(num_nodes, batch),
                              n_samples=n_samples, **kwargs)


def assert_sensitive(
    fn: Callable, inputs, reps_in=None, reps_out=None, *, element=None,
    transform: Callable | None = None, min_rel: float = 1e-3, dtype: torch.dtype | None = None,
) -> float:
    """Assert a non-symmetry changes the output (the partner of every equivariance test).

    Either ``element`` (a transformation that is *not* in the symmetry group, acted on
    inputs and outputs through ``reps_in``/``reps_out``: equivariance must fail for it) or
    ``transform`` (a function ``inputs -> new inputs``: the outputs must change). Fails
    unless the largest output difference exceeds ``min_rel`` times the output scale.
    Returns the relative difference found.
    """
    inputs = _as_tuple(inputs)
    fn, inputs = _cast(fn, inputs, dtype)
    y = _as_tuple(fn(*inputs))
    if (element is None) == (transform is None):
        raise ValueError("give exactly one of element= (with reps) or transform=")
    if element is not None:
        if reps_in is None or reps_out is None:
            raise ValueError("element= needs reps_in and reps_out")
        rep = equivariance_error(fn, inputs, reps_in, _as_tuple(reps_out), element, "non-symmetry", _y=y)
        rel = rep.max_relative_error
    else:
        y2 = _as_tuple(fn(*_as_tuple(transform(inputs))))
        rel = 0.0
        for a, b in zip(y, y2):
            a, b = (t.detach() if isinstance(t, Tensor) else t for t in (a, b))
            if isinstance(a, Tensor) and a.is_floating_point() and a.shape == b.shape:
                scale = max(float(a.abs().max()) if a.numel() else 0.0, 1e-30)
                rel = max(rel, float((a - b).abs().max()) / scale)
            elif isinstance(a, Tensor) and (a.shape != b.shape or not torch.equal(a, b)):
                rel = float("inf")
    if not rel > min_rel:
        raise AssertionError(
            f"output did not change under a non-symmetry (relative change {rel:.3e} <= {min_rel:.1e}): "
            "the check cannot tell this transformation from a symmetry"
        )
    return rel
