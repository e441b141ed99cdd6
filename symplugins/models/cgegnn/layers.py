"""Building blocks of CG-EGNN: a Clifford MLP and one k-hop Clifford graph convolution.

Follows CGENN's Clifford EGNN layer (Ruhe et al. 2023, n-body model) for the 1-hop
message and node update; the k-hop path messages are our construction (see
:class:`CliffordGraphConv`), since Tran et al. (arXiv 2410.04692) publish no code.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...clifford import CliffordAlgebra
from ...nn.clifford import MVLayerNorm, MVLinear, MVNormalize, MVSiLU, SteerableGeometricProduct

__all__ = ["CliffordMLP", "CliffordGraphConv"]


class CliffordMLP(nn.Sequential):
    """``MVLinear -> MVSiLU -> SteerableGeometricProduct -> MVLayerNorm -> MVLinear``.

    Shapes: ``[..., in_channels, dim] -> [..., out_channels, dim]`` (CGENN's CEMLP).
    """

    def __init__(self, algebra: CliffordAlgebra, in_channels: int, hidden: int, out_channels: int):
        super().__init__(
            MVLinear(algebra, in_channels, hidden), MVSiLU(algebra, hidden),
            SteerableGeometricProduct(algebra, hidden), MVLayerNorm(algebra, hidden),
            MVLinear(algebra, hidden, out_channels),
        )


def _aggregate(values: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    """Sum rows of ``values [E, ...]`` onto ``index [E]`` -> ``[num_nodes, ...]``."""
    return values.new_zeros(num_nodes, *values.shape[1:]).index_add(0, index, values)


class CliffordGraphConv(nn.Module):
    """One CG-EGNN layer: nonlinear 1-hop messages plus k-hop geometric path messages.

    Update (edge ``e = j -> i``, ``x_e`` = grade-1 embedding of ``pos_i - pos_j``,
    ``w_e`` = edge weight):

    - 1-hop (CGENN): ``m_e = phi_m([h_i, h_j, x_e, a_e])``, ``M1_i = sum_e w_e m_e``.
    - hop t >= 2 (ours): per-edge non-backtracking recursion
      ``B1_e = w_e x_e f(h_j)``,
      ``B(t)_e = w_e x_e g_t(A(t-1)_j - B(t-1)_{rev(e)}, h_j)`` with
      ``A(t)_i = sum_{e -> i} B(t)_e`` and ``g_t(z, h) = GP_w(L_t z, U_t h)``
      (linear in ``z``, so subtracting the reverse edge removes exactly the
      backtracking paths). ``A(t)_i`` equals the sum over non-backtracking paths
      ``i <- j1 <- ... <- jt`` of the products ``x_{i j1} x_{j1 j2} ...`` of successive
      relative positions interleaved with node features, weighted by the product of
      the path's edge weights; cost O(E) per hop.
    - node: ``h_i <- h_i + phi_h([h_i, M1_i, N(A(2)_i), ..., N(A(k)_i)])``.

    Shapes: ``h [N, C, dim]``, ``x_edge [E, 1, dim]``, ``edge_scalars [E, A, dim]``.
    """

    def __init__(self, algebra: CliffordAlgebra, channels: int, *, hops: int = 1, edge_channels: int = 0):
        super().__init__()
        self.algebra, self.channels, self.hops = algebra, channels, hops
        self.message = CliffordMLP(algebra, 2 * channels + 1 + edge_channels, channels, channels)
        self.update = CliffordMLP(algebra, (1 + hops) * channels, channels, channels)
        self.start = MVLinear(algebra, channels, channels, bias=False) if hops > 1 else None
        self.hop_linear = nn.ModuleList(MVLinear(algebra, channels, channels, bias=False) for _ in range(hops - 1))
        self.hop_node = nn.ModuleList(MVLinear(algebra, channels, channels) for _ in range(hops - 1))
        self.hop_weight = nn.ParameterList(nn.Parameter(torch.empty(channels, algebra.n_paths)) for _ in range(hops - 1))
        self.hop_norm = nn.ModuleList(MVNormalize(algebra, channels) for _ in range(hops - 1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for w in self.hop_weight:
            nn.init.normal_(w, std=0.5)

    def forward(self, h: Tensor, x_edge: Tensor, edge_scalars: Tensor | None, weight: Tensor,
                src: Tensor, dst: Tensor, rev: Tensor, has_rev: Tensor) -> Tensor:
        n = h.shape[0]
        parts = [h.index_select(0, dst), h.index_select(0, src), x_edge] + ([edge_scalars] if edge_scalars is not None else [])
        m = self.message(torch.cat(parts, dim=1)) * weight[:, None, None]
        out = [h, _aggregate(m, dst, n)]
        if self.hops > 1:
            paths = self._paths(h, x_edge, weight, src, dst, rev, has_rev)
            out += [norm(a) for norm, a in zip(self.hop_norm, paths)]
        return h + self.update(torch.cat(out, dim=1))

    def _paths(self, h, x_edge, weight, src, dst, rev, has_rev) -> list[Tensor]:
        """Path sums ``A(t) [N, C, dim]`` for ``t = 2..hops`` (before normalization)."""
        gp, n, w = self.algebra.geometric_product, h.shape[0], weight[:, None, None]
        b = w * gp(x_edge, self.start(h).index_select(0, src))  # B1 [E, C, dim]
        a = _aggregate(b, dst, n)
        out = []
        keep = has_rev.to(h.dtype)[:, None, None]
        for t in range(self.hops - 1):
            z = a.index_select(0, src) - b.index_select(0, rev) * keep
            node = self.hop_node[t](h).index_select(0, src)
            inner = self.algebra.weighted_product(self.hop_linear[t](z), node, self.hop_weight[t])
            b = w * gp(x_edge, inner)
            a = _aggregate(b, dst, n)
            out.append(a)
        return out
