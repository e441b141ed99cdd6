"""Fused sparse bilinear kernel for (weighted) geometric products, with a hand-written backward.

``out[..., o] = sum_{e: out_e = o} coef[..., e] * a[..., left_e] * b[..., right_e]`` over the
non-zero Cayley entries only (Cl(3,0): 64), written entry by entry with *static* blade
indices and grouped by output blade, so no ``[..., 64]`` intermediate is ever formed:

- forward: for each output blade ``o`` the 8 signed, weighted products landing on it;
- backward: ``grad_a[l] = sum_{e: left_e = l} coef_e g[out_e] b[right_e]`` and
  ``grad_b[r]`` likewise (the same structure with the roles permuted), and
  ``grad_coef[e] = sum_batch g[out_e] a[left_e] b[right_e]`` (a reduction, only if needed).

Each piece is a plain torch function; with ``compiled=True`` it is handed to
``torch.compile(dynamic=True)`` (inductor emits one fused C++/OpenMP loop on CPU, Triton
on CUDA). Compiled kernels are cached per table and reused for every shape and dtype
(compile once per process, then inductor's on-disk cache). Second derivatives (e.g. training
on forces) fall back to the differentiable eager formulas, which give the same values.
The slow reference is :func:`~symplugins.clifford.product.bilinear_entries`.
"""
from __future__ import annotations

from functools import lru_cache

import torch
from torch import Tensor

__all__ = ["FusedBilinear", "fused_bilinear"]


def _groups(key: tuple[int, ...], dim: int) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(e for e, k in enumerate(key) if k == d) for d in range(dim))


def _sum_code(groups, x: str, ix, y: str, iy, coef: str, blade_major: bool) -> str:
    """Source of ``stack([sum_{e in group} x[ix_e] * y[iy_e] * coef[..., e]])`` over the blade axis.

    The blade axis is the last one (``x[..., i]``, multivectors ``[..., C, dim]``) or, with
    ``blade_major``, the first one (``x[i]``, multivectors ``[dim, ..., C]``).
    """
    blade = (lambda t, i: f"{t}[{i}]") if blade_major else (lambda t, i: f"{t}[..., {i}]")
    cols = []
    for group in groups:
        terms = [f"{blade(x, ix[e])} * {blade(y, iy[e])} * {coef}[..., {e}]" for e in group]
        cols.append(" + ".join(terms) if terms else f"torch.zeros_like({blade(x, 0)} * {blade(y, 0)})")
    return "torch.stack([\n        " + ",\n        ".join(cols) + f"], dim={0 if blade_major else -1})"


class FusedBilinear:
    """The three kernels (forward, input grads, coefficient grad) of one sparse table.

    ``left, right, out``: tuples of blade indices per entry; ``dim``: number of blades;
    ``blade_major``: multivectors laid out ``[dim, rows, C]`` instead of ``[rows, C, dim]``
    (every blade is then one contiguous ``[rows, C]`` slab). The kernels are generated as
    source code with literal blade indices (straight-line code: nothing for
    ``torch.compile`` to guard on but the tensors).
    """

    def __init__(self, left: tuple[int, ...], right: tuple[int, ...], out: tuple[int, ...], dim: int,
                 *, compiled: bool, blade_major: bool = False):
        self.left, self.right, self.out, self.dim, self.blade_major = left, right, out, dim, blade_major
        by_out, by_left, by_right = (_groups(k, dim) for k in (out, left, right))
        ix = "{}" if blade_major else "..., {}"
        coef_cols = ", ".join(f"(g[{ix.format(o)}] * a[{ix.format(l)}] * b[{ix.format(r)}]).sum(0)"
                              for l, r, o in zip(left, right, out))
        src = f"""
def forward(a, b, coef):
    return {_sum_code(by_out, "a", left, "b", right, "coef", blade_major)}

def grad_inputs(g, a, b, coef):
    ga = {_sum_code(by_left, "g", out, "b", right, "coef", blade_major)}
    gb = {_sum_code(by_right, "g", out, "a", left, "coef", blade_major)}
    return ga, gb

def grad_coef(g, a, b):
    return torch.stack([{coef_cols}], dim=-1)
"""
        namespace = {"torch": torch}
        exec(compile(src, f"<fused_bilinear dim={dim} K={len(left)} blade_major={blade_major}>", "exec"), namespace)  # noqa: S102
        wrap = (lambda f: torch.compile(f, dynamic=True)) if compiled else (lambda f: f)
        self.forward, self.grad_inputs, self.grad_coef = (wrap(namespace[k]) for k in
                                                          ("forward", "grad_inputs", "grad_coef"))


@lru_cache(maxsize=None)
def _kernels(left: tuple[int, ...], right: tuple[int, ...], out: tuple[int, ...], dim: int,
             compiled: bool, blade_major: bool = False) -> FusedBilinear:
    return FusedBilinear(left, right, out, dim, compiled=compiled, blade_major=blade_major)


class _FusedFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, coef: Tensor, kernels: FusedBilinear) -> Tensor:
        ctx.save_for_backward(a, b, coef)
        ctx.kernels = kernels
        return kernels.forward(a, b, coef)

    @staticmethod
    def backward(ctx, g: Tensor):
        a, b, coef = ctx.saved_tensors
        k = ctx.kernels
        g = g.contiguous()
        if torch.is_grad_enabled():  # create_graph: differentiable eager formulas
            k = _kernels(k.left, k.right, k.out, k.dim, False, k.blade_major)
        ga, gb = k.grad_inputs(g, a, b, coef) if any(ctx.needs_input_grad[:2]) else (None, None)
        gc = k.grad_coef(g, a, b).sum_to_size(coef.shape) if ctx.needs_input_grad[2] else None
        return ga, gb, gc, None


def fused_bilinear(a: Tensor, b: Tensor, entries: tuple[tuple[int, ...], ...], coef: Tensor, dim: int,
                   *, compiled: bool = True, blade_major: bool = False) -> Tensor:
    """Same map as :func:`~symplugins.clifford.product.bilinear_entries`, by the fused kernel.

    ``entries = (left, right, out)`` tuples of blade indices; ``a, b [..., C, dim]``
    (broadcast, then made contiguous), ``coef [C, K]`` or ``[K]`` (one coefficient per entry
    and channel, e.g. sign x path weight). Returns ``[..., C, dim]``. With ``blade_major``
    the blade axis comes first: ``a, b [dim, ..., C]`` -> ``[dim, ..., C]``.
    """
    if blade_major:  # broadcast as the blade-last views do (the blade axis never meets a row axis)
        a_last, b_last = a.movedim(0, -1), b.movedim(0, -1)
        last = torch.broadcast_shapes(a_last.shape, b_last.shape, coef.shape[:-1] + (dim,))
        flat = (dim, -1, last[-2] if len(last) > 1 else 1)
        a3, b3 = (t.expand(last).movedim(-1, 0).contiguous().reshape(flat) for t in (a_last, b_last))
        out = _FusedFn.apply(a3, b3, coef, _kernels(*entries, dim, compiled, True))
        return out.reshape((dim,) + tuple(last[:-1]))
    shape = torch.broadcast_shapes(a.shape, b.shape, coef.shape[:-1] + (dim,))
    a, b = a.expand(shape).contiguous(), b.expand(shape).contiguous()
    flat = (-1, shape[-2] if len(shape) > 1 else 1, dim)
    return _FusedFn.apply(a.reshape(flat), b.reshape(flat), coef, _kernels(*entries, dim, compiled)).reshape(shape)
