"""Cell-list search (method="grid") against brute force on adversarial batched inputs."""
import pytest
import torch

from symplugins.graph import _grid, _segments, knn, knn_graph, radius, radius_graph

# seeds used nowhere else in the test suite
SEEDS = (60617, 2029)


def batched(sizes, gen, scale=1.0):
    pos = torch.rand(sum(sizes), 3, generator=gen, dtype=torch.float64) * scale
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    return pos.to(torch.get_default_dtype()), batch


def both(fn, *args, **kw):
    """Results of ``fn`` with method="brute" and method="grid"."""
    return fn(*args, method="brute", **kw), fn(*args, method="grid", **kw)


def assert_same_knn(brute, grid, x, y):
    """Same rows, each query's distances equal and sorted (neighbours may differ on ties)."""
    assert torch.equal(brute[0], grid[0])
    db = (x[brute[1]] - y[brute[0]]).norm(dim=1)
    dg = (x[grid[1]] - y[grid[0]]).norm(dim=1)
    assert torch.equal(db, dg)
    same_row = grid[0][1:] == grid[0][:-1]
    assert bool((dg[1:][same_row] >= dg[:-1][same_row]).all()), "sorted by distance"
    assert len({tuple(p) for p in grid.t().tolist()}) == grid.size(1), "no duplicate pairs"


@pytest.mark.parametrize("seed", SEEDS)
def test_radius_grid_equals_brute_force(seed, dtype):
    gen = torch.Generator().manual_seed(seed)
    x, bx = batched([40, 0, 3, 90, 1], gen)
    y, by = batched([25, 6, 0, 30, 2], gen)
    for cap in (None, 4, 32):                               # cap 4: nearest 4 kept by both
        brute, grid = both(radius, x, y, 0.3, bx, by, max_num_neighbors=cap)
        assert torch.equal(brute, grid)
    for loop in (False, True):
        brute, grid = both(radius_graph, x, 0.25, bx, loop=loop, max_num_neighbors=None)
        assert torch.equal(brute, grid) and brute.size(1) > 100
    brute, grid = both(radius_graph, x, 0.4, bx, max_num_neighbors=3)
    assert torch.equal(brute, grid) and bool((torch.bincount(grid[1]) <= 3).all())


@pytest.mark.parametrize("seed", SEEDS)
def test_knn_grid_equals_brute_force(seed, dtype):
    gen = torch.Generator().manual_seed(seed)
    x, bx = batched([50, 0, 2, 70, 5], gen)                 # empty and k > size segments
    y, by = batched([20, 4, 3, 40, 0], gen)
    for k in (1, 6, 12):
        assert_same_knn(*both(knn, x, y, k, bx, by), x, y)
        for loop in (False, True):
            brute, grid = both(knn_graph, x, k, bx, loop=loop, flow="target_to_source")
            assert_same_knn(brute, grid, x, x)
    brute, grid = both(knn, x, y, 4, bx, by, cosine=True)
    assert torch.equal(brute, grid)


def test_exact_cell_boundaries_and_duplicates(dtype):
    """Lattice points: distances exactly r (excluded, strict <), ties, duplicate points."""
    axis = torch.arange(6) * 0.5
    lattice = torch.cartesian_prod(axis, axis, axis).to(dtype)            # 216 points
    x = torch.cat([lattice, lattice[::7], lattice[::7]])                  # duplicates
    b = torch.zeros(x.size(0), dtype=torch.long)
    for r in (0.5, 1.0, 0.75):
        brute, grid = both(radius_graph, x, r, b, max_num_neighbors=None)
        assert torch.equal(brute, grid)
    brute, grid = both(radius, x, lattice, 1.0, max_num_neighbors=None)
    assert torch.equal(brute, grid)
    for k in (1, 7, 30):
        brute, grid = both(knn_graph, x, k, flow="target_to_source")
        assert_same_knn(brute, grid, x, x)
    same = torch.zeros(9, 3, dtype=dtype)                                 # zero extent
    assert_same_knn(*both(knn_graph, same, 4, flow="target_to_source"), same, same)
    assert both(radius_graph, same, 1.0)[1].size(1) == 72


def test_very_non_uniform_density(dtype):
    gen = torch.Generator().manual_seed(31013)
    cluster = 5.0 + 1e-3 * torch.randn(300, 3, generator=gen, dtype=torch.float64)
    sparse = 100.0 * torch.rand(60, 3, generator=gen, dtype=torch.float64)
    far = torch.tensor([[1e4, -1e4, 3e3]], dtype=torch.float64)
    x = torch.cat([cluster, sparse, far]).to(dtype)
    b = torch.zeros(x.size(0), dtype=torch.long)
    for k in (3, 20):
        assert_same_knn(*both(knn_graph, x, k, b, flow="target_to_source"), x, x)
    y = (200.0 * torch.rand(30, 3, generator=gen, dtype=torch.float64) - 50).to(dtype)
    assert_same_knn(*both(knn, x, y, 5), x, y)              # queries outside x's box
    for r in (2e-3, 10.0):
        brute, grid = both(radius_graph, x, r, b, max_num_neighbors=None)
        assert torch.equal(brute, grid)


@pytest.mark.parametrize("dims", [1, 2])
def test_grid_in_fewer_dims(dims):
    gen = torch.Generator().manual_seed(80211)
    x = torch.rand(200, dims, generator=gen)
    b = torch.arange(2).repeat_interleave(100)
    assert torch.equal(*both(radius_graph, x, 0.05, b, max_num_neighbors=None))
    assert_same_knn(*both(knn_graph, x, 5, b, flow="target_to_source"), x, x)


def test_small_chunks_give_the_same_result(monkeypatch):
    gen = torch.Generator().manual_seed(4477)
    x, b = batched([120, 80], gen)
    ref_r = radius_graph(x, 0.3, b, max_num_neighbors=None, method="grid")
    ref_k = knn_graph(x, 8, b, method="grid")
    monkeypatch.setattr(_grid, "GRID_PAIR_BUDGET", 50)      # below one query's candidates
    monkeypatch.setattr(_grid, "QUERY_BLOCK", 37)
    assert torch.equal(radius_graph(x, 0.3, b, max_num_neighbors=None, method="grid"), ref_r)
    assert torch.equal(knn_graph(x, 8, b, method="grid"), ref_k)
    assert torch.equal(knn_graph(x, 8, b, method="grid", chunk_size=5), ref_k)


def test_auto_choice_and_errors():
    assert not _segments.use_grid("auto", 3, [1000], [1000])            # small: brute
    assert _segments.use_grid("auto", 3, [5000], [5000])                # one big cloud
    assert not _segments.use_grid("auto", 3, [250] * 400, [250] * 400)  # many small graphs
    assert not _segments.use_grid("auto", 4, [5000], [5000])
    assert _segments.use_grid("grid", 2, [3], [3])
    with pytest.raises(ValueError, match="method='grid' supports points with 1 to 3 dims"):
        knn_graph(torch.randn(5, 4), 2, method="grid")
    with pytest.raises(ValueError, match="'method' must be one of"):
        radius_graph(torch.randn(5, 3), 1.0, method="kdtree")


@pytest.fixture
def one_thread():
    """Many mid-size ops: on a shared, oversubscribed CPU extra threads only spin."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_100k_points_grid_matches_brute_force_on_a_subsample(one_thread):
    """One 100k-point cloud (brute force: ~10^10 pairs, about a minute); the grid (chosen by
    method="auto") takes about 1 s of CPU per call."""
    n, gen = 100_000, torch.Generator().manual_seed(909090)
    x = torch.rand(n, 3, generator=gen)
    sub = torch.randint(0, n, (300,), generator=gen).unique()
    edge = radius_graph(x, 0.04, max_num_neighbors=None, flow="target_to_source")
    ref = radius(x, x[sub], 0.04, max_num_neighbors=None, method="brute")
    ref = ref[:, ref[1] != sub[ref[0]]]                                  # drop self
    mine = edge[:, torch.isin(edge[0], sub)]
    assert torch.equal(mine[1], ref[1]) and torch.equal(mine[0], sub[ref[0]])
    edge = knn_graph(x, 16, flow="target_to_source")
    assert edge.shape == (2, 16 * n) and bool((edge[0] != edge[1]).all())
    ref = knn(x, x[sub], 17, method="brute")[1].view(-1, 17)[:, 1:]      # first = self
    mine = edge[1].view(n, 16)[sub]
    dist = lambda j: (x[j] - x[sub, None]).norm(dim=-1)  # noqa: E731
    assert torch.equal(dist(mine), dist(ref))          # equal up to swaps of exact ties
    assert (mine == ref).float().mean() > 0.99
