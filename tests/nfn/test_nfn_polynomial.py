"""MAGEP-NFN polynomial layers: monomial equivariance/invariance, formulas, bad input, live nets."""
from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from symplugins import nfn
from symplugins.nfn.layers import (MAGEPNFN, MonomialGroup, NetSpec, PolynomialEquivariant,
                                   PolynomialInvariant, WeightRep, WeightSpaceFeatures, chain_products,
                                   feature_reps)
from symplugins.testing import assert_equivariant, assert_invariant, assert_sensitive

from nfn_features import flat_fn, random_features

SPECS = {
    "relu_mlp": NetSpec((3, 5, 4, 2), (1, 1, 1), ("scale", "scale")),
    "tanh_mlp": NetSpec((3, 5, 4, 2), (1, 1, 1), ("sign", "sign")),
    "monomial_mlp": NetSpec((2, 4, 3, 3, 2), (1, 1, 1, 1), ("monomial", "monomial", "monomial")),
    "relu_cnn": NetSpec((2, 4, 3, 2), (9, 9, 4), ("scale", "scale")),
    "one_hidden": NetSpec((3, 4, 2), (1, 1), ("sign",)),
}
FULL = NetSpec((3, 5, 4, 2), (1, 1, 1), ("monomial", "monomial"))  # the group of the polynomial terms


def _inv_fn(module):
    return lambda *ts: module(WeightSpaceFeatures.from_flat(ts))


def _poly_only(layer: PolynomialEquivariant, keep=None) -> PolynomialEquivariant:
    """Zero the Monomial (linear) part and, with ``keep``, every mix but those named."""
    with torch.no_grad():
        for p in layer.linear.parameters():
            p.zero_()
        if keep is not None:
            for name, p in layer.named_parameters():
                if not name.startswith("linear") and name.split(".")[0] not in keep:
                    p.zero_()
    return layer


@pytest.mark.equivariance
@pytest.mark.parametrize("name", list(SPECS))
def test_polynomial_equivariant(name, dtype):
    spec = SPECS[name]
    reps = feature_reps(spec)
    inputs = random_features(spec, 2)
    scale = 1e3 if dtype == torch.float64 else 1e2
    layer = PolynomialEquivariant(spec, 2, 3, seed=1)
    assert_equivariant(flat_fn(layer), inputs, reps, reps, group=MonomialGroup(spec, scale), dtype=dtype)


@pytest.mark.equivariance
def test_polynomial_terms_equivariant_under_full_monomial_group(dtype):
    """Built for ReLU (positive scalings), the polynomial part alone also commutes with signs."""
    layer = _poly_only(PolynomialEquivariant(SPECS["relu_mlp"], 2, 2))
    reps = feature_reps(FULL)
    assert_equivariant(flat_fn(layer), random_features(FULL, 2), reps, reps, group=MonomialGroup(FULL, 1e2), dtype=dtype)


def test_polynomial_terms_sensitivity():
    """Scaling hidden layer 1 without compensating W_2 is not a symmetry of the products."""
    spec = SPECS["relu_mlp"]
    layer = _poly_only(PolynomialEquivariant(spec, 2, 2)).double()
    inputs = tuple(t.double() for t in random_features(spec, 2))
    g = MonomialGroup(spec).sample(torch.Generator().manual_seed(0), dtype=torch.float64)
    reps = feature_reps(spec)
    reps_in = [None if r == WeightRep(2) else r for r in reps]
    assert_sensitive(flat_fn(layer), inputs, reps_in, reps, element=g)
    reps_in = [None if r == WeightRep(3) else r for r in reps]  # the right factors W^(L,t) too
    assert_sensitive(flat_fn(layer), inputs, reps_in, reps, element=g)


@pytest.mark.equivariance
@pytest.mark.parametrize("name", list(SPECS))
def test_polynomial_invariant_and_model(name, dtype):
    spec = SPECS[name]
    scale = 1e3 if dtype == torch.float64 else 1e2
    pool = PolynomialInvariant(spec, 3, out_dim=5)
    inputs = random_features(spec, 3)
    assert _inv_fn(pool)(*inputs).shape == (2, 5)
    assert_invariant(_inv_fn(pool), inputs, feature_reps(spec), group=MonomialGroup(spec, scale), dtype=dtype)
    model = MAGEPNFN(spec, hidden=3, depth=2, poly_dim=4, mlp_hidden=8)
    one = random_features(spec, 1)
    assert_invariant(_inv_fn(model), one, feature_reps(spec), group=MonomialGroup(spec, scale), dtype=dtype)


def _uncompensated(ts, factor=3.0):
    """Scale hidden neuron 0 of layer 1 (row of W_1, entry of b_1) without touching W_2."""
    ts = [t.clone() for t in ts]
    ts[0][:, :, 0] *= factor
    ts[1][:, :, 0] *= factor
    return tuple(ts)


@pytest.mark.parametrize("name", ["relu_mlp", "monomial_mlp"])
def test_invariant_sensitivity(name, dtype):
    spec = SPECS[name]
    pool = PolynomialInvariant(spec, 2, out_dim=3)
    model = MAGEPNFN(spec, hidden=3, poly_dim=4, mlp_hidden=8)
    for fn, c in ((_inv_fn(pool), 2), (_inv_fn(model), 1)):
        assert_sensitive(fn, random_features(spec, c), transform=_uncompensated, dtype=dtype)


def test_chain_products_match_formula():
    spec = NetSpec((2, 3, 4, 2), (1, 1, 1), ("scale", "scale"))
    f = WeightSpaceFeatures.from_flat(tuple(t.double() for t in random_features(spec, 2, batch=1)))
    W = [w[0, 1, :, :, 0] for w in f.weights]  # channel 1
    raw = chain_products(f.weights, normalize=False)
    torch.testing.assert_close(raw[(3, 0)][0, 1], W[2] @ W[1] @ W[0])
    torch.testing.assert_close(raw[(3, 1)][0, 1], W[2] @ W[1])
    torch.testing.assert_close(raw[(2, 0)][0, 1], W[1] @ W[0])
    norm = chain_products(f.weights)
    torch.testing.assert_close(norm[(3, 0)][0, 1], W[2] @ W[1] @ W[0] / math.sqrt(3 * 4))
    torch.testing.assert_close(norm[(1, 0)][0, 1], W[0])


def test_layer_terms_match_formula():
    spec = NetSpec((2, 3, 4, 2), (1, 1, 1), ("scale", "scale"))
    f = WeightSpaceFeatures.from_flat(tuple(t.double() for t in random_features(spec, 1, batch=1)))
    W = [w[0, 0, :, :, 0] for w in f.weights]
    b = [x[0, 0] for x in f.biases]
    layer = PolynomialEquivariant(spec, 1, 1).double()
    psi, psi2 = layer.psi, layer.psi_prime
    n1, n2 = 3, 4
    out = _poly_only(copy.deepcopy(layer), keep=("ww_mix",))(f)
    m = layer.ww_mix[1].item()  # c = c' = 1: E(W)_2 = m [WW]^(2,0)(3,1)
    want = (W[1] @ W[0] / math.sqrt(n1)) @ psi2 @ (W[2] @ W[1] / math.sqrt(n2))
    torch.testing.assert_close(out.weights[1][0, 0, :, :, 0], m * want)
    out = _poly_only(copy.deepcopy(layer), keep=("bw_mix",))(f)
    m = layer.bw_mix[0].item()
    want = torch.outer(b[0], psi @ (W[2] @ W[1] / math.sqrt(n2)) @ W[0] / math.sqrt(n1))
    torch.testing.assert_close(out.weights[0][0, 0, :, :, 0], m * want)
    out = _poly_only(copy.deepcopy(layer), keep=("wb_mix",))(f)
    m = layer.wb_mix[1].item()  # layer 3: [Wb]^(3,1) + [Wb]^(3,2)
    want = W[2] @ W[1] @ b[0] / math.sqrt(n2) + W[2] @ b[1]
    torch.testing.assert_close(out.biases[2][0, 0], m * want)
    inv = PolynomialInvariant(spec, 1).double()
    got = inv.invariants(f)[0, -4:]  # s = 2 traces: tr(W^(2,0) Psi' W^(3,2)), Psi W^(3,2) b_2
    torch.testing.assert_close(got[-2], torch.trace((W[1] @ W[0] / math.sqrt(n1)) @ inv.psi_prime @ W[2]))
    torch.testing.assert_close(got[-1], inv.psi @ W[2] @ b[1])


def test_bad_input_raises():
    spec = SPECS["relu_mlp"]
    layer, pool, model = PolynomialEquivariant(spec, 2, 3), PolynomialInvariant(spec, 2), MAGEPNFN(spec, hidden=2)
    wrong_c = WeightSpaceFeatures.from_flat(random_features(spec, 3))
    with pytest.raises(ValueError, match=r"'features' layer 1.*channel count \(2\)"):
        layer(wrong_c)
    with pytest.raises(ValueError, match="channel count"):
        pool(wrong_c)
    with pytest.raises(ValueError, match="channel count"):
        model(wrong_c)
    other = WeightSpaceFeatures.from_flat(random_features(SPECS["one_hidden"], 2))
    with pytest.raises(ValueError, match="L=3 layers.*matching NetSpec"):
        layer(other)
    wrong_width = WeightSpaceFeatures.from_flat(random_features(NetSpec((3, 6, 4, 2), (1, 1, 1), ("scale", "scale")), 2))
    with pytest.raises(ValueError, match="NetSpec"):
        pool(wrong_width)
    with pytest.raises(ValueError, match="layer.to"):
        layer(WeightSpaceFeatures.from_flat(tuple(t.double() for t in random_features(spec, 2))))
    with pytest.raises(ValueError, match="'depth'"):
        MAGEPNFN(spec, depth=0)
    with pytest.raises(ValueError, match="'c_in'"):
        PolynomialEquivariant(spec, 0, 2)


def test_live_mlp_prediction_invariant_to_group():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    space = nfn.weight_space(net)
    spec = NetSpec.from_space(space)
    assert spec.dims == (3, 6, 5, 2) and spec.kinds == ("scale", "sign")
    model = MAGEPNFN(spec, hidden=3, depth=2).double()
    moved = space.act(space.group.sample(torch.Generator().manual_seed(3), max_scale=1e2))
    assert moved.distance(space) > 1e-3 * float(space.flat().norm())
    x = torch.randn(7, 3, dtype=torch.float64)
    live = moved.load_into(copy.deepcopy(net))
    torch.testing.assert_close(live(x), net(x), atol=1e-10, rtol=0)  # really a symmetry of the live net
    pred = model.predict([nfn.weight_space(net), nfn.weight_space(live)])
    assert pred.shape == (2, 1) and torch.isfinite(pred).all()
    torch.testing.assert_close(pred[0], pred[1], atol=1e-9, rtol=1e-9)
    with torch.no_grad():  # a non-symmetry (uncompensated scaling) changes the prediction
        live[0].weight[0] *= 3.0
        live[0].bias[0] *= 3.0
    other = model.predict([nfn.weight_space(live)])
    assert (other[0] - pred[0]).abs().max() > 1e-6 * pred.abs().max()
    assert "PolynomialEquivariant(3 -> 3" in repr(model.polynomial[0]) and "MAGEPNFN(" in repr(model)
