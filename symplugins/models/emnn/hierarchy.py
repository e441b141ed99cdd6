"""Hierarchy for EMNN: FPS + radius max-pooling down, 3-NN interpolation + skips up.

Trang et al., "E(3)-Equivariant Mesh Neural Networks", AISTATS 2024, Sec. "long-range
interactions"; pooling/unpooling as in Qi et al., "PointNet++", NeurIPS 2017. Works on
invariant features only, on the per-mesh normalised input coordinates, so it keeps
E(3)-invariance; neighbourhoods use distances only (no relative vectors).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...graph import fps, knn_interpolate, radius
from ...nn.pool import scatter_max


def canonical_fps(pos: Tensor, batch: Tensor, ratio: float) -> Tensor:
    """FPS started, per mesh, at the vertex farthest from the mesh centroid.

    PyG's ``fps(random_start=False)`` starts at each graph's first row, which depends on
    the vertex order; starting from a geometric choice makes the sample permutation- and
    E(3)-equivariant (up to exact ties in distance). -> global indices ``[M]``.
    """
    n_graphs = int(batch.max()) + 1
    cen = pos.new_zeros(n_graphs, 3).index_add_(0, batch, pos)
    cen = cen / torch.bincount(batch, minlength=n_graphs).clamp_min(1)[:, None].to(pos.dtype)
    far = (pos - cen[batch]).pow(2).sum(-1)
    order = torch.argsort(far, descending=True, stable=True)
    order = order[torch.argsort(batch[order], stable=True)]
    return order[fps(pos[order], batch[order], ratio=ratio, random_start=False)]


class MeshHierarchy(nn.Module):
    """U-Net over invariant features: ``stages`` x (FPS ratio, radius max-pool), then back.

    Down stage s: ``h_c = max_{j: |p_j - p_c| < r_s} w(d_jc) MLP(h_j, d_jc^2 / r_s^2)`` with
    ``r_s = radius * 2^s``, a non-negative (softplus) MLP and the cosine cutoff
    ``w(d) = (cos(pi d / r_s) + 1) / 2``, so a vertex crossing the radius changes nothing
    (pooling is continuous in the positions; only the FPS choice is not). Up stage:
    ``h = h_skip + MLP(knn_interpolate(h_c, k), h_skip)``.
    Shapes: ``h [N, C]``, ``pos [N, 3]`` (normalised), ``batch [N]`` -> ``[N, C]``.
    """

    def __init__(self, channels: int, *, stages: int = 3, ratio: float = 0.25,
                 radius: float = 0.2, k: int = 3, max_num_neighbors: int = 64):
        super().__init__()
        if stages < 1:
            raise ValueError(f"'stages' must be >= 1, got {stages}")
        self.channels, self.stages, self.ratio, self.radius, self.k = channels, stages, ratio, radius, k
        self.max_num_neighbors = max_num_neighbors
        c = channels
        self.down = nn.ModuleList(nn.Sequential(nn.Linear(c + 1, c), nn.SiLU(), nn.Linear(c, c),
                                                nn.Softplus()) for _ in range(stages))
        self.up = nn.ModuleList(nn.Sequential(nn.Linear(2 * c, c), nn.SiLU(), nn.Linear(c, c))
                                for _ in range(stages))

    def reset_parameters(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()

    def forward(self, h: Tensor, pos: Tensor, batch: Tensor) -> Tensor:
        """Pool ``stages`` times, unpool back with skip connections; returns ``[N, C]``."""
        levels = [(h, pos, batch)]
        for s in range(self.stages):
            h_f, p_f, b_f = levels[-1]
            idx = canonical_fps(p_f, b_f, self.ratio)
            p_c, b_c = p_f[idx], b_f[idx]
            r = self.radius * 2 ** s
            row, col = radius(p_f, p_c, r, b_f, b_c, max_num_neighbors=self.max_num_neighbors)
            d2 = (p_f[col] - p_c[row]).pow(2).sum(-1, keepdim=True) / r ** 2
            cut = 0.5 * (torch.cos(torch.pi * d2.clamp_max(1.0).sqrt()) + 1.0)
            msg = cut * self.down[s](torch.cat([h_f[col], d2], dim=-1))
            levels.append((scatter_max(msg, row, p_c.shape[0]), p_c, b_c))
        h_c = levels[-1][0]
        for s in reversed(range(self.stages)):
            (h_f, p_f, b_f), (_, p_c, b_c) = levels[s], levels[s + 1]
            up = knn_interpolate(h_c, p_c, p_f, b_c, b_f, k=self.k)
            h_c = h_f + self.up[s](torch.cat([up, h_f], dim=-1))
        return h_c

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"MeshHierarchy({self.channels} ch, {self.stages} stages, ratio={self.ratio}, "
                f"radius={self.radius}, k={self.k} | {n:,} params)")
