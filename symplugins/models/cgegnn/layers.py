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
from ...nn.clifford.linear import mv_linear

__all__ = ["CliffordMLP", "CliffordGraphConv"]


class CliffordMLP(nn.Sequential):
    """``products`` blocks ``MVLinear -> MVSiLU -> SteerableGeometricProduct -> MVLayerNorm``, then ``MVLinear``.

    CGENN's CEMLP (n-body model: two blocks, no final linear map). Shapes:
    ``[..., in_channels, dim] -> [..., out_channels, dim]``; ``blade_major=True``:
    ``[dim, ..., in_channels] -> [dim, ..., out_channels]``.
    """

    def __init__(self, algebra: CliffordAlgebra, in_channels: int, hidden: int, out_channels: int, *,
                 products: int = 1):
        if not isinstance(products, int) or products < 1:
            raise ValueError(f"'products' must be an integer >= 1, got {products!r}")
        blocks = []
        for k in range(products):
            blocks += [MVLinear(algebra, in_channels if k == 0 else hidden, hidden), MVSiLU(algebra, hidden),
                       SteerableGeometricProduct(algebra, hidden), MVLayerNorm(algebra, hidden)]
        super().__init__(*blocks, MVLinear(algebra, hidden, out_channels))

    def forward(self, x: Tensor, *, blade_major: bool = False) -> Tensor:
        for layer in self:
            x = layer(x, blade_major=blade_major)
        return x


class _Layout:
    """Where the node / edge axis and the channel axis of multivector features lie.

    Blade-last ``[rows, C, dim]`` is CGENN's layout (kept as the reference formulation);
    blade-major ``[dim, rows, C]`` is the fast one: linear maps become one batched matmul
    over the blades and every blade is a contiguous slab for the fused product.
    """

    def __init__(self, blade_major: bool):
        self.blade_major = blade_major
        self.rows, self.channels = (1, 2) if blade_major else (0, 1)

    def gather(self, x: Tensor, index: Tensor) -> Tensor:
        return x.index_select(self.rows, index)

    def aggregate(self, values: Tensor, index: Tensor, num_nodes: int) -> Tensor:
        """Sum rows of ``values`` onto ``index [E]`` -> ``num_nodes`` rows."""
        shape = list(values.shape)
        shape[self.rows] = num_nodes
        return values.new_zeros(shape).index_add(self.rows, index, values)

    def cat(self, parts: list[Tensor]) -> Tensor:
        return torch.cat(parts, dim=self.channels)

    def per_row(self, w: Tensor) -> Tensor:
        """``[E]`` -> broadcastable against edge features."""
        return w[None, :, None] if self.blade_major else w[:, None, None]


BLADE_MAJOR, BLADE_LAST = _Layout(True), _Layout(False)


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

    ``phi_m`` and ``phi_h`` are :class:`CliffordMLP` s with ``mlp_products`` geometric-product
    blocks each.

    Shapes: ``h [N, C, dim]``, ``x_edge [E, 1, dim]``, ``edge_scalars [E, A, dim]``, or all
    blade-major (``[dim, N, C]`` ...) with ``blade_major=True``. ``weight=None``: unit edge
    weights (no multiply).
    """

    def __init__(self, algebra: CliffordAlgebra, channels: int, *, hops: int = 1, edge_channels: int = 0,
                 mlp_products: int = 1):
        super().__init__()
        self.algebra, self.channels, self.hops = algebra, channels, hops
        self.message = CliffordMLP(algebra, 2 * channels + 1 + edge_channels, channels, channels,
                                   products=mlp_products)
        self.update = CliffordMLP(algebra, (1 + hops) * channels, channels, channels, products=mlp_products)
        self.start = MVLinear(algebra, channels, channels, bias=False) if hops > 1 else None
        self.hop_linear = nn.ModuleList(MVLinear(algebra, channels, channels, bias=False) for _ in range(hops - 1))
        self.hop_node = nn.ModuleList(MVLinear(algebra, channels, channels) for _ in range(hops - 1))
        self.hop_weight = nn.ParameterList(nn.Parameter(torch.empty(channels, algebra.n_paths)) for _ in range(hops - 1))
        self.hop_norm = nn.ModuleList(MVNormalize(algebra, channels) for _ in range(hops - 1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for w in self.hop_weight:
            nn.init.normal_(w, std=0.5)

    def forward(self, h: Tensor, x_edge: Tensor, edge_scalars: Tensor | None, weight: Tensor | None,
                src: Tensor, dst: Tensor, rev: Tensor, has_rev: Tensor, *, blade_major: bool = False) -> Tensor:
        lay = BLADE_MAJOR if blade_major else BLADE_LAST
        n = h.shape[lay.rows]
        m = self._message(h, x_edge, edge_scalars, src, dst, lay)
        if weight is not None:
            m = m * lay.per_row(weight)
        out = [h, lay.aggregate(m, dst, n)]
        if self.hops > 1:
            paths = self._paths(h, x_edge, weight, src, dst, rev, has_rev, lay)
            out += [norm(a, blade_major=blade_major) for norm, a in zip(self.hop_norm, paths)]
        return h + self.update(lay.cat(out), blade_major=blade_major)

    def _message(self, h: Tensor, x_edge: Tensor, edge_scalars: Tensor | None, src: Tensor, dst: Tensor,
                 lay: _Layout) -> Tensor:
        """``phi_m([h_i, h_j, x_e, a_e])`` per edge, with the first linear map split by input block.

        Linear in its input, the first map is ``W_i h_i + W_j h_j + W_e [x_e, a_e] + b``: the
        node blocks run once per node and are gathered onto the edges (4x fewer rows on a
        5-body complete graph, and no ``[E, 2C + 1 + A]`` concatenation). Same function, same
        parameters as applying ``self.message`` to the concatenation.
        """
        first, bm, c = self.message[0], lay.blade_major, self.channels
        grades, w = self.algebra.grades, first.weight  # [C_out, 2C + 1 + A, G]
        node = mv_linear(h, torch.cat([w[:, :c], w[:, c:2 * c]]), None, grades, blade_major=bm)  # [.., N, 2 C_out]
        to_dst, to_src = node.split(first.out_channels, dim=lay.channels)
        edge_in = x_edge if edge_scalars is None else lay.cat([x_edge, edge_scalars])
        m = lay.gather(to_dst, dst) + lay.gather(to_src, src) + mv_linear(edge_in, w[:, 2 * c:], first.bias, grades,
                                                                          blade_major=bm)
        for layer in list(self.message)[1:]:
            m = layer(m, blade_major=bm)
        return m

    def _paths(self, h, x_edge, weight, src, dst, rev, has_rev, lay: _Layout) -> list[Tensor]:
        """Path sums ``A(t)`` (``[N, C, dim]`` or blade-major) for ``t = 2..hops`` (before normalization)."""
        bm, n = lay.blade_major, h.shape[lay.rows]
        alg = self.algebra
        w = None if weight is None else lay.per_row(weight)
        scale = (lambda t: t) if w is None else (lambda t: w * t)
        b = scale(alg.geometric_product(x_edge, lay.gather(self.start(h, blade_major=bm), src), blade_major=bm))  # B1
        a = lay.aggregate(b, dst, n)
        out = []
        keep = lay.per_row(has_rev.to(h.dtype))
        for t in range(self.hops - 1):
            z = lay.gather(a, src) - lay.gather(b, rev) * keep
            node = lay.gather(self.hop_node[t](h, blade_major=bm), src)
            inner = alg.weighted_product(self.hop_linear[t](z, blade_major=bm), node, self.hop_weight[t], blade_major=bm)
            b = scale(alg.geometric_product(x_edge, inner, blade_major=bm))
            a = lay.aggregate(b, dst, n)
            out.append(a)
        return out
