"""CG-EGNN: Clifford group equivariant graph network with k-hop message passing.

Paper: Tran, Vo, Tran Huu, Nguyen, "A Clifford Algebraic Approach to E(n)-Equivariant
High-order Graph Neural Networks", arXiv 2410.04692 (2024); layers after CGENN (Ruhe,
Brandstetter, Forre, NeurIPS 2023).

What follows the papers: multivector features in Cl(3,0); the embedding
``h_i = phi_embed(x_i, v_i, a_i)`` of (graph-centred) position, vectors and scalars;
CGENN's Clifford EGNN layer (MVLinear, steerable geometric products, MVSiLU,
MVLayerNorm) for 1-hop messages and node updates; k-hop message passing over paths whose
features are geometric products of successive relative positions.
What is our construction (the seed paper publishes no code): the exact factorised
non-backtracking path sum (:class:`~symplugins.models.cgegnn.layers.CliffordGraphConv`),
path weights = product of edge weights, and the read-out of scalars (grade 0) and
vectors (grade 1) from separate output channels.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...clifford import CliffordAlgebra
from ...nn.clifford import MVLinear, MVSiLU
from ...utils.tracing import is_tracing
from .inputs import validate_inputs
from .layers import CliffordGraphConv
from .paths import reverse_edges

__all__ = ["CGEGNN"]


def graph_centroid(pos: Tensor, batch: Tensor | None) -> Tensor:
    """Per-node centroid of its graph ``[N, 3]`` (static shapes: export-friendly)."""
    if batch is None:
        return pos.mean(0, keepdim=True).expand_as(pos)
    n = pos.shape[0]
    sums = pos.new_zeros(n, 3).index_add(0, batch, pos)
    counts = pos.new_zeros(n).index_add(0, batch, torch.ones_like(pos[:, 0]))
    return sums[batch] / counts[batch].unsqueeze(-1)


def _check_edge_reverse(edge_reverse: Tensor | None, num_edges: int) -> None:
    """``edge_reverse`` must be a long ``[E]`` tensor of edge ids or ``-1``."""
    if edge_reverse is None:
        return
    if edge_reverse.dtype != torch.long or edge_reverse.shape != (num_edges,):
        raise ValueError(f"'edge_reverse' must be a long tensor of shape [{num_edges}] (one reverse edge "
                         f"id per edge, -1 for none), got {edge_reverse.dtype} {list(edge_reverse.shape)}; "
                         f"build it with symplugins.cgegnn.edge_reverse(edge_index, num_nodes, cell_shift)")
    if num_edges and (edge_reverse.min() < -1 or edge_reverse.max() >= num_edges):
        raise ValueError(f"'edge_reverse' holds ids outside [-1, {num_edges - 1}]")


class CGEGNN(nn.Module):
    """E(3)-equivariant Clifford graph network: ``(scalars, vectors) -> (scalars, vectors)``.

    Args (representations first): ``scalar_in``/``vector_in`` input channels,
    ``hidden`` multivector channels, ``scalar_out``/``vector_out`` output channels.
    Keyword options: ``layers`` (graph convolutions), ``hops`` (maximum path length,
    1 = plain Clifford EGNN), ``edge_in`` (invariant edge attributes), ``centroid``
    (embed ``pos - centroid(graph)``; set False for periodic systems, positions then
    enter through edge vectors only), ``kernel`` (geometric-product kernel of the shared
    :class:`~symplugins.clifford.CliffordAlgebra`: ``"sparse"``, ``"fused"`` (compiled,
    fastest for first-order training) or ``"fused-eager"``; same outputs; change it later
    with ``model.algebra.set_kernel(...)``), ``mlp_products`` (geometric-product blocks in each
    message and node MLP; CGENN's n-body model uses 2).

    ``forward(scalars [N, S], vectors [N, V, 3], pos [N, 3], edge_index [2, E], batch=None,
    *, edge_weight=None [E], edge_attr=None [E, A], edge_vec=None [E, 3])`` returns
    ``(scalars [N, S'], vectors [N, V', 3])``: scalars E(3)-invariant, vectors
    E(3)-equivariant (reflections included) and translation-invariant. ``edge_index``
    follows PyG: row 0 = source j, row 1 = target i (messages j -> i). ``edge_weight``
    multiplies every message along its edge; a k-hop path is weighted by the product of
    its edge weights (smooth cutoff envelopes keep outputs smooth). ``edge_vec``
    overrides ``pos[i] - pos[j]`` (e.g. with periodic cell shifts). ``edge_reverse [E]``
    (long, ``-1`` = none) is the reverse of each edge, which k-hop paths must not step
    back along; by default edges are paired by node pair, which is ambiguous when one
    pair has several edges (periodic images): build it with
    :func:`~symplugins.models.cgegnn.paths.edge_reverse` from the cell shifts.

    :meth:`multivectors` returns the final hidden node multivectors ``[N, hidden, 8]``
    (Cl(3,0) blades ``1, e1, e2, e3, e12, e13, e23, e123``) and :meth:`readout` maps them
    to the outputs: ``forward = readout . multivectors``.

    Internally features are blade-major, ``[8, N, hidden]`` (``blade_major = True``): every
    multivector linear map is one batched matmul and every blade a contiguous slab for the
    geometric-product kernel. ``model.blade_major = False`` computes the same function in
    CGENN's blade-last layout ``[N, hidden, 8]`` (the reference formulation of the speed
    benchmark; same parameters, outputs equal to rounding).
    """

    #: compute in the blade-major layout (fast); False = CGENN's blade-last layout (reference)
    blade_major: bool = True

    def __init__(self, scalar_in: int, vector_in: int, hidden: int, scalar_out: int, vector_out: int,
                 *, layers: int = 4, hops: int = 1, edge_in: int = 0, centroid: bool = True,
                 kernel: str = "sparse", mlp_products: int = 1):
        super().__init__()
        for name, v, lo in (("scalar_in", scalar_in, 0), ("vector_in", vector_in, 0), ("hidden", hidden, 1),
                            ("scalar_out", scalar_out, 0), ("vector_out", vector_out, 0),
                            ("layers", layers, 1), ("hops", hops, 1), ("edge_in", edge_in, 0),
                            ("mlp_products", mlp_products, 1)):
            if not isinstance(v, int) or v < lo:
                raise ValueError(f"'{name}' must be an integer >= {lo}, got {v!r}")
        if scalar_out + vector_out == 0:
            raise ValueError("'scalar_out' and 'vector_out' are both 0: ask for at least one output channel")
        self.scalar_in, self.vector_in, self.hidden = scalar_in, vector_in, hidden
        self.scalar_out, self.vector_out = scalar_out, vector_out
        self.hops, self.edge_in, self.centroid = hops, edge_in, centroid
        self.algebra = CliffordAlgebra((1.0, 1.0, 1.0), kernel=kernel)
        n_in = scalar_in + vector_in + int(centroid)
        self.embed = MVLinear(self.algebra, max(n_in, 1), hidden)
        self.convs = nn.ModuleList(
            CliffordGraphConv(self.algebra, hidden, hops=hops, edge_channels=edge_in, mlp_products=mlp_products)
            for _ in range(layers))
        self.head = nn.Sequential(MVLinear(self.algebra, hidden, hidden), MVSiLU(self.algebra, hidden),
                                  MVLinear(self.algebra, hidden, scalar_out + vector_out))

    def reset_parameters(self) -> None:
        for m in self.modules():
            if m is not self and hasattr(m, "reset_parameters"):
                m.reset_parameters()

    def forward(self, scalars: Tensor | None, vectors: Tensor | None, pos: Tensor, edge_index: Tensor,
                batch: Tensor | None = None, *, edge_weight: Tensor | None = None,
                edge_attr: Tensor | None = None, edge_vec: Tensor | None = None,
                edge_reverse: Tensor | None = None, check_inputs: bool = True) -> tuple[Tensor, Tensor]:
        h = self._hidden(scalars, vectors, pos, edge_index, batch, edge_weight=edge_weight, edge_attr=edge_attr,
                         edge_vec=edge_vec, edge_reverse=edge_reverse, check_inputs=check_inputs)
        return self._readout(h, self.blade_major)

    def multivectors(self, scalars: Tensor | None, vectors: Tensor | None, pos: Tensor,
                     edge_index: Tensor, batch: Tensor | None = None, *,
                     edge_weight: Tensor | None = None, edge_attr: Tensor | None = None,
                     edge_vec: Tensor | None = None, edge_reverse: Tensor | None = None,
                     check_inputs: bool = True) -> Tensor:
        """Final hidden node multivectors ``[N, hidden, 8]`` (arguments as :meth:`forward`)."""
        h = self._hidden(scalars, vectors, pos, edge_index, batch, edge_weight=edge_weight, edge_attr=edge_attr,
                         edge_vec=edge_vec, edge_reverse=edge_reverse, check_inputs=check_inputs)
        return (h.permute(1, 2, 0) if self.blade_major else h).contiguous()

    def _hidden(self, scalars, vectors, pos, edge_index, batch, *, edge_weight, edge_attr, edge_vec,
                edge_reverse, check_inputs) -> Tensor:
        """Final hidden node multivectors in the internal layout (see the class docstring)."""
        if check_inputs and not is_tracing():
            validate_inputs(self, scalars, vectors, pos, edge_index, batch, edge_weight, edge_attr, edge_vec)
            _check_edge_reverse(edge_reverse, edge_index.shape[1])
        alg, n, bm = self.algebra, pos.shape[0], self.blade_major
        layout = (lambda t: t.permute(2, 0, 1).contiguous()) if bm else (lambda t: t)  # [rows, C, 8] -> [8, rows, C]
        src, dst = edge_index[0], edge_index[1]
        h = self.embed(layout(self._node_multivectors(scalars, vectors, pos, batch)), blade_major=bm)
        vec = pos[dst] - pos[src] if edge_vec is None else edge_vec
        x_edge = layout(alg.embed(vec, 1).unsqueeze(1))
        edge_scalars = None if edge_attr is None or self.edge_in == 0 else layout(
            alg.embed(edge_attr.unsqueeze(-1), 0))
        if self.hops == 1:
            rev, has_rev = src, torch.zeros_like(src, dtype=torch.bool)
        elif edge_reverse is None:
            rev, has_rev = reverse_edges(edge_index, n)
        else:
            has_rev = edge_reverse >= 0
            rev = edge_reverse.clamp(min=0)
        for conv in self.convs:
            h = conv(h, x_edge, edge_scalars, edge_weight, src, dst, rev, has_rev, blade_major=bm)
        return h

    def readout(self, h: Tensor) -> tuple[Tensor, Tensor]:
        """``h [N, hidden, 8] -> (scalars [N, S'], vectors [N, V', 3])`` (the output head)."""
        return self._readout(h, False)

    def _readout(self, h: Tensor, blade_major: bool) -> tuple[Tensor, Tensor]:
        out = h
        for layer in self.head:
            out = layer(out, blade_major=blade_major)
        if blade_major:  # [8, N, S' + V']
            return out[0, :, :self.scalar_out], out[1:4, :, self.scalar_out:].permute(1, 2, 0)
        return out[:, :self.scalar_out, 0], out[:, self.scalar_out:, 1:4]

    def _node_multivectors(self, scalars, vectors, pos, batch) -> Tensor:
        alg, parts = self.algebra, []
        if self.scalar_in:
            parts.append(alg.embed(scalars.unsqueeze(-1), 0))
        if self.vector_in:
            parts.append(alg.embed(vectors, 1))
        if self.centroid:
            parts.append(alg.embed(pos - graph_centroid(pos, batch), 1).unsqueeze(1))
        if not parts:
            return alg.embed(pos.new_ones(pos.shape[0], 1, 1), 0)  # a constant scalar channel
        return torch.cat(parts, dim=1)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"CGEGNN({self.scalar_in}x0e + {self.vector_in}x1o -> {self.scalar_out}x0e + "
                f"{self.vector_out}x1o | hidden={self.hidden}, layers={len(self.convs)}, hops={self.hops}, "
                f"{n} weights)")
