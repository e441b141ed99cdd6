"""``CliffordAlgebra``: a Clifford (geometric) algebra with a diagonal metric, in torch.

Follows the conventions of CGENN (Ruhe, Brandstetter, Forre, NeurIPS 2023): blades in
short-lex bitmap order, multivectors as ``[..., 2**n]`` coefficient tensors. The
geometric product is *sparse*: only the non-zero Cayley entries are evaluated
(Cl(3,0): 64 of 512). Tables are non-persistent buffers, so ``.to(device/dtype)`` of
the algebra (or of any module holding it) moves them; an algebra used on inputs of another
device or dtype casts its tables to the inputs' on the fly.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from ..utils.tracing import is_tracing
from .fused import _kernels, fused_bilinear
from .product import bilinear_entries, bilinear_full
from .tables import blade_bitmaps, blade_names, cayley_entries, grade_paths

__all__ = ["CliffordAlgebra"]


class CliffordAlgebra(nn.Module):
    """Clifford algebra Cl(p, q, r) of a diagonal ``metric`` (1 to 6 basis vectors).

    Example: ``CliffordAlgebra((1, 1, 1))`` is Cl(3,0) with ``dim == 8`` blades
    ``1, e1, e2, e3, e12, e13, e23, e123`` and grades ``0,1,1,1,2,2,2,3``.

    ``kernel`` picks how products run (same values): ``"sparse"`` (default, eager, the 64
    entries via broadcast + 0/1-table matmuls), ``"fused"`` (the per-output-blade kernel of
    :mod:`~symplugins.clifford.fused` compiled by ``torch.compile``: fastest for training,
    first call compiles; second derivatives fall back to eager formulas) or ``"fused-eager"``
    (the same kernel uncompiled, for tests). Under ``torch.compile`` of a whole model the
    fused formulation is traced as plain ops (inductor fuses it with its neighbours).
    """

    KERNELS = ("sparse", "fused", "fused-eager")
    #: below this many multivectors per call ``"fused"`` runs the ``"sparse"`` code: the compiled
    #: call's fixed overhead (guards, wrappers: ~0.3 ms on CPU) exceeds the work
    FUSED_MIN_ROWS = 4096

    def __init__(self, metric: Sequence[float], *, kernel: str = "sparse"):
        super().__init__()
        self.set_kernel(kernel)
        metric = tuple(float(m) for m in metric)
        if not 1 <= len(metric) <= 6:
            raise ValueError(f"'metric' must have 1 to 6 entries (one per basis vector), got {len(metric)}")
        self.metric = metric
        self.n = len(metric)
        self.dim = 2 ** self.n
        self.n_grades = self.n + 1
        self.blade_names = blade_names(self.n)
        grades = torch.tensor([bin(b).count("1") for b in blade_bitmaps(self.n)], dtype=torch.long)
        left, right, out, sign = cayley_entries(metric)
        paths, path_of_entry = grade_paths(grades, left, right, out)
        self.n_paths = len(paths)
        self.grade_sizes = [math.comb(self.n, g) for g in range(self.n_grades)]
        self._buf("grades", grades)
        self._buf("left", left)
        self._buf("right", right)
        self._buf("out", out)
        self._buf("sign", sign.to(torch.get_default_dtype()))
        self._buf("paths", paths)
        self._entries = (tuple(left.tolist()), tuple(right.tolist()), tuple(out.tolist()))
        self.full_table = len(left) == self.dim ** 2  # non-degenerate: all pairs, sorted by left blade
        k = torch.arange(len(left))
        self._buf("_right_onehot", torch.zeros(self.dim, len(left)).index_put_((right, k), torch.tensor(1.0)))
        self._buf("_out_onehot", torch.zeros(len(left), self.dim).index_put_((k, out), torch.tensor(1.0)))
        self._buf("path_of_entry", path_of_entry)
        g = grades.to(torch.float64)
        self._buf("_grade_inv", ((-1.0) ** g).to(torch.get_default_dtype()))
        self._buf("_reverse", ((-1.0) ** (g * (g - 1) / 2)).to(torch.get_default_dtype()))
        diag = (left == right)
        square = torch.zeros(self.dim, dtype=torch.float64).index_put_((left[diag],), sign[diag])
        self._buf("_form", (square * (-1.0) ** (g * (g - 1) / 2)).to(torch.get_default_dtype()))

    def set_kernel(self, kernel: str) -> "CliffordAlgebra":
        """Choose the product kernel (see the class docstring); returns ``self``."""
        if kernel not in self.KERNELS:
            raise ValueError(f"'kernel' must be one of {self.KERNELS}, got {kernel!r}")
        self.kernel = kernel
        return self

    def _buf(self, name: str, value: Tensor) -> None:
        self.register_buffer(name, value, persistent=False)

    @staticmethod
    def _like(t: Tensor, x: Tensor) -> Tensor:
        """A table in ``x``'s dtype and on its device (``t`` itself when it already is)."""
        return t.to(dtype=x.dtype, device=x.device)

    @staticmethod
    def _on(idx: Tensor, x: Tensor) -> Tensor:
        """An index table on ``x``'s device."""
        return idx.to(x.device)

    def extra_repr(self) -> str:
        return (f"metric={self.metric}, dim={self.dim}, entries={len(self.left)}, paths={self.n_paths}, "
                f"kernel={self.kernel!r}")

    # ------------------------------------------------------------------ products
    def geometric_product(self, a: Tensor, b: Tensor, *, blade_major: bool = False) -> Tensor:
        """``a b`` for ``a, b [..., dim]`` (broadcast over leading dims) -> ``[..., dim]``.

        ``blade_major=True``: the blade axis is the first one, ``[dim, ..., C]`` (the layout
        CG-EGNN computes in: every blade a contiguous slab).
        """
        return self._bilinear(a, b, self._like(self.sign, a), blade_major)

    def weighted_product(self, a: Tensor, b: Tensor, weight: Tensor, *, blade_major: bool = False) -> Tensor:
        """Geometric product with one weight per grade path: ``sum_p w_p <a_i b_j>_k``.

        ``weight [..., n_paths]`` broadcasts against the leading dims of ``a``/``b``
        (e.g. ``[C, n_paths]`` for per-channel weights with ``a [B, C, dim]``; with
        ``blade_major``, ``a [dim, B, C]``).
        """
        coef = weight[..., self._on(self.path_of_entry, weight)] * self._like(self.sign, weight)
        return self._bilinear(a, b, coef, blade_major)

    def _bilinear(self, a: Tensor, b: Tensor, coef: Tensor, blade_major: bool = False) -> Tensor:
        if self.kernel != "sparse" and coef.dim() <= 2:
            if is_tracing():  # torch.compile / export / make_fx: plain ops (inductor fuses them), no size branch
                # generated kernels live in a module-level cache, never on the module:
                # the algebra stays picklable (nequip-package, torch.save of whole models)
                return _kernels(*self._entries, self.dim, False, blade_major).forward(a, b, coef)
            rows = max(a.numel(), b.numel()) // self.dim
            if self.kernel == "fused-eager" or rows >= self.FUSED_MIN_ROWS:
                return fused_bilinear(a, b, self._entries, coef, self.dim, compiled=self.kernel == "fused",
                                      blade_major=blade_major)
        if blade_major:  # small inputs: the eager code on the blade-last view
            return self._bilinear(a.movedim(0, -1), b.movedim(0, -1), coef).movedim(-1, 0)
        if self.full_table:
            return bilinear_full(a, b, self._like(self._right_onehot, b), self._like(self._out_onehot, b), coef)
        return bilinear_entries(a, b, self._on(self.left, a), self._on(self.right, a), self._on(self.out, a), coef,
                                self.dim)

    # --------------------------------------------------------------- involutions
    def grade_involution(self, x: Tensor) -> Tensor:
        """``x -> sum_g (-1)^g <x>_g``."""
        return x * self._like(self._grade_inv, x)

    def reverse(self, x: Tensor) -> Tensor:
        """Reversion ``x -> sum_g (-1)^(g(g-1)/2) <x>_g``."""
        return x * self._like(self._reverse, x)

    def conjugate(self, x: Tensor) -> Tensor:
        """Clifford conjugation (grade involution of the reverse)."""
        return x * self._like(self._reverse * self._grade_inv, x)

    # ---------------------------------------------------------------- grades
    def grade_slice(self, g: int) -> slice:
        """Index range of the grade-``g`` blades (contiguous in short-lex order)."""
        if not 0 <= g <= self.n:
            raise ValueError(f"grade must lie in [0, {self.n}], got {g}")
        start = sum(self.grade_sizes[:g])
        return slice(start, start + self.grade_sizes[g])

    def get_grade(self, x: Tensor, g: int) -> Tensor:
        """Coefficients of grade ``g``: ``[..., dim] -> [..., C(n, g)]``."""
        return x[..., self.grade_slice(g)]

    def grade_project(self, x: Tensor, g: int) -> Tensor:
        """``<x>_g`` as a full multivector (other grades zeroed)."""
        mask = self._like(self.grades == g, x)
        return x * mask

    def embed(self, values: Tensor, grade: int = 1) -> Tensor:
        """Embed ``values [..., C(n, grade)]`` (scalars: ``[...]`` or ``[..., 1]``) into ``[..., dim]``."""
        if grade == 0 and (values.dim() == 0 or values.shape[-1] != 1):
            values = values.unsqueeze(-1)
        size = self.grade_sizes[grade] if 0 <= grade <= self.n else -1
        if values.shape[-1] != size:
            raise ValueError(f"'values' must have a last axis of size {size} for grade {grade}, got {list(values.shape)}")
        sl = self.grade_slice(grade)
        return nn.functional.pad(values, (sl.start, self.dim - sl.stop))

    # ------------------------------------------------------- forms and norms
    def bilinear_form(self, x: Tensor, y: Tensor, *, blade_major: bool = False) -> Tensor:
        """``b(x, y) = <reverse(x) y>_0`` -> ``[...]`` (diagonal in the blade basis)."""
        if blade_major:
            return (x * y * self._blade_column(self._form, x)).sum(0)
        return (x * y * self._like(self._form, x)).sum(-1)

    def quadratic_form(self, x: Tensor, *, blade_major: bool = False) -> Tensor:
        """``q(x) = b(x, x)``."""
        return self.bilinear_form(x, x, blade_major=blade_major)

    def grade_quadratic(self, x: Tensor, *, blade_major: bool = False) -> Tensor:
        """``q(<x>_g)`` per grade: ``[..., dim] -> [..., n_grades]`` (blade-major: ``[dim, ...] -> [n_grades, ...]``)."""
        if blade_major:
            terms = x * x * self._blade_column(self._form, x)
            return x.new_zeros(self.n_grades, *x.shape[1:]).index_add(0, self._on(self.grades, x), terms)
        terms = x * x * self._like(self._form, x)
        out = x.new_zeros(*x.shape[:-1], self.n_grades)
        return out.index_add(-1, self._on(self.grades, x), terms)  # measured faster than a 0/1 matmul here

    def grade_norms(self, x: Tensor, eps: float = 1e-16, *, blade_major: bool = False) -> Tensor:
        """Smooth ``sqrt(|q(<x>_g)|)`` per grade, ``(q^2 + eps)^(1/4)`` (differentiable at 0)."""
        q = self.grade_quadratic(x, blade_major=blade_major)
        return (q * q + eps) ** 0.25

    def expand_grades(self, per_grade: Tensor, *, blade_major: bool = False) -> Tensor:
        """Repeat a ``[..., n_grades]`` tensor onto the blades: ``[..., dim]`` (blade-major: first axis)."""
        if blade_major:  # contiguous slab copies
            return per_grade.index_select(0, self._on(self.grades, per_grade))
        return per_grade.index_select(-1, self._on(self.grades, per_grade))

    def per_grade(self, p: Tensor, x: Tensor, *, blade_major: bool = False) -> Tensor:
        """A ``[C, n_grades]`` per-channel, per-grade parameter, shaped to broadcast against the
        per-grade tensors of ``x`` (``[..., C, n_grades]``; blade-major ``[n_grades, ..., C]``)."""
        return p.T.reshape(self.n_grades, *([1] * (x.dim() - 2)), p.shape[0]) if blade_major else p

    def _blade_column(self, t: Tensor, x: Tensor) -> Tensor:
        """A per-blade ``[dim]`` table shaped to broadcast along the first axis of ``x``."""
        return self._like(t, x).view(-1, *([1] * (x.dim() - 1)))

    # ------------------------------------------------------------ versors
    def inverse(self, v: Tensor) -> Tensor:
        """Inverse of a versor: ``reverse(v) / <v reverse(v)>_0``."""
        rev = self.reverse(v)
        return rev / self.geometric_product(v, rev)[..., :1]

    def versor_action(self, v: Tensor, x: Tensor) -> Tensor:
        """Twisted conjugation ``rho(v)(x) = v x_even v^-1 + alpha(v) x_odd v^-1`` (CGENN eq. 4).

        For a unit vector ``v = n`` this is the reflection ``x -> x - 2 (x.n) n`` on
        vectors, extended to all grades as an outermorphism (an algebra automorphism).
        """
        odd = self._like(self.grades % 2 == 1, x)
        inv = self.inverse(v)
        x_even, x_odd = x * (1 - odd), x * odd
        left = self.geometric_product(v, x_even) + self.geometric_product(self.grade_involution(v), x_odd)
        return self.geometric_product(left, inv)
