"""MLP model zoos: file round trip, live models vs batched outputs, weight spaces, bad input."""
from __future__ import annotations

import pytest
import torch

from symplugins import nfn
from symplugins.nfn.layers import MonomialNFN, NetSpec
from symplugins.nfn.zoo import MLPZoo, zoo_mlp

DIMS = (5, 4, 3, 2)


def _zoo(n: int = 3, activation: str = "relu", dtype=torch.float64) -> MLPZoo:
    g = torch.Generator().manual_seed(0)
    weights = {}
    for name, p in zoo_mlp(DIMS, activation).named_parameters():
        weights[name] = torch.randn(n, *p.shape, generator=g, dtype=dtype)
    return MLPZoo(DIMS, activation, weights, torch.rand(n, generator=g, dtype=dtype),
                  {"lr": torch.rand(n, generator=g, dtype=torch.float64)})


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_live_models_match_batched_outputs(activation, dtype):
    zoo = _zoo(activation=activation, dtype=dtype)
    x = torch.randn(7, DIMS[0], dtype=dtype)
    out = zoo.outputs(x)
    assert out.shape == (3, 7, DIMS[-1])
    for i in range(len(zoo)):
        torch.testing.assert_close(zoo.model(i, dtype)(x), out[i])


def test_save_load_subset_concat(tmp_path):
    zoo = _zoo(4)
    path = zoo.save(tmp_path / "z" / "zoo.pt")
    back = MLPZoo.load(path)
    assert back.dims == zoo.dims and back.activation == "relu"
    torch.testing.assert_close(back.weights["2.weight"], zoo.weights["2.weight"], rtol=0, atol=0)
    parts = MLPZoo.concat([back.subset(slice(0, 1)), back.subset([1, 2, 3])])
    torch.testing.assert_close(parts.labels, zoo.labels, rtol=0, atol=0)
    assert "4 networks" in repr(parts)


def test_spaces_round_trip_and_group():
    zoo = _zoo(activation="tanh")
    spaces = zoo.spaces([0, 2])
    assert len(spaces) == 2 and "Z2" in repr(spaces[0].group)
    model = zoo_mlp(DIMS, "tanh").double()
    spaces[1].load_into(model)
    x = torch.randn(6, DIMS[0], dtype=torch.float64)
    torch.testing.assert_close(model(x), zoo.outputs(x)[2], rtol=0, atol=1e-12)
    # a sampled group element keeps the function of the zoo network
    nfn.weight_space(model).act(spaces[1].group.sample(torch.Generator().manual_seed(1))).load_into(model)
    torch.testing.assert_close(model(x), zoo.outputs(x)[2], rtol=1e-10, atol=1e-10)


def test_predictor_on_zoo_spaces():
    zoo = _zoo(activation="relu")
    spaces = zoo.spaces()
    net = MonomialNFN(NetSpec.from_space(spaces[0]), hidden=2, depth=1, mlp_hidden=4).double()
    assert net.predict(spaces).shape == (3, 1)


def test_bad_input(tmp_path):
    zoo = _zoo()
    with pytest.raises(ValueError, match="activation"):
        zoo_mlp(DIMS, "gelu")
    with pytest.raises(ValueError, match=r"weights\['0.weight'\]"):
        MLPZoo(DIMS, "relu", {**zoo.weights, "0.weight": torch.zeros(3, 4, 4)}, zoo.labels)
    with pytest.raises(ValueError, match=r"hparams\['lr'\]"):
        MLPZoo(DIMS, "relu", zoo.weights, zoo.labels, {"lr": torch.zeros(2)})
    with pytest.raises(ValueError, match=r"'x' must have shape \[N, 5\]"):
        zoo.outputs(torch.zeros(2, 3))
    torch.save({"weights": {}}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a symplugins-mlp-zoo/1 file"):
        MLPZoo.load(tmp_path / "other.pt")
    with pytest.raises(ValueError, match="one architecture"):
        MLPZoo.concat([zoo, _zoo(activation="tanh")])
