"""Same parameter names as PyG 2.8, and the same results as pyg-lib where it is installed."""
import inspect

import pytest
import torch

import symplugins.graph as G
from symplugins.utils.imports import available

NAMES = ("knn", "knn_graph", "nearest", "radius", "radius_graph", "fps")


def _pyg(name):
    pytest.importorskip("torch_geometric")
    if name == "knn_interpolate":
        from torch_geometric.nn.unpool import knn_interpolate
        return knn_interpolate
    import torch_geometric.nn.pool as pool
    return getattr(pool, name)


@pytest.mark.parametrize("name", NAMES + ("knn_interpolate",))
def test_signature_matches_pyg(name):
    ours = inspect.signature(getattr(G, name)).parameters.values()
    theirs = inspect.signature(_pyg(name)).parameters.values()
    positional = [p for p in ours if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in positional] == [p.name for p in theirs]
    assert [p.default for p in positional] == [p.default for p in theirs]
    extra = [p for p in ours if p.kind is not p.POSITIONAL_OR_KEYWORD]
    assert all(p.kind is p.KEYWORD_ONLY for p in extra)


@pytest.mark.skipif(not available("pyg_lib"), reason="pyg-lib not installed")
def test_same_result_as_pyg_lib():
    gen = torch.Generator().manual_seed(777001)
    x = torch.rand(60, 3, generator=gen)
    b = torch.repeat_interleave(torch.arange(3), torch.tensor([25, 5, 30]))
    for fn, kw in ((G.knn_graph, dict(k=4)), (G.radius_graph, dict(r=0.3))):
        ours = fn(x, batch=b, backend="torch", **kw)
        ref = fn(x, batch=b, backend="pyg_lib", **kw)
        assert {tuple(e) for e in ours.t().tolist()} == {tuple(e) for e in ref.t().tolist()}
    assert torch.equal(G.fps(x, b, 0.5, False, backend="torch"),
                       G.fps(x, b, 0.5, False, backend="pyg_lib"))
