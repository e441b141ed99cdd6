"""radius / radius_graph against a brute-force float64 reference on random batched inputs."""
import pytest
import torch

from symplugins.graph import radius, radius_graph

SEEDS = (31337, 8086, 55441)


def random_batched(sizes, gen, dim=3):
    pos = torch.rand(sum(sizes), dim, generator=gen, dtype=torch.float64)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    return pos.to(torch.get_default_dtype()), batch


def brute_pairs(x, y, r, bx, by, exclude_self=False, slack=0.0):
    """Pairs (i, j) with |y_i - x_j| < r + slack in one graph, by float64 brute force."""
    d = torch.cdist(y.double(), x.double())
    ok = (by[:, None] == bx[None, :]) & (d < r + slack)
    if exclude_self:
        ok &= ~torch.eye(y.size(0), x.size(0), dtype=torch.bool)
    return {tuple(p) for p in ok.nonzero().tolist()}


def check_radius(edge, x, y, r, bx, by, exclude_self=False):
    tol = 1e-5 if x.dtype == torch.float32 else 0.0
    mine = {tuple(p) for p in edge.t().tolist()}
    assert len(mine) == edge.size(1), "no duplicate pairs"
    assert brute_pairs(x, y, r, bx, by, exclude_self, -tol) <= mine
    assert mine <= brute_pairs(x, y, r, bx, by, exclude_self, tol)
    rows, cols = edge
    order = rows * (x.size(0) + 1) + cols
    assert bool((order[1:] > order[:-1]).all()), "sorted by query, then neighbour index"


@pytest.mark.parametrize("seed", SEEDS)
def test_radius_matches_brute_force(seed, dtype):
    gen = torch.Generator().manual_seed(seed)
    x, bx = random_batched([9, 0, 4, 15], gen)
    y, by = random_batched([5, 2, 0, 7], gen)
    edge = radius(x, y, 0.5, bx, by, max_num_neighbors=None)
    check_radius(edge, x, y, 0.5, bx, by)


@pytest.mark.parametrize("loop", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_radius_graph_matches_brute_force(seed, loop, dtype):
    gen = torch.Generator().manual_seed(seed)
    x, b = random_batched([12, 1, 0, 8], gen)
    edge = radius_graph(x, 0.6, b, loop=loop, max_num_neighbors=100, flow="target_to_source")
    check_radius(edge, x, x, 0.6, b, b, exclude_self=not loop)
    flipped = radius_graph(x, 0.6, b, loop=loop, max_num_neighbors=100)
    assert torch.equal(flipped, edge.flip(0))


def test_radius_graph_flow_orientation():
    x = torch.tensor([[0.0], [0.5], [5.0]])
    assert radius_graph(x, 1.0).tolist() == [[1, 0], [0, 1]]
    y = torch.tensor([[4.8]])
    assert radius(x, y, 1.0).tolist() == [[0], [2]]  # row 0 = query, row 1 = x


def test_max_num_neighbors_keeps_nearest_and_ignores_self():
    x = torch.tensor([[0.0], [0.3], [-0.1], [0.2], [0.05]])
    edge = radius_graph(x, 1.0, max_num_neighbors=2, flow="target_to_source")
    first = edge[1, edge[0] == 0].tolist()
    assert first == [2, 4]                     # the two nearest of point 0, self not counted
    assert bool((torch.bincount(edge[0]) == 2).all())
    edge = radius(x, x[:1], 1.0, max_num_neighbors=2)
    assert edge[1].tolist() == [0, 4]          # radius() counts the identical point


def test_radius_default_cap_is_32():
    x = torch.zeros(40, 3) + torch.linspace(0, 0.01, 40)[:, None]
    assert radius(x, x[:1], 1.0).size(1) == 32
    assert radius(x, x[:1], 1.0, max_num_neighbors=None).size(1) == 40


def test_radius_chunking_and_empty():
    gen = torch.Generator().manual_seed(24601)
    x, b = random_batched([30, 0, 25], gen)
    ref = radius_graph(x, 0.4, b, max_num_neighbors=5)
    for chunk in (1, 7, 100):
        assert torch.equal(radius_graph(x, 0.4, b, max_num_neighbors=5, chunk_size=chunk), ref)
    assert radius(torch.empty(0, 3), x, 1.0).shape == (2, 0)
    assert radius_graph(torch.empty(0, 3), 1.0).shape == (2, 0)
