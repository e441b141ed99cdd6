"""canonicalize / align / interpolate / edit hooks / inspect / bad input on live models."""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from symplugins import nfn
from symplugins.nfn.layers import MonomialEquivariant, NetSpec

from nfn_zoo import call


def _pair(model, ex, seed=0, max_scale=1e3):
    space = nfn.weight_space(model, example_inputs=ex)
    g = space.group.sample(torch.Generator().manual_seed(seed), max_scale=max_scale)
    return space.act(g).load_into(copy.deepcopy(model)), g


def _max_diff(a, b):
    return max(float((x - y).abs().max()) for x, y in zip(a.state_dict().values(), b.state_dict().values())
               if x.is_floating_point())


def test_canonicalize_preserves_function_and_is_orbit_unique(zoo_model):
    _, model, inputs, ex = zoo_model
    y = call(model, inputs).detach()
    other, _ = _pair(model, ex, max_scale=10.0)
    c1 = nfn.canonicalize(copy.deepcopy(model), example_inputs=ex)
    c2 = nfn.canonicalize(other, example_inputs=ex)
    assert c2 is other  # in place, returns the model
    torch.testing.assert_close(call(c1, inputs).detach(), y, atol=1e-9, rtol=0)
    assert _max_diff(c1, c2) < 1e-8
    assert nfn.canonical_distance(nfn.weight_space(c1, example_inputs=ex)) < 1e-8
    assert nfn.canonical_distance(nfn.weight_space(model, example_inputs=ex)) > 1e-3


def test_align_recovers_hidden_element(zoo_model):
    _, model, inputs, ex = zoo_model
    other, g = _pair(model, ex, seed=1, max_scale=100.0)
    h = nfn.match(nfn.weight_space(other, example_inputs=ex), nfn.weight_space(model, example_inputs=ex))
    for name, e in g.inverse().parts.items():
        assert torch.equal(h.parts[name].perm, e.perm), name
    aligned = nfn.align(other, to=model, example_inputs=ex)
    assert aligned is other and _max_diff(aligned, model) < 1e-8


def test_align_two_trained_like_networks_reduces_distance():
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2)).double()
    b = copy.deepcopy(a)
    with torch.no_grad():  # b = permuted/scaled a + noise: alignment must undo the symmetry part
        for p in b.parameters():
            p.add_(0.05 * torch.randn_like(p))
    b, _ = _pair(b, None, seed=4, max_scale=5.0)
    x = torch.randn(8, 5, dtype=torch.float64)
    yb = b(x).detach()
    d0 = nfn.weight_space(a).distance(nfn.weight_space(b))
    nfn.align(b, to=a)
    torch.testing.assert_close(b(x).detach(), yb, atol=1e-10, rtol=0)
    assert nfn.weight_space(a).distance(nfn.weight_space(b)) < 0.2 * d0


def test_interpolate_endpoints_and_bad_t():
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2)).double()
    b = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2)).double()
    x = torch.randn(5, 3, dtype=torch.float64)
    torch.testing.assert_close(nfn.interpolate(a, b, 0.0)(x), a(x), atol=1e-10, rtol=0)
    torch.testing.assert_close(nfn.interpolate(a, b, 1.0)(x), b(x), atol=1e-10, rtol=0)
    mid = nfn.interpolate(a, b, 0.5)
    assert mid is not a and not torch.allclose(mid(x), a(x))
    same, _ = _pair(a, None, seed=2)
    torch.testing.assert_close(nfn.interpolate(a, same, 0.5)(x), a(x), atol=1e-10, rtol=0)
    with pytest.raises(ValueError, match="'t' must be a finite float"):
        nfn.interpolate(a, b, float("nan"))
    with pytest.raises(ValueError, match="different architectures"):
        nfn.interpolate(a, nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double(), 0.5)


def test_edit_hooks_symmetry_edit_nfn_edit_and_remove():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    x = torch.randn(5, 3, dtype=torch.float64)
    y = model(x).detach()
    g = nfn.weight_space(model).group.sample(max_scale=100.0)
    with nfn.edit_weights(model, lambda space: space.act(g)):
        torch.testing.assert_close(model(x), y, atol=1e-10, rtol=0)  # a symmetry edit keeps the function
    editor_nfn = MonomialEquivariant(NetSpec.from_space(nfn.weight_space(model)), 1, 1).double()
    handle = nfn.edit_weights(model, nfn.nfn_editor(editor_nfn, scale=0.5))
    out = model(x)
    assert not torch.allclose(out, y)
    out.sum().backward()
    assert all(p.grad is not None for p in editor_nfn.parameters())
    handle.remove()
    assert torch.equal(model(x), y) and "0.weight" in dict(model.named_parameters())
    with pytest.raises(TypeError, match="'editor' must be callable"):
        nfn.edit_weights(model, 3)


def test_inspect_reports(zoo_model):
    name, model, _, ex = zoo_model
    rep = nfn.inspect(model, example_inputs=ex)
    text = str(rep)
    assert "symmetry group" in text and "STATNN" in text
    d = rep.to_dict()
    assert d["n_params"] == sum(p.numel() for p in model.parameters())
    assert len(d["factors"]) == len(nfn.weight_space(model, example_inputs=ex).spec.factors) > 0
    assert len(d["stats"]) == len(list(model.parameters())) and d["canonical_distance"] > 0


def test_inspect_with_predictor():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 2)).double()
    space = nfn.weight_space(model)
    pred = nfn.MonomialNFN(NetSpec.from_space(space), hidden=4).double()
    rep = nfn.inspect(model, predictor=pred)
    assert len(rep.predictions) == 1 and "predictor output" in str(rep)
    other, _ = _pair(model, None, max_scale=1e3)
    assert abs(nfn.inspect(other, predictor=pred).predictions[0] - rep.predictions[0]) < 1e-9
    with pytest.raises(ValueError, match="use a predictor for this architecture"):
        nfn.inspect(nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2)).double(), predictor=pred)


class Unknown(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.bn = nn.Linear(3, 5), nn.Linear(5, 4), nn.BatchNorm1d(4)
        self.c, self.d = nn.Linear(4, 4), nn.Linear(4, 2)

    def forward(self, x):
        h = torch.cumsum(torch.relu(self.a(x)), dim=-1)  # unknown op: a's neurons must be fixed
        h = self.bn(self.b(h))                          # training-mode BatchNorm: b's neurons fixed
        return self.d(torch.relu(self.c(h)))            # c keeps its group


def test_unsupported_reported_and_group_restricted_soundly():
    model = Unknown().double()  # training mode on purpose
    space = nfn.weight_space(model)
    issues = "\n".join(map(str, space.spec.issues))
    assert "cumsum" in issues and "bn: BatchNorm in training mode" in issues
    assert [f.name for f in space.spec.factors] == ["c"]
    text = str(nfn.inspect(model))
    assert "restrictions" in text and "cumsum" in text
    model.eval()
    x = torch.randn(6, 3, dtype=torch.float64)
    y = model(x).detach()
    space.act(space.group.sample(max_scale=1e3)).load_into(model)
    torch.testing.assert_close(model(x).detach(), y, atol=1e-10, rtol=0)


@pytest.mark.parametrize("call_it", [lambda: nfn.weight_space(3), lambda: nfn.inspect(3),
                                     lambda: nfn.canonicalize("x")], ids=["weight_space", "inspect", "canonicalize"])
def test_non_module_is_a_value_error(call_it):
    with pytest.raises(ValueError, match="'model' must be a torch.nn.Module, got (int|str)") as info:
        call_it()
    assert isinstance(info.value, nfn.NotAModuleError) and isinstance(info.value, TypeError)


def test_align_and_interpolate_name_the_bad_argument():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(ValueError, match="'to' must be a torch.nn.Module, got str"):
        nfn.align(m, to="x")
    with pytest.raises(ValueError, match="'model_b' must be a torch.nn.Module, got int"):
        nfn.interpolate(m, 3, 0.5)


def test_align_without_scipy_names_the_nfn_extra(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)  # import now raises ImportError
    a = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(ImportError, match=r"nfn.align / nfn.interpolate.*pip install 'symplugins\[nfn\]'"):
        nfn.align(copy.deepcopy(a), to=a)
    with pytest.raises(ImportError, match=r"symplugins\[nfn\]"):
        nfn.interpolate(a, copy.deepcopy(a), 0.5)


def test_bad_inputs():
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        nfn.weight_space("not a model")
    with pytest.raises(ValueError, match="has no parameters"):
        nfn.weight_space(nn.Sequential(nn.ReLU()))
    mixed = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1).to(torch.float64))
    with pytest.raises(ValueError, match="mixes parameter dtypes"):
        nfn.inspect(mixed)
    devices = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1).to("meta"))
    with pytest.raises(ValueError, match="parameters on several devices"):
        nfn.canonicalize(devices)
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(ValueError, match="does not match this weight space"):
        nfn.weight_space(m).load_into(nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1)))
    with pytest.raises(ValueError, match="'example_inputs': running the model"):
        nfn.weight_space(m, example_inputs=(torch.randn(2, 5),))
    with pytest.raises(ValueError, match="not a plain chain"):
        from nfn_zoo import TinyTransformer
        nfn.weight_space(TinyTransformer()).to_features()
    with pytest.raises(ValueError, match="must be a GroupElement"):
        nfn.weight_space(m).act("g")
    with pytest.raises(ValueError, match="'predictor' must be a MonomialNFN or a callable"):
        nfn.inspect(m, predictor=3)


def test_parameter_free_nfn_is_a_clear_error():
    """An editor or predictor without parameters has no device / dtype to send features to."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    with pytest.raises(ValueError, match="'nfn' has no parameters"):
        with nfn.edit_weights(model, nfn.nfn_editor(nn.Identity())):
            model(torch.randn(2, 3, dtype=torch.float64))
    from symplugins.nfn.layers.features import predict_from_spaces
    with pytest.raises(ValueError, match="'predictor' has no parameters"):
        predict_from_spaces(nn.Identity(), [nfn.weight_space(model)])
