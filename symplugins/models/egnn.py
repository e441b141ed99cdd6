"""EGNN baseline (Satorras, Hoogeboom, Welling, ICML 2021), our implementation of its equations.

Layer (edge ``j -> i``): ``m_ij = phi_e(h_i, h_j, |x_i - x_j|^2, a_ij)``,
``v_i <- phi_v(h_i) v_i + C sum_j (x_i - x_j) phi_x(m_ij)``, ``x_i <- x_i + v_i``,
``h_i <- h_i + phi_h(h_i, sum_j m_ij)`` with ``C = 1 / (#neighbours)`` (mean), as in the
paper's n-body model (velocity-aware variant, eq. 7).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["EGNN", "EGNNLayer"]


def _mlp(n_in: int, hidden: int, n_out: int, *, last_act: bool = False) -> nn.Sequential:
    layers = [nn.Linear(n_in, hidden), nn.SiLU(), nn.Linear(hidden, n_out)]
    return nn.Sequential(*layers, nn.SiLU()) if last_act else nn.Sequential(*layers)


class EGNNLayer(nn.Module):
    """One velocity-aware E(n)-equivariant layer. Shapes: ``h [N, H]``, ``x, v [N, 3]``."""

    def __init__(self, hidden: int, edge_in: int = 0):
        super().__init__()
        self.phi_e = _mlp(2 * hidden + 1 + edge_in, hidden, hidden, last_act=True)
        self.phi_x = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, 1, bias=False))
        nn.init.xavier_uniform_(self.phi_x[-1].weight, gain=0.001)
        self.phi_v = _mlp(hidden, hidden, 1)
        self.phi_h = _mlp(2 * hidden, hidden, hidden)

    def forward(self, h, x, v, edge_index, edge_attr=None):
        j, i = edge_index
        diff = x[i] - x[j]
        feats = [h[i], h[j], (diff ** 2).sum(-1, keepdim=True)] + ([edge_attr] if edge_attr is not None else [])
        m = self.phi_e(torch.cat(feats, -1))
        deg = torch.zeros_like(x[:, 0]).index_add(0, i, torch.ones_like(diff[:, 0])).clamp(min=1)
        shift = torch.zeros_like(x).index_add(0, i, diff * self.phi_x(m)) / deg[:, None]
        v = self.phi_v(h) * v + shift
        x = x + v
        agg = torch.zeros_like(h).index_add(0, i, m)
        return h + self.phi_h(torch.cat([h, agg], -1)), x, v


class EGNN(nn.Module):
    """EGNN for n-body: ``(h [N, node_in], x [N, 3], v [N, 3], edge_index, edge_attr) -> x' [N, 3]``."""

    def __init__(self, node_in: int, hidden: int = 64, *, layers: int = 4, edge_in: int = 0):
        super().__init__()
        self.embed = nn.Linear(node_in, hidden)
        self.layers = nn.ModuleList(EGNNLayer(hidden, edge_in) for _ in range(layers))

    def forward(self, h: Tensor, x: Tensor, v: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        h = self.embed(h)
        for layer in self.layers:
            h, x, v = layer(h, x, v, edge_index, edge_attr)
        return x

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return f"EGNN(layers={len(self.layers)}, hidden={self.embed.out_features} | {n} weights)"
