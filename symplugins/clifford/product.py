"""Sparse bilinear products over a list of non-zero table entries (pure functions).

``out[..., k] = sum_{e: out_e = k} coef[..., e] * a[..., left_e] * b[..., right_e]``.
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["bilinear_entries"]


def bilinear_entries(a: Tensor, b: Tensor, left: Tensor, right: Tensor, out: Tensor,
                     coef: Tensor, dim: int) -> Tensor:
    """Evaluate the sparse bilinear map given by entries ``(left, right, out, coef)``.

    Shapes: ``a [..., dim]``, ``b [..., dim]``, ``coef [..., K]`` (broadcast), result
    ``[..., dim]``. Only the ``K`` non-zero entries are multiplied; the reduction onto
    output blades is an index_add (its backward is a gather).
    """
    terms = a.index_select(-1, left) * b.index_select(-1, right) * coef
    shape = torch.broadcast_shapes(a.shape[:-1], b.shape[:-1], coef.shape[:-1])
    res = terms.new_zeros(*shape, dim)
    return res.index_add(-1, out, terms.expand(*shape, terms.shape[-1]))


def bilinear_full(a: Tensor, b: Tensor, right_onehot: Tensor, out_onehot: Tensor, coef: Tensor) -> Tensor:
    """Same map for a table with all ``dim**2`` (left, right) pairs, sorted by left blade.

    Every pair of blades has exactly one product blade (non-degenerate metric), so the
    64 entries of Cl(3,0) are ``a_i * (b @ R)_{i, r}``: the left operand is broadcast
    (no gather), the right one and the reduction onto output blades are small matmuls
    against 0/1 tables (``right_onehot [dim, K]``, ``out_onehot [K, dim]``), whose
    backward passes are matmuls too. ``coef [..., K]`` carries signs (and path weights).
    """
    d = a.shape[-1]
    terms = a.unsqueeze(-1) * (b @ right_onehot).unflatten(-1, (d, d))
    return (terms.flatten(-2) * coef) @ out_onehot
