"""The factorised k-hop path sum equals an explicit sum over enumerated paths."""
import pytest
import torch

from symplugins.cgegnn import CliffordAlgebra, CliffordGraphConv, enumerate_paths, reverse_edges
from symplugins.testing import random_batched_graph


def test_reverse_edges_and_enumeration():
    ei = torch.tensor([[0, 1, 1, 2, 0], [1, 0, 2, 1, 2]])
    rev, found = reverse_edges(ei, 3)
    assert found.tolist() == [True, True, True, True, False]
    assert rev[found].tolist() == [1, 0, 3, 2]
    paths = enumerate_paths(ei, 2, 3)
    assert sorted(map(tuple, paths.tolist())) == [(0, 2), (1, 4), (3, 1), (4, 3)]
    with pytest.raises(ValueError, match="'hops'"):
        enumerate_paths(ei, 0, 3)


def _explicit(conv, h, x_edge, w, src, dst, hops):
    alg, n = conv.algebra, h.shape[0]
    out = []
    for t in range(2, hops + 1):
        paths = enumerate_paths(torch.stack([src, dst]), t, n)
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
    fast = conv._paths(h, x_edge, w, src, dst, rev, found)
    slow = _explicit(conv, h, x_edge, w, src, dst, 4)
    assert len(fast) == 3
    for a, b in zip(fast, slow):
        torch.testing.assert_close(a, b)
        assert b.abs().max() > 0
