"""Transformer-NFN invariant layer on live encoders: derived-group invariance, sensitivity, formulas."""
from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from symplugins import nfn
from symplugins.nfn.group import TensorRep, WeightSpaceGroup
from symplugins.nfn.layers import (TransformerNFNEquivariant, TransformerNFNInvariant, block_invariants,
                                   invariant_statistics, transformer_weights, weights_to_state)
from symplugins.nfn.spec import ArchSpec, FactorSpec, Slot
from symplugins.testing import assert_equivariant, assert_invariant, assert_sensitive


def _encoder(dtype, *, seed: int = 0, d_ff: int = 16, batch_first: bool = True, **kw) -> nn.TransformerEncoder:
    torch.manual_seed(seed)
    layer = nn.TransformerEncoderLayer(8, 2, d_ff, dropout=0.0, batch_first=batch_first, **kw)
    model = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).to(dtype).eval()
    with torch.no_grad():  # non-trivial biases and LayerNorm affines so every term matters
        for name, p in model.named_parameters():
            if name.endswith("bias") or "norm" in name:
                p.add_(0.3 * torch.randn_like(p))
    return model


def _tol(dtype) -> float:
    return 1e-4 if dtype == torch.float32 else 1e-9


def _runner(model, space, nfn_layer, others=()):
    """Weight-space tensors -> load into a copy of the live model -> invariant prediction (batched)."""
    live = copy.deepcopy(model)

    def fn(*tensors):
        nfn.WeightSpace(space.spec, dict(zip(space.spec.names, tensors))).load_into(live)
        w = transformer_weights([live, *others])
        return torch.cat([nfn_layer(w), nfn_layer.features(w)], dim=1)
    return fn


@pytest.mark.equivariance
@pytest.mark.parametrize("batch_first", [True, False])
def test_invariant_under_derived_group_of_live_encoder(dtype, batch_first):
    model = _encoder(dtype, batch_first=batch_first)
    x = torch.randn(3, 5, 8, dtype=dtype)
    space = nfn.weight_space(model)
    assert {f.kind for f in space.spec.factors} == {"heads", "neuron"}
    y = model(x)
    for seed in (0, 1):  # the sampled elements are true symmetries of the live network
        g = space.group.sample(torch.Generator().manual_seed(seed), dtype=dtype)
        moved = space.act(g)
        assert moved.distance(space) > 1e-2 * float(space.flat().norm())
        live = moved.load_into(copy.deepcopy(model))
        torch.testing.assert_close(live(x), y, atol=10 * _tol(dtype), rtol=10 * _tol(dtype))
    layer = TransformerNFNInvariant(transformer_weights(model).arch, 2, hidden=16).to(dtype)
    fn = _runner(model, space, layer, others=(_encoder(dtype, seed=7, batch_first=batch_first),))
    assert_invariant(fn, tuple(space.tensors.values()), space.reps(), group=space.group, n_samples=3,
                     dtype=dtype)


def _edit(space, name: str, rows: slice, factor: float):
    def transform(tensors):
        d = dict(zip(space.spec.names, (t.clone() for t in tensors)))
        d[name][rows] *= factor
        return tuple(d.values())
    return transform


@pytest.mark.parametrize("edit", ["query_head_only", "one_mlp_row_only"])
def test_non_symmetries_change_network_and_prediction(dtype, edit):
    model = _encoder(dtype)
    space = nfn.weight_space(model)
    name, rows = {"query_head_only": ("layers.0.self_attn.in_proj_weight", slice(0, 4)),  # W_Q of head 0
                  "one_mlp_row_only": ("layers.1.linear1.weight", slice(2, 3))}[edit]
    transform = _edit(space, name, rows, 2.0)
    x = torch.randn(2, 5, 8, dtype=dtype)
    net = lambda *ts: nfn.WeightSpace(space.spec, dict(zip(space.spec.names, ts))).load_into(  # noqa: E731
        copy.deepcopy(model))(x)
    tensors = tuple(space.tensors.values())
    assert_sensitive(net, tensors, transform=transform)  # not a symmetry of the live network ...
    layer = TransformerNFNInvariant(transformer_weights(model).arch, 1, hidden=16).to(dtype)
    assert_sensitive(_runner(model, space, layer), tensors, transform=transform)  # ... and the NFN sees it


def test_gelu_mlp_scaling_is_not_a_symmetry_and_is_seen(dtype):
    """With GELU the hidden scalings are not symmetries: the features must not quotient them out."""
    model = _encoder(dtype, activation="gelu")
    space = nfn.weight_space(model)
    w = transformer_weights(model)
    assert not w.arch.mlp_scale

    def scaled(tensors):
        d = dict(zip(space.spec.names, (t.clone() for t in tensors)))
        d["layers.0.linear1.weight"][1] *= 3.0
        d["layers.0.linear1.bias"][1] *= 3.0
        d["layers.0.linear2.weight"][:, 1] /= 3.0
        return tuple(d.values())
    layer = TransformerNFNInvariant(w.arch, 1, hidden=16).to(dtype)
    assert_sensitive(_runner(model, space, layer), tuple(space.tensors.values()), transform=scaled)


def test_product_formulas_by_hand_on_one_block(dtype):
    torch.manual_seed(3)
    block = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0).to(dtype).eval()
    sa, (e, h, dk) = block.self_attn, (8, 2, 4)
    w_in, b_in, w_out = sa.in_proj_weight.detach(), sa.in_proj_bias.detach() + 0.5, sa.out_proj.weight.detach()
    with torch.no_grad():
        sa.in_proj_bias.copy_(b_in)
    bw = transformer_weights(block).blocks[0]
    x = torch.randn(5, 8, dtype=dtype)
    q, k, v = F.linear(x, w_in, b_in).split(e, dim=-1)  # torch's own projections, heads consecutive
    for j in range(h):
        cols = slice(j * dk, (j + 1) * dk)
        torch.testing.assert_close(x @ bw.wq[0, j] + bw.bq[0, j], q[:, cols])
        torch.testing.assert_close(x @ bw.wk[0, j] + bw.bk[0, j], k[:, cols])
        torch.testing.assert_close(x @ bw.wv[0, j] + bw.bv[0, j], v[:, cols])
        torch.testing.assert_close(bw.wo[0, j], w_out[:, cols].T)
    f = block_invariants(bw, transformer_weights(block).arch)
    qk = sum(w_in[j * dk:(j + 1) * dk].T @ w_in[e + j * dk:e + (j + 1) * dk] for j in range(h))
    vo = sum(w_in[2 * e + j * dk:2 * e + (j + 1) * dk].T @ w_out[:, j * dk:(j + 1) * dk].T for j in range(h))
    torch.testing.assert_close(f["qk"][0], qk)
    torch.testing.assert_close(f["vo"][0], vo)
    # the score bilinear form of all heads together: sum_h q_h k_h^T = x QK x^T + bias couplings
    scores = sum(q[:, j * dk:(j + 1) * dk] @ k[:, j * dk:(j + 1) * dk].T for j in range(h))
    by_features = x @ f["qk"][0] @ x.T + (x @ f["q_bk"][0])[:, None] + (x @ f["k_bq"][0])[None, :] + f["bqk"][0]
    torch.testing.assert_close(scores, by_features)
    torch.testing.assert_close(f["w2w1"][0], block.linear2.weight.detach() @ block.linear1.weight.detach())
    torch.testing.assert_close(f["w2b1"][0], block.linear2.weight.detach() @ block.linear1.bias.detach())


def test_batch_stacks_models_and_repr(dtype):
    models = [_encoder(dtype, seed=s) for s in range(3)]
    w = transformer_weights(models)
    layer = TransformerNFNInvariant(w.arch, 2, hidden=8).to(dtype)
    assert w.batch_size == 3 and w.blocks[0].wq.shape == (3, 2, 8, 4) and w.blocks[1].w2.shape == (3, 8, 16)
    one = torch.cat([layer(transformer_weights(m)) for m in models])
    torch.testing.assert_close(layer(w), one)
    assert repr(layer) == ("TransformerNFNInvariant(2 blocks x (D=8, 2 heads, D_A=16) -> 604 invariants -> 2 "
                           f"| {sum(p.numel() for p in layer.parameters())} weights)")


def test_bad_inputs_raise_clear_errors():
    enc = _encoder(torch.float64)
    with pytest.raises(ValueError, match=r"'models\[0\]' is a Linear.*nn.TransformerEncoderLayer or nn.Transf"):
        transformer_weights(nn.Linear(3, 3))
    with pytest.raises(ValueError, match="non-empty list"):
        transformer_weights([])
    with pytest.raises(ValueError, match=r"'models\[1\]' has architecture .*split the list by architecture"):
        transformer_weights([enc, _encoder(torch.float64, d_ff=12)])
    with pytest.raises(ValueError, match=r"'models\[1\]' has architecture .*norm_first=True"):
        transformer_weights([enc, _encoder(torch.float64, norm_first=True)])
    with pytest.raises(ValueError, match=r"'models\[1\]' has dtype/device .*cast all models"):
        transformer_weights([enc, _encoder(torch.float32)])
    layer = TransformerNFNInvariant(transformer_weights(enc).arch)
    with pytest.raises(ValueError, match=r"build a layer per architecture"):
        layer(transformer_weights(_encoder(torch.float64, d_ff=12)))
    with pytest.raises(ValueError, match=r"float64.*cast the layer or the encoders"):
        layer(transformer_weights(enc))  # layer is float32
    with pytest.raises(ValueError, match="'arch' must be a TransformerArch"):
        TransformerNFNInvariant(8)


def _equivariant_runner(model, space, layer):
    live = copy.deepcopy(model)

    def fn(*tensors):
        nfn.WeightSpace(space.spec, dict(zip(space.spec.names, tensors))).load_into(live)
        return tuple(weights_to_state(layer(transformer_weights(live)), space).values())
    return fn


def _residual_permutation_spec(space) -> ArchSpec:
    """A NON-symmetry for the bare encoder: permuting the fixed model axis D in every tensor."""
    slots = []
    for name, shape in space.spec.tensors:
        if name.endswith(("in_proj_weight", "linear1.weight")):
            slots.append(Slot(name, 1, "in"))
        elif not name.endswith("in_proj_bias") and not name.endswith("linear1.bias"):
            slots.append(Slot(name, 0, "out"))
    return ArchSpec(space.spec.tensors, (FactorSpec("d_model", "neuron", 8, tuple(slots)),))


@pytest.mark.equivariance
@pytest.mark.parametrize("final_norm", [False, True])
def test_equivariant_layer_under_derived_group(dtype, final_norm):
    model = _encoder(dtype)
    if final_norm:
        model.norm = nn.LayerNorm(8).to(dtype)
    space = nfn.weight_space(model)
    w = transformer_weights(model)
    assert all(torch.equal(a, space.tensors[k]) for k, a in weights_to_state(w, space).items())  # round trip
    layer = TransformerNFNEquivariant(w.arch).to(dtype)
    fn, tensors, reps = _equivariant_runner(model, space, layer), tuple(space.tensors.values()), space.reps()
    assert_equivariant(fn, tensors, reps, reps, group=space.group, n_samples=3, dtype=dtype)
    fake = _residual_permutation_spec(space)
    fake_reps = [TensorRep(fake, n) for n in fake.names]
    g = WeightSpaceGroup(fake).sample(torch.Generator().manual_seed(0), dtype=dtype)
    assert_sensitive(fn, tensors, fake_reps, fake_reps, element=g)


def test_equivariant_layer_output_loads_and_errors():
    model = _encoder(torch.float64, batch_first=False)
    space, w = nfn.weight_space(model), transformer_weights(model)
    layer = TransformerNFNEquivariant(w.arch).double()
    out = space.replace(weights_to_state(layer(w), space)).load_into(copy.deepcopy(model))
    assert out(torch.randn(5, 2, 8, dtype=torch.float64)).isfinite().all()
    assert repr(layer) == ("TransformerNFNEquivariant(2 blocks x (D=8, 2 heads) -> same | "
                           f"{sum(p.numel() for p in layer.parameters())} weights)")
    with pytest.raises(ValueError, match="build a layer per architecture"):
        layer(transformer_weights(_encoder(torch.float64, d_ff=12)))
    with pytest.raises(ValueError, match="cast the layer or the encoders"):
        layer.float()(w)
    with pytest.raises(ValueError, match="'arch' must be a TransformerArch"):
        TransformerNFNEquivariant("arch")


def _stats_runner(model, space):
    live = copy.deepcopy(model)

    def fn(*tensors):
        nfn.WeightSpace(space.spec, dict(zip(space.spec.names, tensors))).load_into(live)
        return invariant_statistics(transformer_weights(live))
    return fn


@pytest.mark.equivariance
def test_invariant_statistics_are_invariant_and_see_non_symmetries(dtype):
    """STATNN statistics of the invariants: unchanged by the derived group (GL, scalings up to
    1e3), changed by a non-symmetry; raw STATNN statistics are not invariant (the contrast)."""
    model = _encoder(dtype)
    space = nfn.weight_space(model)
    tensors = tuple(space.tensors.values())
    fn = _stats_runner(model, space)
    out = fn(*tensors)
    assert out.shape == (1, 7 * 16 * 2) and torch.isfinite(out).all()
    assert_invariant(fn, tensors, space.reps(), group=space.group, n_samples=3, dtype=dtype)
    assert_sensitive(fn, tensors, transform=_edit(space, "layers.0.self_attn.in_proj_weight", slice(0, 4), 2.0))
    g = space.group.sample(torch.Generator().manual_seed(0), max_scale=10.0, dtype=dtype)
    assert not torch.allclose(nfn.statnn_features(space.act(g)), nfn.statnn_features(space), rtol=1e-3)


def test_invariant_statistics_by_hand_and_bad_input():
    model = _encoder(torch.float64)
    w = transformer_weights(model)
    stats = invariant_statistics(w)
    qk = block_invariants(w.blocks[0], w.arch)["qk"][0].flatten()
    expect = torch.cat([qk.mean()[None], qk.var(unbiased=False)[None],
                        torch.quantile(qk, torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0], dtype=qk.dtype))])
    torch.testing.assert_close(stats[0, :7], expect)  # "qk" is the first invariant of block 0
    with pytest.raises(ValueError, match="transformer_weights"):
        invariant_statistics(model)
