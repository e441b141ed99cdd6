"""Hierarchy for EMNN: FPS + radius max-pooling down, 3-NN interpolation + skips up.

Trang et al., "E(3)-Equivariant Mesh Neural Networks", AISTATS 2024, Sec. "long-range
interactions"; pooling/unpooling as in Qi et al., "PointNet++", NeurIPS 2017. Works on
invariant features only, on the per-mesh normalised input coordinates, so it keeps
E(3)-invariance; neighbourhoods use distances only (no relative vectors).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from ...graph import fps, interpolate_pairs, knn
from ...graph import radius as radius_search
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


class HierarchyPlan(NamedTuple):
    """Index structure of a :class:`MeshHierarchy`, one entry per stage ``s`` (level s -> s+1).

    ``pool[s] [M_s]``: indices into level ``s`` of the points kept at level ``s + 1``;
    ``down[s] [2, E_s]``: radius pairs (row 0 = level ``s + 1`` centre, row 1 = level ``s``
    point); ``up[s] [2, k N_s]``: k-NN pairs (row 0 = level ``s`` point, row 1 = level
    ``s + 1`` point). Integers only: it depends on the positions through FPS and the
    neighbour searches, which are invariant to rotations, reflections and translations of
    the (per-mesh normalised) input, so it can be computed once per mesh (e.g. by the PyG
    transform :class:`symplugins.adapters.pyg.MeshHierarchyPlan`) and reused every epoch.
    Distances and weights are recomputed from the positions in every forward.

    The same plan comes out as in the forward for the same positions, dtype and search
    backend. It goes stale, without an error, under transforms that are not similarities
    (jitter, anisotropic scaling) applied after it was built; near-ties in distance may
    pick other indices in float32 than in float64; and with pyg-lib installed, a neighbour
    cap that binds may keep other neighbours on CPU than on GPU. Only the vertex count and
    device of a plan are checked, so a plan of other meshes with the same total vertex count
    (e.g. template meshes) is not detected.
    """

    pool: tuple[Tensor, ...]
    down: tuple[Tensor, ...]
    up: tuple[Tensor, ...]
    #: ``(ratio, radius, k, max_num_neighbors)`` the plan was built with (checked on use)
    settings: tuple[float, float, int, int | None] | None = None


def hierarchy_plan(pos: Tensor, batch: Tensor, *, stages: int = 3, ratio: float = 0.25,
                   radius: float = 0.2, k: int = 3, max_num_neighbors: int | None = 64) -> HierarchyPlan:
    """Canonical FPS, radius and k-NN indices of every stage (see :class:`HierarchyPlan`).

    ``pos [N, 3]`` normalised positions, ``batch [N]`` sorted mesh ids. No gradients.
    """
    pool, down, up = [], [], []
    with torch.no_grad():
        p_f, b_f = pos, batch
        for s in range(stages):
            idx = canonical_fps(p_f, b_f, ratio)
            p_c, b_c = p_f[idx], b_f[idx]
            pool.append(idx)
            down.append(radius_search(p_f, p_c, radius * 2 ** s, b_f, b_c, max_num_neighbors=max_num_neighbors))
            up.append(knn(p_c, p_f, k, b_c, b_f))
            p_f, b_f = p_c, b_c
    return HierarchyPlan(tuple(pool), tuple(down), tuple(up), (ratio, radius, k, max_num_neighbors))


def _same_settings(a, b) -> bool:
    """Equal hierarchy settings; floats compared to 1e-6 (they may round-trip through float32)."""
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and math.isclose(x, y, rel_tol=1e-6))
        for x, y in zip(a, b))


class MeshHierarchy(nn.Module):
    """U-Net over invariant features: ``stages`` x (FPS ratio, radius max-pool), then back.

    Down stage s: ``h_c = max_{j: |p_j - p_c| < r_s} w(d_jc) MLP(h_j, d_jc^2 / r_s^2)`` with
    ``r_s = radius * 2^s``, a non-negative (softplus) MLP and the cosine cutoff
    ``w(d) = (cos(pi d / r_s) + 1) / 2``, so a vertex crossing the radius changes nothing
    (pooling is continuous in the positions; only the FPS choice is not). Up stage:
    ``h = h_skip + MLP(knn_interpolate(h_c, k), h_skip)``.
    Shapes: ``h [N, C]``, ``pos [N, 3]`` (normalised), ``batch [N]`` -> ``[N, C]``.

    The FPS / radius / k-NN indices (:class:`HierarchyPlan`; ~5 ms for an 80-vertex mesh,
    ~9 ms for a batch of 16, one CPU thread) are built in the forward unless a precomputed
    ``plan`` is passed; they do not depend on the features, so training loops should build
    them once per mesh (:class:`symplugins.adapters.pyg.MeshHierarchyPlan`).
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

    def plan(self, pos: Tensor, batch: Tensor) -> HierarchyPlan:
        """This hierarchy's :class:`HierarchyPlan` for normalised ``pos [N, 3]``, ``batch [N]``."""
        return hierarchy_plan(pos, batch, stages=self.stages, ratio=self.ratio, radius=self.radius,
                              k=self.k, max_num_neighbors=self.max_num_neighbors)

    def forward(self, h: Tensor, pos: Tensor, batch: Tensor, plan: HierarchyPlan | None = None) -> Tensor:
        """Pool ``stages`` times, unpool back with skip connections; returns ``[N, C]``.

        ``plan``: a precomputed :class:`HierarchyPlan` of ``(pos, batch)`` (computed here
        when None; same output either way).
        """
        plan = self.plan(pos, batch) if plan is None else self._checked(plan, pos)
        levels = [(h, pos)]
        for s in range(self.stages):
            (h_f, p_f), p_c = levels[-1], levels[-1][1][plan.pool[s]]
            row, col = plan.down[s]
            d2 = (p_f[col] - p_c[row]).pow(2).sum(-1, keepdim=True) / (self.radius * 2 ** s) ** 2
            cut = 0.5 * (torch.cos(torch.pi * d2.clamp_max(1.0).sqrt()) + 1.0)
            msg = cut * self.down[s](torch.cat([h_f[col], d2], dim=-1))
            levels.append((scatter_max(msg, row, p_c.shape[0]), p_c))
        h_c = levels[-1][0]
        for s in reversed(range(self.stages)):
            (h_f, p_f), p_c = levels[s], levels[s + 1][1]
            up = interpolate_pairs(h_c, p_c, p_f, plan.up[s][0], plan.up[s][1])
            h_c = h_f + self.up[s](torch.cat([up, h_f], dim=-1))
        return h_c

    def _checked(self, plan: HierarchyPlan, pos: Tensor) -> HierarchyPlan:
        """A precomputed plan must match this hierarchy's settings, the vertices and their device."""
        mine = (self.ratio, self.radius, self.k, self.max_num_neighbors)
        if len(plan.pool) != self.stages or (plan.settings is not None and not _same_settings(plan.settings, mine)):
            raise ValueError(
                f"'hierarchy_plan' was built with {len(plan.pool)} stages and (ratio, radius, k, "
                f"max_num_neighbors) = {plan.settings}, but this hierarchy has {self.stages} stages "
                f"and {mine}; build it with model.hierarchy.plan(...) or the same settings")
        first = plan.up[0][0]
        if first.device != pos.device:
            raise ValueError(f"'hierarchy_plan' is on {first.device} but the vertices are on {pos.device}; "
                             "move the batch (batch.to(device)) with its plan")
        if first.numel() and (int(first.max()) != pos.shape[0] - 1 or int(plan.pool[0].max()) >= pos.shape[0]):
            raise ValueError(f"'hierarchy_plan' was built for {int(first.max()) + 1} vertices but the input "
                             f"has {pos.shape[0]}; build the plan from the same meshes, batched the same way")
        return plan

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"MeshHierarchy({self.channels} ch, {self.stages} stages, ratio={self.ratio}, "
                f"radius={self.radius}, k={self.k} | {n:,} params)")
