"""Baselines for the EMNN benchmark: EGNN on mesh edges, and a non-equivariant mesh GCN.

EGNN: Satorras, Hoogeboom, Welling, "E(n) Equivariant Graph Neural Networks", ICML 2021
(the EMNN stack with the face term switched off, so timings compare like with like).
MeshGCN: mean-aggregation message passing on ``[x, xyz]`` features (Kipf & Welling style),
neither rotation-invariant nor -equivariant; train it with rotation augmentation.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...nn.mesh import check_mesh_inputs, normalize_per_mesh
from ...nn.pool import scatter_max, scatter_mean
from .model import EMNN, TASKS, mesh_batch


def EGNNMesh(in_channels: int, hidden: int, out_channels: int, layers: int = 4, **kwargs) -> EMNN:
    """EGNN over the mesh edges (faces ignored): ``EMNN(..., use_faces=False)``."""
    return EMNN(in_channels, hidden, out_channels, layers, use_faces=False, **kwargs)


class MeshGCN(nn.Module):
    """Non-equivariant baseline: ``h_i' = h_i + MLP(h_i, mean_{j->i} h_j)`` on ``[x, xyz]``.

    xyz are centred and scaled per mesh (translation/scale invariant, not rotation
    invariant). ``forward(x, pos, edge_index, face=None, batch=None) -> (h, pos)``: ``h``
    is ``[N, out]`` (``task="node"``) or ``[B, out]`` (``task="graph"``); pos is returned as is.
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, layers: int = 4, *,
                 task: str = "node"):
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"'task' must be one of {TASKS}, got {task!r}")
        self.in_channels, self.hidden, self.out_channels, self.task = in_channels, hidden, out_channels, task
        self.embed = nn.Linear(in_channels + 3, hidden)
        self.layers = nn.ModuleList(
            nn.Sequential(nn.Linear(2 * hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
            for _ in range(layers))
        width = 2 * hidden if task == "graph" else hidden
        self.head = nn.Sequential(nn.Linear(width, hidden), nn.SiLU(), nn.Linear(hidden, out_channels))

    def reset_parameters(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()

    def forward(self, x: Tensor, pos: Tensor, edge_index: Tensor, face: Tensor | None = None,
                batch: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Mean-aggregation updates on ``[x, xyz]``; returns ``(h, pos)``."""
        check_mesh_inputs(x, pos.unsqueeze(1), edge_index, None, channels=(self.in_channels, 1))
        batch, n_meshes = mesh_batch(batch, pos.shape[0], pos.device)
        pos_n = normalize_per_mesh(pos, batch, n_meshes)[0]
        h = self.embed(torch.cat([x, pos_n], dim=-1))
        src, dst = edge_index
        for layer in self.layers:
            agg = scatter_mean(h[src], dst, h.shape[0])
            h = h + layer(torch.cat([h, agg], dim=-1))
        if self.task == "graph":
            h = torch.cat([scatter_mean(h, batch, n_meshes), scatter_max(h, batch, n_meshes)], -1)
        return self.head(h), pos

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"MeshGCN({self.in_channels}+xyz -> {self.hidden} x{len(self.layers)} -> "
                f"{self.out_channels}, task={self.task} | {n:,} params)")
