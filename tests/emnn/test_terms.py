"""The factorised message terms against slow per-edge / per-corner loops (the paper's formulas)."""
from __future__ import annotations

import pytest
import torch

from meshes import random_mesh_batch
from symplugins.nn.mesh import EMNNConv, edge_term, face_term


def _conv(c_in: int, c_out: int, paper_face_mlp: bool = False) -> EMNNConv:
    torch.manual_seed(0)
    conv = EMNNConv(3, 4, vector_channels=(c_in, c_out), paper_face_mlp=paper_face_mlp).double()
    for head in (conv.phi_x, conv.phi_xf):
        torch.nn.init.normal_(head[-1].weight, std=0.5)
    return conv


def _small_mesh(c: int):
    _, pos, ei, face, _ = random_mesh_batch((4, 5), dtype=torch.float64)
    gen = torch.Generator().manual_seed(2)
    X = torch.cat([pos[:, None], torch.randn(pos.shape[0], c - 1, 3, generator=gen,
                                             dtype=torch.float64)], 1)
    return torch.randn(pos.shape[0], 3, generator=gen, dtype=torch.float64), X, ei, face


def _reference_edge_term(h, X, ei, phi_e, phi_x, c_out):
    """``m_ij = phi_e([h_i, h_j, |X_i - X_j|^2, 1/deg_i])`` edge by edge, no factorisation."""
    n, c = X.shape[:2]
    deg = torch.bincount(ei[1], minlength=n).to(X.dtype)
    m_i = torch.zeros(n, phi_e[-2].out_features, dtype=X.dtype)
    dX, lap = torch.zeros(n, c_out, 3, dtype=X.dtype), torch.zeros_like(X)
    for j, i in ei.T.tolist():
        d = X[i] - X[j]
        m = phi_e(torch.cat([h[i], h[j], d.pow(2).sum(-1), (1 / deg[i]).view(1)]))
        m_i[i] += m
        dX[i] += phi_x(m).view(c, c_out).T @ d / deg[i]
        lap[i] -= d / deg[i]
    return m_i, dX, lap


def _reference_face_term_e3(h, X, face, phi_f, phi_xf, c_out, lap, eps, per_corner):
    """E(3) face term corner by corner: ``u = n (n . L_p) / (|n| sqrt(|L_p|^2 + eps^2))``.

    ``per_corner``: ``m_i = sum phi_f(x_fk)``; else ``m_i = silu(sum phi_f[:3](x_fk))`` (the
    last SiLU after the sum) and ``Phi_f`` gets the pre-activation ``phi_f[:3](x_fk)``."""
    n_v, c = X.shape[:2]
    m_out = torch.zeros(n_v, phi_f[2].out_features, dtype=X.dtype)
    dX = torch.zeros(n_v, c_out, 3, dtype=X.dtype)
    for p in face.T.tolist():
        nrm = torch.linalg.cross(X[p[0]] - X[p[1]], X[p[0]] - X[p[2]], dim=-1)   # [C, 3]
        area = 0.5 * nrm.norm(dim=-1)
        for k in range(3):
            x = torch.cat([h[p[k]], (h[p[(k + 1) % 3]] + h[p[(k + 2) % 3]]) / 2, area])
            m = phi_f(x) if per_corner else phi_f[:3](x)
            L = lap[p[k]]
            s = (nrm * L).sum(-1) / (nrm.norm(dim=-1) * (L.pow(2).sum(-1) + eps ** 2).sqrt())
            m_out[p[k]] += m
            dX[p[k]] += phi_xf(m).view(c, c_out).T @ (s[:, None] * nrm)
    return (m_out if per_corner else torch.nn.functional.silu(m_out)), dX


def test_edge_term_matches_per_edge_loop():
    conv = _conv(2, 3)
    h, X, ei, _ = _small_mesh(2)
    out = edge_term(h, X, ei, conv.phi_e, conv.phi_x, 3)
    for got, ref in zip(out, _reference_edge_term(h, X, ei, conv.phi_e, conv.phi_x, 3)):
        torch.testing.assert_close(got, ref)
    assert edge_term(h, X, ei, conv.phi_e, conv.phi_x, 3, laplacian=False)[2] is None


@pytest.mark.parametrize("paper_face_mlp", [False, True])
def test_e3_face_term_matches_per_corner_loop(paper_face_mlp):
    """Both orders: last SiLU after the vertex sum (default) and the paper's, all per corner."""
    conv = _conv(2, 2, paper_face_mlp)
    h, X, ei, face = _small_mesh(2)
    lap = edge_term(h, X, ei, conv.phi_e, conv.phi_x, 2)[2]
    m, dX = face_term(h, X, face, conv.phi_f, conv.phi_xf, 2, lap=lap, eps=conv.eps,
                      per_corner=paper_face_mlp)
    m_ref, dX_ref = _reference_face_term_e3(h, X, face, conv.phi_f, conv.phi_xf, 2, lap, conv.eps,
                                            paper_face_mlp)
    torch.testing.assert_close(m, m_ref)
    torch.testing.assert_close(dX, dX_ref)
    assert dX.abs().max() > 1e-3  # the coordinate messages are not trivially zero
