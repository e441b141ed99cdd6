"""Weight spaces of live modules: derived groups are true symmetries of the live outputs."""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from symplugins import nfn
from symplugins.nfn import GroupElement, NeuronElement, WeightSpace
from symplugins.nfn.group import apply_slot
from symplugins.testing import assert_invariant, assert_sensitive

from nfn_zoo import _zoo, call

EXPECTED = {  # factor name -> (kind, scale, sign)
    "mlp_sequential": {"0": (8, True, False), "2": (6, False, True), "4": (5, True, False), "6": (5, False, False)},
    "mlp_custom_sin": {"a": (7, False, True), "c": (6, True, False), "d": (5, False, False)},
    "cnn_sequential": {"0": (6, True, False), "3": (5, False, True)},
    "cnn_custom_conv1d": {"conv1": (5, False, False), "conv2": (4, False, True)},
    "transformer_encoder": {"embed": (8, False, False), "encoder.layers.0.self_attn.heads": (2, False, False),
                            "encoder.layers.0.linear1": (12, True, False),
                            "encoder.layers.1.self_attn.heads": (2, False, False),
                            "encoder.layers.1.linear1": (12, True, False)},
    "transformer_tokens_prenorm": {"tok": (8, False, False), "block.self_attn.heads": (4, False, False),
                                   "block.linear1": (16, False, False)},
    "cross_attention": {"q": (6, False, False), "kv": (4, True, False), "attn.heads": (3, False, False)},
    # bare blocks: same factors as inside a wrapper, under the block's own parameter names
    "bare_transformer_encoder": {"layers.0.self_attn.heads": (2, False, False), "layers.0.linear1": (12, True, False),
                                 "layers.1.self_attn.heads": (2, False, False), "layers.1.linear1": (12, True, False)},
    "bare_encoder_layer_postnorm": {"self_attn.heads": (2, False, False), "linear1": (12, True, False)},
    "bare_encoder_layer_prenorm": {"self_attn.heads": (4, False, False), "linear1": (10, False, False)},
    "bare_multihead_attention": {"heads": (3, False, False)},
}


def _runner(model, spec, inputs):
    live = copy.deepcopy(model)

    def fn(*tensors):
        WeightSpace(spec, dict(zip(spec.names, tensors))).load_into(live)
        with torch.no_grad():
            return call(live, inputs)
    return fn


def test_derived_group_structure(zoo_model):
    name, model, _, ex = zoo_model
    space = nfn.weight_space(model, example_inputs=ex)
    got = {f.name: (f.size, f.scale, f.sign) for f in space.spec.factors}
    assert got == EXPECTED[name], space.spec.issues
    assert not space.spec.issues


@pytest.mark.equivariance
def test_group_elements_written_back_keep_outputs(zoo_model):
    _, model, inputs, ex = zoo_model
    space = nfn.weight_space(model, example_inputs=ex)
    y = call(model, inputs).detach()
    for k, seed in enumerate((0, 1)):
        g = space.group.sample(torch.Generator().manual_seed(seed), max_scale=1e3 if k == 0 else 10.0)
        moved = space.act(g)
        assert moved.distance(space) > 1e-3 * float(space.flat().norm())  # really moved
        live = moved.load_into(copy.deepcopy(model))
        torch.testing.assert_close(call(live, inputs).detach(), y, atol=1e-10, rtol=0)


@pytest.mark.equivariance
def test_invariance_with_shared_helper_and_sensitivity(zoo_model):
    name, model, inputs, ex = zoo_model
    space = nfn.weight_space(model, example_inputs=ex)
    fn = _runner(model, space.spec, inputs)
    tensors = tuple(space.tensors.values())
    assert_invariant(fn, tensors, space.reps(), group=space.group, n_samples=3, atol=1e-10, rtol=0)
    first = space.spec.factors[0]  # uncoupled: only the creating layer's rows (or only W_Q) move
    if first.kind == "neuron":
        e = NeuronElement(torch.roll(torch.arange(first.size), 1), torch.ones(first.size, dtype=torch.float64))
        slots = first.primary
    else:
        e = space.group.sample(torch.Generator().manual_seed(5)).parts[first.name]
        slots = tuple(s for s in first.slots if s.role == "q")

    def uncoupled(ts):
        d = dict(zip(space.spec.names, ts))
        for s in slots:
            d[s.param] = apply_slot(d[s.param], s, e)
        return tuple(d.values())
    assert_sensitive(fn, tensors, transform=uncoupled)


def _scale_neuron(space, factor_name, value=2.0):
    f = space.spec.factor(factor_name)
    diag = torch.ones(f.size, dtype=torch.float64)
    diag[0] = value
    return space.act(GroupElement({f.name: NeuronElement(torch.arange(f.size), diag)}))


@pytest.mark.parametrize("case", [("mlp_sequential", "2"), ("mlp_custom_sin", "a"), ("cnn_sequential", "3"),
                                  ("transformer_encoder", "embed"), ("mlp_sequential", "6")])
def test_coupled_scaling_of_non_scalable_neuron_changes_outputs(case):
    name, factor = case
    torch.manual_seed(2)  # the zoo's weights come from the global generator: pin them
    model, inputs, needs = _zoo()[name]
    model = model.double().eval()
    space = nfn.weight_space(model, example_inputs=inputs if needs else None)
    fn = _runner(model, space.spec, inputs)
    assert_sensitive(fn, tuple(space.tensors.values()),
                     transform=lambda ts: tuple(_scale_neuron(space, factor, 4.0).tensors.values()))


def test_heads_need_inverse_transpose_on_keys():
    model, inputs, _ = _zoo()["transformer_encoder"]
    model = model.double().eval()
    space = nfn.weight_space(model, example_inputs=inputs)
    g = space.group.sample(torch.Generator().manual_seed(3))
    f = space.spec.factor("encoder.layers.0.self_attn.heads")
    fake = space.spec.__class__(space.spec.tensors, tuple(
        f.__class__(**{**f.__dict__, "slots": tuple(s for s in f.slots if s.role == "q")}) if x is f else x
        for x in space.spec.factors))
    fn = _runner(model, space.spec, inputs)
    assert_sensitive(fn, tuple(space.tensors.values()),
                     transform=lambda ts: tuple(WeightSpace(fake, space.tensors).act(g).tensors.values()))


def test_round_trip_is_bit_exact(zoo_model):
    _, model, inputs, ex = zoo_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    space = nfn.weight_space(model, example_inputs=ex)
    g = space.group.sample(max_scale=1e3)
    space.act(g).load_into(model)
    space.load_into(model)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_dtype_round_trip(dtype):
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2)).to(dtype)
    space = nfn.weight_space(model)
    assert space.dtype == dtype
    x = torch.randn(4, 3, dtype=dtype)
    y = model(x)
    space.act(space.group.sample(dtype=dtype)).load_into(model)
    tol = 1e-4 if dtype == torch.float32 else 1e-10
    torch.testing.assert_close(model(x), y, atol=tol, rtol=tol)


class _Wrap(nn.Module):
    """A one-line wrapper: the same block, not at the top level."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, *xs):
        return self.block(*xs)


class _WrapEncoder(_Wrap):
    def forward(self, x):
        return self.block(x)


class _WrapAttention(_Wrap):
    def forward(self, q, k, v):
        return self.block(q, k, v)  # the (output, weights) tuple itself is the network output


@pytest.mark.parametrize("name", ["bare_transformer_encoder", "bare_encoder_layer_postnorm",
                                  "bare_encoder_layer_prenorm", "bare_multihead_attention"])
def test_bare_block_gets_the_group_of_the_wrapped_block(name):
    block, _, _ = _zoo()[name]
    wrapped = (_WrapAttention if isinstance(block, nn.MultiheadAttention) else _WrapEncoder)(block)
    bare, inner = nfn.weight_space(block), nfn.weight_space(wrapped)
    assert not bare.spec.issues and not inner.spec.issues
    got = [(f.name, f.size, f.scale, f.sign, tuple(s.param for s in f.slots)) for f in bare.spec.factors]
    want = [(f.name.removeprefix("block."), f.size, f.scale, f.sign,
             tuple(s.param.removeprefix("block.") for s in f.slots)) for f in inner.spec.factors]
    assert got == want and len(got) == len(EXPECTED[name])
    assert list(bare.tensors) == [n for n, _ in block.named_parameters()]  # the block's own names
    for text in (str(nfn.inspect(block)), str(nfn.inspect(wrapped))):
        assert "could not trace" not in text and "not followed" not in text
