"""knn / knn_graph against a brute-force float64 reference on random batched inputs."""
import pytest
import torch

from symplugins.graph import knn, knn_graph, nearest

# seeds used nowhere else in the test suite
SEEDS = (9173, 40411, 77003)


def random_batched(sizes, gen, dim=3):
    """Points ``[sum(sizes), dim]`` and a sorted batch vector (sizes may be 0)."""
    pos = torch.randn(sum(sizes), dim, generator=gen, dtype=torch.float64)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    return pos.to(torch.get_default_dtype()), batch


def brute_knn(x, y, k, bx, by, exclude_self=False):
    """{query: sorted distances of its k nearest same-graph points} in float64."""
    x, y = x.double(), y.double()
    out = {}
    for i in range(y.size(0)):
        cand = [j for j in range(x.size(0)) if bx[j] == by[i] and not (exclude_self and j == i)]
        d = sorted(float((x[j] - y[i]).norm()) for j in cand)
        out[i] = (d[:k], cand)
    return out


def check_against_brute(edge, x, y, k, bx, by, exclude_self=False):
    ref = brute_knn(x, y, k, bx, by, exclude_self)
    rows, cols = edge
    assert edge.dtype == torch.long and edge.shape[0] == 2
    assert rows.numel() == sum(len(d) for d, _ in ref.values())
    assert bool((rows[1:] >= rows[:-1]).all()), "grouped by query"
    tol = 1e-5 if x.dtype == torch.float32 else 1e-12
    for i, (dref, cand) in ref.items():
        mine = cols[rows == i]
        assert all(int(j) in cand for j in mine)
        d = (x[mine].double() - y[i].double()).norm(dim=1)
        assert torch.allclose(d, torch.tensor(dref, dtype=torch.float64), atol=tol)
        assert bool((d[1:] >= d[:-1] - tol).all()), "sorted by distance"


@pytest.mark.parametrize("seed", SEEDS)
def test_knn_matches_brute_force(seed, dtype):
    gen = torch.Generator().manual_seed(seed)
    x, bx = random_batched([7, 0, 2, 11, 5], gen)      # empty and smaller-than-k graphs
    y, by = random_batched([4, 3, 5, 0, 6], gen)
    edge = knn(x, y, 4, bx, by)
    check_against_brute(edge, x, y, 4, bx, by)


@pytest.mark.parametrize("loop", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_knn_graph_matches_brute_force(seed, loop, dtype):
    gen = torch.Generator().manual_seed(seed)
    x, b = random_batched([6, 1, 0, 9, 3], gen)
    edge = knn_graph(x, 3, b, loop=loop, flow="target_to_source")
    check_against_brute(edge, x, x, 3, b, b, exclude_self=not loop)
    if not loop:
        assert bool((edge[0] != edge[1]).all())


def test_knn_graph_flow_orientation():
    x = torch.tensor([[0.0], [1.0], [10.0]])
    s2t = knn_graph(x, 1)                     # row 0 = neighbour (source), row 1 = centre
    assert s2t.tolist() == [[1, 0, 1], [0, 1, 2]]
    assert knn_graph(x, 1, flow="target_to_source").tolist() == [[0, 1, 2], [1, 0, 1]]


def test_knn_row0_indexes_queries():
    x = torch.tensor([[0.0, 0.0], [5.0, 0.0], [9.0, 0.0]])
    y = torch.tensor([[8.0, 0.0]])
    assert knn(x, y, 2).tolist() == [[0, 0], [2, 1]]


def test_knn_k_larger_than_graph_and_empty_inputs():
    x = torch.randn(3, 3)
    assert knn(x, x, 10).shape == (2, 9)
    assert knn_graph(x, 10).shape == (2, 6)
    empty = torch.empty(0, 3)
    assert knn(empty, x, 2).shape == (2, 0)
    assert knn(x, empty, 2).shape == (2, 0)
    assert knn_graph(empty, 2).shape == (2, 0)


def test_knn_chunking_does_not_change_result():
    gen = torch.Generator().manual_seed(5151)
    x, b = random_batched([40, 13, 0, 57], gen, dim=2)
    ref = knn_graph(x, 5, b)
    for chunk in (1, 3, 17, 1000):
        assert torch.equal(knn_graph(x, 5, b, chunk_size=chunk), ref)


def test_knn_cosine_ranks_by_angle():
    x = torch.tensor([[10.0, 0.1], [0.1, 1.0], [-1.0, 0.0]])
    y = torch.tensor([[1.0, 0.0]])
    assert knn(x, y, 1, cosine=True).tolist() == [[0], [0]]
    assert knn(x, y, 1).tolist() == [[0], [1]]


def test_knn_high_dim_features_use_matmul_path(dtype):
    gen = torch.Generator().manual_seed(6262)
    x, b = random_batched([20, 30], gen, dim=32)
    edge = knn_graph(x, 4, b, flow="target_to_source")
    check_against_brute(edge, x, x, 4, b, b, exclude_self=True)


def test_nearest_matches_knn_and_requires_points():
    gen = torch.Generator().manual_seed(13579)
    x, bx = random_batched([6, 4], gen)
    y, by = random_batched([3, 5], gen)
    assert torch.equal(nearest(x, y, bx, by), knn(x, y, 1, bx, by)[1])
    with pytest.raises(ValueError, match="2 point\\(s\\) of 'y' have no point of 'x'"):
        nearest(x[:6], y[3:5], bx[:6], torch.ones(2, dtype=torch.long))
