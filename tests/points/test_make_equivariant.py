"""make_equivariant on a backbone the package never saw: exact invariance / equivariance."""
import pytest
import torch
from torch import nn

from symplugins.groups import Vector, get_group, random_rotation
from symplugins.points import GroupAveraged, GroupLifted, make_equivariant
from symplugins.testing import assert_equivariant, assert_invariant, assert_sensitive

GROUPS = ["C5", "D3", "V4", "T", "O", "I"]
pytestmark = pytest.mark.equivariance


class MaxPoolMLP(nn.Module):
    """An unseen backbone ``f(pos, batch) -> [B, C]``: random MLP + per-cloud max pool."""

    def __init__(self, out=4):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, out))

    def forward(self, pos, batch):
        h = self.net(pos)
        out = h.new_zeros(int(batch.max()) + 1, h.shape[1])
        return out.scatter_reduce(0, batch[:, None].expand_as(h), h, "amax", include_self=False)


class FeatVectors(nn.Module):
    """``f(x, pos, batch) -> [N, 2, 3]``: per-point vectors from an MLP (not equivariant)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 6))

    def forward(self, x, pos, batch):
        return self.net(torch.cat([x, pos], -1)).view(-1, 2, 3)


def _cloud(dtype=None, n=(7, 9)):
    g = torch.Generator().manual_seed(3)
    pos = torch.randn(sum(n), 3, generator=g, dtype=torch.float64).to(dtype or torch.get_default_dtype())
    batch = torch.cat([torch.full((k,), i) for i, k in enumerate(n)])
    return pos, batch


@pytest.mark.parametrize("name", GROUPS)
@pytest.mark.parametrize("mode", ["average", "lift"])
def test_invariant_all_groups(name, mode, dtype):
    torch.manual_seed(0)
    f = MaxPoolMLP()
    m = make_equivariant(f, name, mode, chunk_size=7, **({"channels": 4} if mode == "lift" else {}))
    pos, batch = _cloud()
    assert_invariant(m, (pos, batch), [Vector(), None], group=name, dtype=dtype)
    # every element, not only generators + random ones
    with torch.no_grad():   # all elements at once: |G| rotated copies of the batch as one batch
        y = m(pos, batch)
        mats = get_group(name).matrices.to(pos.dtype)
        big = (pos @ mats.transpose(1, 2)).reshape(-1, 3)
        offs = torch.arange(len(mats)).repeat_interleave(pos.shape[0]) * 2
        err = float((m(big, batch.repeat(len(mats)) + offs).view(len(mats), *y.shape) - y).abs().max())
        assert err <= (1e-5 if dtype == torch.float32 else 1e-12) * max(1.0, float(y.abs().max()))
    # the partner: a rotation outside the group changes the raw backbone and the wrapped one
    r = random_rotation(generator=torch.Generator().manual_seed(1), dtype=dtype)
    assert_sensitive(f, (pos, batch), [Vector(), None], [None], element=r)
    assert_sensitive(m, (pos, batch), [Vector(), None], [None], element=r)


@pytest.mark.parametrize("name", ["C4", "O", "I"])
@pytest.mark.parametrize("mode", ["average", "lift"])
def test_vector_outputs_equivariant(name, mode, dtype):
    torch.manual_seed(0)
    pos, batch = _cloud()
    x = torch.randn(pos.shape[0], 2)
    m = make_equivariant(FeatVectors(), name, mode, output="vector", **({"channels": 2} if mode == "lift" else {}))
    assert m(x, pos, batch).shape == (16, 2, 3)
    assert_equivariant(m, (x, pos, batch), [None, Vector(), None], [Vector()], group=name, dtype=dtype)
    r = random_rotation(generator=torch.Generator().manual_seed(2), dtype=dtype)
    assert_sensitive(m, (x, pos, batch), [None, Vector(), None], [Vector()], element=r, dtype=dtype)


def test_per_point_scalars_and_single_vectors():
    torch.manual_seed(0)
    pos, batch = _cloud()
    net = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 3))
    scal = make_equivariant(lambda pos, batch: net(pos), "T", output="scalar")
    assert scal(pos, batch).shape == (16, 3)
    assert_invariant(scal, (pos, batch), [Vector(), None], group="T")
    vec = make_equivariant(lambda pos, batch: net(pos), "T", "lift", output="vector", channels=1)
    assert vec(pos, batch).shape == (16, 3)
    assert_equivariant(vec, (pos, batch), [Vector(), None], [Vector()], group="T")


def test_chunking_and_checkpoint_match():
    torch.manual_seed(0)
    f = MaxPoolMLP()
    pos, batch = _cloud(torch.float64)
    f = f.double()
    full = make_equivariant(f, "O")
    for chunk in (1, 5, 24, 100):
        torch.testing.assert_close(make_equivariant(f, "O", chunk_size=chunk)(pos, batch), full(pos, batch))
    ck = make_equivariant(f, "O", chunk_size=6, checkpoint=True)
    g1 = torch.autograd.grad(full(pos, batch).sum(), f.net[0].weight)[0]
    g2 = torch.autograd.grad(ck(pos, batch).sum(), f.net[0].weight)[0]
    torch.testing.assert_close(g1, g2)


def test_batched_equals_unbatched():
    torch.manual_seed(0)
    m = make_equivariant(MaxPoolMLP(), "I", chunk_size=16)
    pos, batch = _cloud()
    whole = m(pos, batch)
    parts = torch.cat([m(pos[:7], None), m(pos[7:], torch.zeros(9, dtype=torch.long))])
    torch.testing.assert_close(whole, parts)


def test_signature_detection_and_repr():
    m = make_equivariant(FeatVectors(), "O", output="vector")
    assert isinstance(m, GroupAveraged) and m.signature == "x_pos"
    assert make_equivariant(MaxPoolMLP(), "C4").signature == "pos"
    lifted = make_equivariant(MaxPoolMLP(), "V4", "lift", channels=4, out_channels=3)
    assert isinstance(lifted, GroupLifted)
    assert "GroupConv(4xV4reg -> 4xV4reg | 68 weights)" in repr(lifted)
    assert "group=V4 (order 4), output=invariant" in repr(lifted)


def test_bad_inputs():
    f = MaxPoolMLP()
    pos, batch = _cloud()
    with pytest.raises(ValueError, match="unknown group name 'Q8'"):
        make_equivariant(f, "Q8")
    with pytest.raises(ValueError, match="mode must be 'average' or 'lift'"):
        make_equivariant(f, "O", mode="sum")
    with pytest.raises(ValueError, match="output must be one of"):
        make_equivariant(f, "O", output="tensor")
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        make_equivariant(f, "O", chunk_size=0)
    with pytest.raises(ValueError, match="channels only apply to mode='lift'"):
        make_equivariant(f, "O", channels=3)
    with pytest.raises(ValueError, match="needs channels="):
        make_equivariant(f, "O", mode="lift")
    with pytest.raises(ValueError, match="backbone must be a module or function"):
        make_equivariant(3, "O")
    m = make_equivariant(f, "O")
    bad = pos.clone()
    bad[3, 1] = float("nan")
    with pytest.raises(ValueError, match="'pos' contains 1 non-finite"):
        m(bad, batch)
    with pytest.raises(ValueError, match=r"'pos' must have shape \[\*, 3\]"):
        m(pos[:, :2], batch)
    with pytest.raises(ValueError, match="'batch' must be a 1-D tensor"):
        m(pos, batch[:-1])
    with pytest.raises(ValueError, match="'pos' is empty"):
        m(pos[:0], batch[:0])
    xm = make_equivariant(FeatVectors(), "O", output="vector")
    with pytest.raises(ValueError, match="'pos' has dtype torch.float32 but 'x' has torch.float64"):
        xm(torch.randn(pos.shape[0], 2, dtype=torch.float64), pos.float(), batch)
    with pytest.raises(ValueError, match="'x' must be a tensor with one row per point"):
        xm(torch.randn(3, 2), pos, batch)
    with pytest.raises(ValueError, match="output='vector' needs a last axis of size 3"):
        make_equivariant(f, "O", output="vector")(pos, batch)


def _saved_bytes(fn):
    seen = {}

    def pack(t):
        seen[(t.data_ptr(), tuple(t.shape))] = t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn().sum()
    return sum(seen.values())


def test_checkpointed_chunks_save_less_memory():
    torch.manual_seed(0)
    f = nn.Sequential(nn.Linear(3, 64), nn.Tanh(), nn.Linear(64, 64))
    net = lambda pos, batch: f(pos)  # noqa: E731  per-point scalars
    pos, batch = _cloud()
    full = _saved_bytes(lambda: make_equivariant(net, "I")(pos, batch))
    lean = _saved_bytes(lambda: make_equivariant(net, "I", chunk_size=6, checkpoint=True)(pos, batch))
    assert lean * 5 < full


def test_input_dtype_unlike_the_model_is_a_value_error():
    pos, batch = _cloud(torch.float64)
    msg = r"'pos' is torch.float64 but the model is torch.float32; call model.to\(pos\)"
    with pytest.raises(ValueError, match=msg):
        make_equivariant(MaxPoolMLP(), "V4")(pos, batch)
    net = lambda pos, batch: pos[:, :2]  # noqa: E731  a parameter-free backbone follows its input
    with pytest.raises(ValueError, match=msg):  # ... but the group convolutions have parameters
        make_equivariant(net, "V4", mode="lift", channels=2)(pos, batch)
    assert make_equivariant(net, "V4")(pos, batch).dtype == torch.float64
    assert make_equivariant(MaxPoolMLP().double(), "V4")(pos, batch).dtype == torch.float64
