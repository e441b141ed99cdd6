"""The two message terms of an EMNN layer as functions on tensors (no parameters kept).

Cost layout (both terms, so EMNN and its faceless EGNN share one edge implementation):
the first Linear of ``phi_e``/``phi_f`` is linear in the concatenated inputs, so it is
applied once per *vertex* and the projections are gathered per edge / corner (never a
Linear on the ``[E, 2F + ...]`` concatenation); per-vertex-only inputs (``1/deg_i``, the
bias) are folded into the vertex projection. Gathers use ``index_select`` (its backward
is an ``index_add_``, ~2.5x faster on CPU than the ``index_put_`` behind ``x[idx]``).
Index conventions: ``edge_index`` row 0 = source ``j``, row 1 = target ``i`` (PyG's
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


def _coord_messages(w: Tensor, u: Tensor) -> Tensor:
    """``sum_c w[..., c, o] u[..., c, :]``: ``w [..., C, C_out]``, ``u [..., C, 3]`` -> ``[..., C_out, 3]``.

    Broadcast multiply (and sum when ``C > 1``): no batched matmul of 1x1 blocks.
    """
    if u.shape[-2] == 1:
        return w.squeeze(-2).unsqueeze(-1) * u
    return (w.unsqueeze(-1) * u.unsqueeze(-2)).sum(-3)


def edge_term(h: Tensor, X: Tensor, edge_index: Tensor, phi_e: Callable, phi_x: Callable | None,
              c_out: int, *, laplacian: bool = True) -> tuple[Tensor, Tensor | None, Tensor | None]:
    """EGNN messages. ``h [N, F]``, ``X [N, C, 3]`` -> ``m_i [N, H]``, ``dX [N, c_out, 3]``, ``L [N, C, 3]``.

    ``m_ij = phi_e(h_i, h_j, |X_i - X_j|^2, 1/deg_i)``; ``dX_i = mean_j (X_i - X_j) Phi_x(m_ij)``;
    ``L_i = mean_j (X_j - X_i)`` is the umbrella Laplacian (zero at isolated vertices).
    ``phi_e[0]`` is applied as ``(W_i h + b + w_a / deg)[i] + (W_j h)[j] + W_r |dX|^2``.
    ``L`` is None when ``laplacian=False`` (only the E(3) face term needs it).
    """
    src, dst = edge_index[0], edge_index[1]
    n, c, f = X.shape[0], X.shape[1], h.shape[1]
    diff = X.index_select(0, dst) - X.index_select(0, src)
    deg = X.new_zeros(n).index_add_(0, dst, X.new_ones(dst.shape[0]))
    inv = 1.0 / deg.clamp_min(1.0)
    w = phi_e[0].weight
    p_i = F.linear(h, w[:, :f], phi_e[0].bias) + inv[:, None] * w[:, -1]
    pre = p_i.index_select(0, dst) + F.linear(h, w[:, f:2 * f]).index_select(0, src)
    m = phi_e[1:](pre + F.linear(diff.pow(2).sum(-1), w[:, 2 * f:2 * f + c]))
    m_i = m.new_zeros(n, m.shape[-1]).index_add_(0, dst, m)
    lap = -X.new_zeros(n, c, 3).index_add_(0, dst, diff) * inv[:, None, None] if laplacian else None
    if phi_x is None:
        return m_i, None, lap
    msg = _coord_messages(phi_x(m).view(-1, c, c_out), diff)
    dX = X.new_zeros(n, c_out, 3).index_add_(0, dst, msg) * inv[:, None, None]
    return m_i, dX, lap


def face_normals(X: Tensor, face: Tensor) -> Tensor:
    """Unnormalised per-channel normals ``(X_p0 - X_p1) x (X_p0 - X_p2)``: ``[F, C, 3]``."""
    corners = X.index_select(0, face.reshape(-1)).view(3, face.shape[1], *X.shape[1:])
    return torch.linalg.cross(corners[0] - corners[1], corners[0] - corners[2], dim=-1)


def face_term(h: Tensor, X: Tensor, face: Tensor, phi_f: Callable, phi_xf: Callable | None,
              c_out: int, *, lap: Tensor | None = None, eps: float = 1e-6,
              per_corner: bool = False) -> tuple[Tensor, Tensor | None]:
    """EMNN face messages. -> ``m_i [N, H]`` (aggregated over faces at i), ``dX [N, c_out, 3]``.

    ``phi_f = Linear(W1)-SiLU-Linear(W2)-SiLU`` on ``x_fk = (h_pk, mean(h other corners), a_f)``;
    ``Phi_f`` is one bias-free Linear ``W_x``; ``dX_pk += u_fk Phi_f(q_fk)`` with ``u_fk = n_f``
    (``lap=None``: SE(3) only) or ``u_fk = n_f (n_f . L_pk) / (|n_f| |L_pk|)`` (E(3): even in
    ``n_f``). Zero-area faces give ``n_f = 0``: no update, no NaN.

    ``per_corner=False`` (default): the last SiLU acts after the sum over faces,
    ``m_i = silu(W2 sum_{fk at i} s_fk + n_i b2)`` with ``s_fk = silu(W1 x_fk + b1)`` and
    ``n_i`` the corners at i, so ``W2`` and the SiLU run on ``N`` vertex rows, and
    ``q_fk = W2 s_fk + b2`` enters ``Phi_f`` as one ``H -> C_in C_out`` map per corner,
    ``(W_x W2) s_fk + W_x b2``. ``per_corner=True``: the paper's order, ``m_i = sum phi_f(x_fk)``,
    ``q_fk = phi_f(x_fk)``, every layer on the ``3F`` corner rows.
    ``W1`` is applied per vertex: with ``S_f`` the corner sum, ``mean(h others) = (S_f - h_pk) / 2``,
    so ``W1 x_fk + b1 = (W_s - W_o/2) h_pk + b1 + (W_o/2) S_f + W_a a_f``.
    """
    n, c, nf = X.shape[0], X.shape[1], face.shape[1]
    nrm = face_normals(X, face)                                  # [F, C, 3]
    nrm_len = torch.linalg.vector_norm(nrm, dim=-1)  # gradient 0 at a zero normal, no NaN
    idx = face.reshape(-1)
    first, second, f = phi_f[0], phi_f[2], h.shape[1]
    w = first.weight
    w_other = 0.5 * w[:, f:2 * f]
    own, other = F.linear(h, torch.cat([w[:, :f] - w_other, w_other])).split(w.shape[0], 1)
    per_face = other.index_select(0, idx).view(3, nf, -1).sum(0) \
        + F.linear(nrm_len, 0.5 * w[:, 2 * f:], first.bias)     # (W_o/2) S_f + W_a a_f + b1
    s = phi_f[1]((own.index_select(0, idx).view(3, nf, -1) + per_face).view(3 * nf, -1))
    if per_corner:
        q = phi_f[3](second(s))
        m_i = q.new_zeros(n, q.shape[-1]).index_add_(0, idx, q)
    else:
        count = X.new_zeros(n).index_add_(0, idx, X.new_ones(idx.shape[0]))
        m_i = phi_f[3](F.linear(s.new_zeros(n, s.shape[-1]).index_add_(0, idx, s), second.weight)
                       + count[:, None] * second.bias)
    if phi_xf is None:
        return m_i, None
    if per_corner:
        wx = phi_xf(q).view(3, nf, c, c_out)
    else:
        wxf = phi_xf[-1].weight                                     # [C_in C_out, H]
        wx = F.linear(s, wxf @ second.weight, wxf @ second.bias).view(3, nf, c, c_out)
    if lap is not None:  # s_fk = n_f . L_pk / (|n_f| |L_pk|), a pseudoscalar: s_fk n_f is a vector
        l_hat = (lap / safe_norm(lap, eps=eps)[..., None]).index_select(0, idx).view(3, nf, c, 3)
        n_hat = nrm / nrm_len.clamp_min(torch.finfo(X.dtype).tiny)[..., None]
        wx = wx * (n_hat * l_hat).sum(-1, keepdim=True)
    msg = _coord_messages(wx, nrm.expand(3, nf, c, 3)).reshape(3 * nf, c_out, 3)
    return m_i, X.new_zeros(n, c_out, 3).index_add_(0, idx, msg)


def umbrella_laplacian(X: Tensor, edge_index: Tensor) -> Tensor:
    """``L_i = mean_{j -> i} (X_j - X_i)`` over incoming edges: ``[N(, C), 3]`` (0 if isolated)."""
    src, dst = edge_index[0], edge_index[1]
    deg = X.new_zeros(X.shape[0]).index_add_(0, dst, X.new_ones(dst.shape[0])).clamp_min(1.0)
    out = X.new_zeros(X.shape).index_add_(0, dst, X.index_select(0, src) - X.index_select(0, dst))
    return out / deg.view(-1, *([1] * (X.dim() - 1)))
