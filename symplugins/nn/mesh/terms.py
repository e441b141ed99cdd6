"""The two message terms of an EMNN layer as functions on tensors (no parameters kept).

First layers of ``phi_e``/``phi_f`` are linear in the concatenated inputs, so they are
applied per vertex (or per face) and gathered, never on the ``[E, 2F + ...]`` concatenation
(same function, fewer FLOPs). Index conventions: ``edge_index`` row 0 = source ``j``, row 1 = target ``i`` (PyG's
``source_to_target``); ``face [3, F]`` holds corner vertex ids. Corners are flattened
*corner-major* (row ``k * F + f`` is corner ``k`` of face ``f``) and the messages are
scattered with the very same flattening, ``face.reshape(-1)``, so each corner message
lands on its own vertex (the reference code mixed corner- and face-major orders).
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def safe_norm(v: Tensor, dim: int = -1, eps: float = 0.0) -> Tensor:
    """``sqrt(|v|^2 + eps^2)`` along ``dim`` with a finite gradient at ``v = 0``."""
    sq = v.pow(2).sum(dim)
    return (sq + eps * eps).clamp_min(torch.finfo(v.dtype).tiny).sqrt()


def edge_term(h: Tensor, X: Tensor, edge_index: Tensor, phi_e: Callable, phi_x: Callable | None,
              c_out: int) -> tuple[Tensor, Tensor | None, Tensor]:
    """EGNN messages. ``h [N, F]``, ``X [N, C, 3]`` -> ``m_i [N, H]``, ``dX [N, c_out, 3]``, ``L [N, C, 3]``.

    ``m_ij = phi_e(h_i, h_j, |X_i - X_j|^2, 1/deg_i)``; ``dX_i = mean_j (X_i - X_j) Phi_x(m_ij)``;
    ``L_i = mean_j (X_j - X_i)`` is the umbrella Laplacian (zero at isolated vertices).
    """
    src, dst = edge_index[0], edge_index[1]
    n, c = X.shape[0], X.shape[1]
    diff = X[dst] - X[src]
    deg = X.new_zeros(n).index_add_(0, dst, X.new_ones(dst.shape[0]))
    inv = 1.0 / deg.clamp_min(1.0)
    first, f = phi_e[0], h.shape[1]
    w = first.weight
    pre = F.linear(h, w[:, :f], first.bias)[dst] + F.linear(h, w[:, f:2 * f])[src]
    m = phi_e[1:](pre + F.linear(torch.cat([diff.pow(2).sum(-1), inv[dst, None]], -1), w[:, 2 * f:]))
    m_i = m.new_zeros(n, m.shape[-1]).index_add_(0, dst, m)
    lap = -X.new_zeros(n, c, 3).index_add_(0, dst, diff) * inv[:, None, None]
    if phi_x is None:
        return m_i, None, lap
    w = phi_x(m).view(-1, c, c_out)
    dX = X.new_zeros(n, c_out, 3).index_add_(0, dst, w.transpose(1, 2) @ diff) * inv[:, None, None]
    return m_i, dX, lap


def face_normals(X: Tensor, face: Tensor) -> Tensor:
    """Unnormalised per-channel normals ``(X_p0 - X_p1) x (X_p0 - X_p2)``: ``[F, C, 3]``."""
    a, b, c = X[face[0]], X[face[1]], X[face[2]]
    return torch.linalg.cross(a - b, a - c, dim=-1)


def face_term(h: Tensor, X: Tensor, face: Tensor, phi_f: Callable, phi_xf: Callable | None,
              c_out: int, *, lap: Tensor | None = None, eps: float = 1e-6
              ) -> tuple[Tensor, Tensor | None]:
    """EMNN face messages. -> ``m_i [N, H]`` (sum over faces at i), ``dX [N, c_out, 3]``.

    ``m_fk = phi_f(h_pk, mean(h other corners), a_f)``; ``dX_pk += u_fk Phi_f(m_fk)`` with
    ``u_fk = n_f`` (``lap=None``: SE(3) only) or ``u_fk = n_f (n_f . L_pk) / (|n_f| |L_pk|)``
    (E(3): even in ``n_f``). Zero-area faces give ``n_f = 0``: no update, no NaN.
    """
    n, c = X.shape[0], X.shape[1]
    nrm = face_normals(X, face)
    nrm_len = torch.linalg.vector_norm(nrm, dim=-1)  # gradient 0 at a zero normal, no NaN
    area = 0.5 * nrm_len
    idx = face.reshape(-1)
    first, f = phi_f[0], h.shape[1]
    w_self, w_other = first.weight[:, :f], 0.5 * first.weight[:, f:2 * f]
    # mean(h others) = (S_f - h_pk) / 2 with S_f the corner sum: one linear map per vertex
    other = F.linear(h, w_other)
    per_face = other[face[0]] + other[face[1]] + other[face[2]] + F.linear(area, first.weight[:, 2 * f:])
    pre = F.linear(h, w_self - w_other, first.bias)[idx] + per_face.repeat(3, 1)
    m = phi_f[1:](pre)
    m_i = m.new_zeros(n, m.shape[-1]).index_add_(0, idx, m)
    if phi_xf is None:
        return m_i, None
    u = nrm.repeat(3, 1, 1)
    if lap is not None:
        L = lap[idx]
        denom = nrm_len.clamp_min(torch.finfo(X.dtype).tiny).repeat(3, 1) * safe_norm(L, eps=eps)
        u = u * ((u * L).sum(-1) / denom)[..., None]
    w = phi_xf(m).view(-1, c, c_out)
    dX = X.new_zeros(n, c_out, 3).index_add_(0, idx, w.transpose(1, 2) @ u)
    return m_i, dX


def umbrella_laplacian(X: Tensor, edge_index: Tensor) -> Tensor:
    """``L_i = mean_{j -> i} (X_j - X_i)`` over incoming edges: ``[N(, C), 3]`` (0 if isolated)."""
    src, dst = edge_index[0], edge_index[1]
    deg = X.new_zeros(X.shape[0]).index_add_(0, dst, X.new_ones(dst.shape[0])).clamp_min(1.0)
    out = X.new_zeros(X.shape).index_add_(0, dst, X[src] - X[dst])
    return out / deg.view(-1, *([1] * (X.dim() - 1)))
