"""Invariant input features of EMNN: mean incident face area and heat-kernel signatures.

Features are computed on each mesh after per-mesh centring and RMS scaling, so they are
invariant to rotations, reflections, translations and scale. HKS: Sun, Ovsjanikov,
Guibas, "A Concise and Provably Informative Multi-Scale Signature Based on Heat
Diffusion", SGP 2009: ``HKS(x, t) = sum_k exp(-lambda_k t) phi_k(x)^2`` for the cotangent
Laplacian ``L phi = lambda M phi`` (lumped mass ``M``), via ``scipy.sparse.linalg.eigsh``.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from ...geometry.mesh import face_areas, vertex_face_areas
from ...utils import require
from .normalize import normalize_per_mesh


def mesh_features(pos: Tensor, face: Tensor, batch: Tensor | None = None, *,
                  hks: int = 0, eigenpairs: int = 32) -> Tensor:
    """``[N, 1 + hks]``: mean incident face area (normalised mesh) and ``hks`` HKS scales.

    ``pos [N, 3]``, ``face [3, F]``, ``batch [N]`` (sorted). The area is multiplied by
    ``N_b`` (the mesh's vertex count) so it is O(1) at any resolution.
    """
    batch = torch.zeros(pos.shape[0], dtype=torch.long, device=pos.device) if batch is None else batch
    n_meshes = int(batch.max()) + 1 if batch.numel() else 0
    pos_n = normalize_per_mesh(pos, batch, max(n_meshes, 1))[0]
    count = torch.bincount(batch, minlength=n_meshes).to(pos.dtype)
    feats = [vertex_face_areas(pos_n, face.T) * count[batch]]
    if hks:
        feats.append(heat_kernel_signature(pos_n, face, batch, times=hks, k=eigenpairs))
    return torch.cat([f.reshape(pos.shape[0], -1) for f in feats], dim=-1)


def cotangent_laplacian(pos: Tensor, face: Tensor):
    """Sparse cotangent stiffness ``L`` and lumped mass ``M`` (scipy CSR, float64)."""
    sp = require("scipy.sparse", purpose="heat-kernel signatures")
    p = pos.detach().double().cpu()
    f = face.T.cpu()
    rows, cols, vals = [], [], []
    for k in range(3):
        i, j, o = f[:, (k + 1) % 3], f[:, (k + 2) % 3], f[:, k]
        e1, e2 = p[i] - p[o], p[j] - p[o]
        cross = torch.linalg.cross(e1, e2, dim=-1).norm(dim=-1)
        cot = (e1 * e2).sum(-1) / cross.clamp_min(1e-12)
        rows += [i, j]
        cols += [j, i]
        vals += [0.5 * cot, 0.5 * cot]
    n = p.shape[0]
    W = sp.coo_matrix((torch.cat(vals).numpy(), (torch.cat(rows).numpy(), torch.cat(cols).numpy())),
                      shape=(n, n)).tocsr()
    L = sp.diags(W.sum(1).A1) - W
    area = face_areas(p, f).repeat_interleave(3)
    mass = torch.zeros(n, dtype=torch.float64).index_add_(0, f.reshape(-1), area / 3.0)
    return L, sp.diags(mass.clamp_min(1e-12).numpy())


def heat_kernel_signature(pos: Tensor, face: Tensor, batch: Tensor, *, times: int = 8,
                          k: int = 32) -> Tensor:
    """HKS at ``times`` log-spaced scales ``t in [4 ln10 / l_k, 4 ln10 / l_1]``: ``[N, times]``."""
    eigsh = require("scipy.sparse.linalg", purpose="heat-kernel signatures").eigsh
    out = pos.new_zeros(pos.shape[0], times)
    for b in range(int(batch.max()) + 1):
        idx = (batch == b).nonzero().squeeze(1)
        if idx.numel() < 4:
            continue
        remap = torch.full((pos.shape[0],), -1, dtype=torch.long, device=pos.device)
        remap[idx] = torch.arange(idx.numel(), device=pos.device)
        sub_face = remap[face[:, (batch[face[0]] == b)]]
        L, M = cotangent_laplacian(pos[idx], sub_face)
        kk = min(k, idx.numel() - 2)
        lam, phi = eigsh(L, k=kk, M=M, sigma=-1e-8, which="LM")
        lam, phi = torch.from_numpy(lam).clamp_min(0), torch.from_numpy(phi)
        lo, hi = 4 * math.log(10) / max(float(lam[-1]), 1e-8), 4 * math.log(10) / max(float(lam[1]), 1e-8)
        t = torch.logspace(math.log10(lo), math.log10(hi), times, dtype=torch.float64)
        hks = (phi.pow(2)[:, :, None] * torch.exp(-lam[None, :, None] * t[None, None, :])).sum(1)
        out[idx] = (hks / hks.sum(0, keepdim=True).clamp_min(1e-30) * idx.numel()).to(out)
    return out
