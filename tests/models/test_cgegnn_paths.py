"""The factorised k-hop path sum equals an explicit sum over enumerated paths."""
import pytest
import torch

from symplugins.cgegnn import CGEGNN, CliffordAlgebra, CliffordGraphConv, edge_reverse, enumerate_paths, reverse_edges
from symplugins.testing import random_batched_graph
from symplugins.models.cgegnn.layers import BLADE_LAST, BLADE_MAJOR


def test_reverse_edges_and_enumeration():
    ei = torch.tensor([[0, 1, 1, 2, 0], [1, 0, 2, 1, 2]])
    rev, found = reverse_edges(ei, 3)
    assert found.tolist() == [True, True, True, True, False]
    assert rev[found].tolist() == [1, 0, 3, 2]
    paths = enumerate_paths(ei, 2, 3)
    assert sorted(map(tuple, paths.tolist())) == [(0, 2), (1, 4), (3, 1), (4, 3)]
    with pytest.raises(ValueError, match="'hops'"):
        enumerate_paths(ei, 0, 3)


def _explicit(conv, h, x_edge, w, src, dst, hops, edge_rev=None):
    alg, n = conv.algebra, h.shape[0]
    out = []
    for t in range(2, hops + 1):
        paths = enumerate_paths(torch.stack([src, dst]), t, n, edge_reverse=edge_rev)
        e1 = paths[:, 0]
        feat = w[e1, None, None] * alg.geometric_product(x_edge[e1], conv.start(h)[src[e1]])
        for s in range(1, t):
            e = paths[:, s]
            inner = alg.weighted_product(conv.hop_linear[s - 1](feat), conv.hop_node[s - 1](h)[src[e]],
                                         conv.hop_weight[s - 1])
            feat = w[e, None, None] * alg.geometric_product(x_edge[e], inner)
        out.append(h.new_zeros(h.shape).index_add(0, dst[paths[:, -1]], feat))
    return out


def test_factorised_paths_equal_enumerated_paths():
    torch.manual_seed(0)
    alg = CliffordAlgebra((1, 1, 1)).double()
    conv = CliffordGraphConv(alg, 3, hops=4).double()
    pos, ei, _ = random_batched_graph((5, 4), dtype=torch.float64, complete=False, p=0.6)
    src, dst = ei
    h = torch.randn(pos.shape[0], 3, 8, dtype=torch.float64)
    x_edge = alg.embed(pos[dst] - pos[src], 1).unsqueeze(1)
    w = torch.rand(ei.shape[1], dtype=torch.float64)
    rev, found = reverse_edges(ei, pos.shape[0])
    slow = _explicit(conv, h, x_edge, w, src, dst, 4)
    fast = conv._paths(h, x_edge, w, src, dst, rev, found, BLADE_LAST)
    bm = lambda t: t.permute(2, 0, 1).contiguous()  # noqa: E731
    blade_major = conv._paths(bm(h), bm(x_edge), w, src, dst, rev, found, BLADE_MAJOR)
    assert len(fast) == len(blade_major) == 3
    for a, b, c in zip(fast, slow, blade_major):
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(c.permute(1, 2, 0), b)
        assert b.abs().max() > 0


def _periodic_multigraph(n=3, length=1.7):
    """All edges ``(j -> i, S)``, ``S in {-1, 0, 1}`` along x, of a chain cell: each pair 3x."""
    gen = torch.Generator().manual_seed(1)
    pos = torch.rand(n, 3, generator=gen, dtype=torch.float64)
    rows = [(j, i, s) for i in range(n) for j in range(n) for s in (-1, 0, 1) if i != j or s]
    ei = torch.tensor([[r[0] for r in rows], [r[1] for r in rows]])
    shift = torch.tensor([[float(r[2]), 0.0, 0.0] for r in rows], dtype=torch.float64)
    vec = pos[ei[1]] - pos[ei[0]] - shift * length  # x_i - x_j(image S)
    return pos, ei, shift, vec


def test_reverse_edges_with_cell_shifts():
    """``(j -> i, S)`` pairs with ``(i -> j, -S)``; shifts as floats (nequip) or longs."""
    pos, ei, shift, vec = _periodic_multigraph()
    for s in (shift, shift.long()):
        rev = edge_reverse(ei, 3, s)
        assert (rev >= 0).all()
        assert torch.equal(ei[:, rev], ei.flip(0)) and torch.equal(shift[rev], -shift)
        assert torch.equal(rev[rev], torch.arange(ei.shape[1]))
        torch.testing.assert_close(vec[rev], -vec)
    no_shift = edge_reverse(ei, 3)  # node pairs only: some edge gets a wrong image
    assert not torch.equal(shift[no_shift], -shift)
    partial = edge_reverse(ei[:, :-1], 3, shift[:-1])  # drop one edge: its reverse has none
    assert (partial == -1).sum() == 1
    assert edge_reverse(ei[:, :0], 3, shift[:0]).numel() == 0


def test_factorised_paths_with_periodic_images_equal_enumerated_paths():
    """With several images per atom pair, only the true reverse edge counts as backtracking."""
    torch.manual_seed(0)
    pos, ei, shift, vec = _periodic_multigraph()
    alg = CliffordAlgebra((1, 1, 1)).double()
    conv = CliffordGraphConv(alg, 2, hops=3).double()
    src, dst = ei
    h = torch.randn(3, 2, 8, dtype=torch.float64)
    x_edge = alg.embed(vec, 1).unsqueeze(1)
    w = torch.rand(ei.shape[1], dtype=torch.float64)
    rev, found = reverse_edges(ei, 3, shift)
    fast = conv._paths(h, x_edge, w, src, dst, rev, found, BLADE_LAST)
    slow = _explicit(conv, h, x_edge, w, src, dst, 3, edge_reverse(ei, 3, shift))
    for a, b in zip(fast, slow):
        torch.testing.assert_close(a, b)
    rev0, found0 = reverse_edges(ei, 3)  # sensitivity partner: node-pair reversal is wrong here
    wrong = conv._paths(h, x_edge, w, src, dst, rev0, found0, BLADE_LAST)
    assert (wrong[0] - slow[0]).abs().max() > 1e-6


def test_cgegnn_edge_reverse_argument():
    """CGEGNN accepts edge_reverse; the node-pair default equals passing it explicitly."""
    torch.manual_seed(0)
    model = CGEGNN(1, 0, 3, 1, 1, layers=1, hops=2).double()
    pos, ei, _ = random_batched_graph((4, 3), dtype=torch.float64, complete=False, p=0.7)
    s = torch.randn(pos.shape[0], 1, dtype=torch.float64)
    out = model(s, None, pos, ei)
    out2 = model(s, None, pos, ei, edge_reverse=edge_reverse(ei, pos.shape[0]))
    for a, b in zip(out, out2):
        torch.testing.assert_close(a, b)
    with pytest.raises(ValueError, match="'edge_reverse' must be a long tensor of shape"):
        model(s, None, pos, ei, edge_reverse=torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="'edge_reverse' holds ids outside"):
        model(s, None, pos, ei, edge_reverse=torch.full((ei.shape[1],), ei.shape[1]))
