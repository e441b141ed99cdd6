"""100k points: blockwise search runs where a dense N x N matrix (40 GB) could not."""
import torch

from symplugins.graph import _segments, knn, knn_graph, radius

N = 100_000


def test_100k_points_chunked_and_correct_on_a_subsample():
    gen = torch.Generator().manual_seed(123457)
    pos = torch.rand(N, 3, generator=gen)
    batch = torch.arange(400).repeat_interleave(N // 400)
    edge = knn_graph(pos, 6, batch, flow="target_to_source")
    assert edge.shape == (2, 6 * N)
    assert bool((batch[edge[0]] == batch[edge[1]]).all())
    for i in torch.randint(0, N, (20,), generator=gen).tolist():
        seg = torch.arange(i // 250 * 250, (i // 250 + 1) * 250)   # graph of point i
        d = (pos[seg] - pos[i]).norm(dim=1)
        d[seg == i] = float("inf")
        ref = set(seg[d.argsort()[:6]].tolist())
        assert set(edge[1, edge[0] == i].tolist()) == ref

    # one huge graph: queries against all 100k points, split into row blocks
    queries = pos[:120]
    blocks = list(_segments.plan_blocks([120], [N], None))
    assert len(blocks) > 1 and all((b.row1 - b.row0) * N <= _segments.PAIR_BUDGET for b in blocks)
    nn = knn(pos, queries, 4)
    assert nn.shape == (2, 480)
    ref = torch.cdist(queries[:25], pos).topk(4, largest=False).indices
    assert torch.equal(nn[1, :100].view(25, 4).sort(1).values, ref.sort(1).values)
    rad = radius(pos, queries, 0.03, max_num_neighbors=None)
    ref = (torch.cdist(queries[:25], pos) < 0.03).sum().item()
    assert int((rad[0] < 25).sum()) == ref
