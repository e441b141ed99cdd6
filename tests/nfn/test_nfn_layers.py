"""Monomial-NFN layers: equivariance/invariance under monomial elements (factors up to 1e3)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from symplugins import nfn
from symplugins.nfn.layers import (FeatureElement, MonomialActivation, MonomialEquivariant, MonomialGroup,
                                   MonomialInvariant, MonomialNFN, NetSpec, WeightSpaceFeatures, feature_reps)
from symplugins.testing import assert_equivariant, assert_invariant, assert_sensitive

from nfn_features import flat_fn, random_features

SPECS = {
    "relu_mlp": NetSpec((3, 5, 4, 2), (1, 1, 1), ("scale", "scale")),
    "tanh_mlp": NetSpec((3, 5, 4, 2), (1, 1, 1), ("sign", "sign")),
    "relu_cnn": NetSpec((2, 4, 3, 2), (9, 9, 4), ("scale", "scale")),
    "mixed_one_hidden": NetSpec((3, 4, 2), (1, 1), ("sign",)),
}


@pytest.mark.equivariance
@pytest.mark.parametrize("name", list(SPECS))
def test_equivariant_layer(name, dtype):
    spec = SPECS[name]
    layer = MonomialEquivariant(spec, 2, 3)
    reps = feature_reps(spec)
    inputs = random_features(spec, 2)
    assert_equivariant(flat_fn(layer), inputs, reps, reps, group=MonomialGroup(spec, 1e3), dtype=dtype)
    assert_equivariant(flat_fn(MonomialActivation(spec)), inputs, reps, reps, group=MonomialGroup(spec), dtype=dtype)


@pytest.mark.parametrize("name", ["relu_mlp", "tanh_mlp"])
def test_equivariant_layer_sensitivity(name):
    spec = SPECS[name]
    layer = MonomialEquivariant(spec, 2, 3).double()
    reps = feature_reps(spec)
    inputs = tuple(t.double() for t in random_features(spec, 2))
    group = MonomialGroup(spec)
    g = group.sample(torch.Generator().manual_seed(0), dtype=torch.float64)
    if name == "tanh_mlp":  # scaling by 3 is not in the sign group (the cross terms notice)
        fake = FeatureElement(g.perms, g.diags[:-1] + (g.diags[-1] * 3.0,))
        assert_sensitive(flat_fn(layer), inputs, reps, reps, element=fake)
    else:  # uncoupled: W_1 rows move but b_1 does not
        reps_in = [None if i == 1 else r for i, r in enumerate(reps)]
        assert_sensitive(flat_fn(layer), inputs, reps_in, reps, element=g)


def test_sign_terms_present_only_for_sign_groups():
    assert hasattr(MonomialEquivariant(SPECS["tanh_mlp"], 1, 1), "last_g")
    assert not hasattr(MonomialEquivariant(SPECS["relu_mlp"], 1, 1), "last_g")


def test_parameter_count_is_linear_in_L_n0_nL():
    def count(dims):
        spec = NetSpec(dims, (1,) * (len(dims) - 1), ("scale",) * (len(dims) - 2))
        return sum(p.numel() for p in MonomialEquivariant(spec, 2, 3).parameters())
    base = count((4, 8, 8, 3))
    assert count((4, 100, 100, 3)) == base  # independent of hidden widths
    assert count((4, 8, 8, 8, 3)) - base == 2 * 3 + 3 * 2  # one more hidden layer: +c c' (+ bias mix)
    assert count((5, 8, 8, 3)) - base == 4 * (2 * 3)  # linear in n_0


@pytest.mark.equivariance
@pytest.mark.parametrize("name", list(SPECS))
def test_invariant_layer_and_model(name, dtype):
    spec = SPECS[name]
    inputs = random_features(spec, 3)
    pool = MonomialInvariant(spec, 3)
    fn = lambda *ts: pool(WeightSpaceFeatures.from_flat(ts))  # noqa: E731
    assert fn(*inputs).shape == (2, pool.out_dim)
    assert_invariant(fn, inputs, feature_reps(spec), group=MonomialGroup(spec, 1e3), dtype=dtype)
    model = MonomialNFN(spec, hidden=4)
    one = random_features(spec, 1)
    assert_invariant(_model_fn(model), one, feature_reps(spec), group=MonomialGroup(spec, 1e3), dtype=dtype)
    assert_sensitive(_model_fn(model), one, transform=lambda ts: tuple(t * 1.5 for t in ts), dtype=dtype)


def _model_fn(model):
    return lambda *ts: model(WeightSpaceFeatures.from_flat(ts))


def test_live_network_features_nfn_invariance():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                        nn.Linear(16, 5), nn.ReLU(), nn.Linear(5, 3)).double()
    space = nfn.weight_space(net)
    spec = NetSpec.from_space(space)
    assert spec.dims == (1, 4, 5, 3) and spec.taps == (9, 4, 1) and spec.kinds == ("scale", "scale")
    feats = space.to_features()
    back = space.from_features(feats)
    assert all(torch.equal(back[n], space[n]) for n in space.tensors)
    model = MonomialNFN(spec, hidden=4).double()
    moved = space.act(space.group.sample(max_scale=1e3))
    pred = model.predict([space, moved])
    torch.testing.assert_close(pred[0], pred[1], atol=1e-9, rtol=1e-9)
    assert "weights" in repr(model) and "MonomialEquivariant(1 -> 4" in repr(model.equivariant[0])
