"""CG-EGNN: E(3) and permutation equivariance, sensitivity partners, bad input, dtypes."""
import pytest
import torch

from symplugins.cgegnn import CGEGNN
from symplugins.groups import Isometry, NodeAxis, NodeIndex, Point, Vector
from symplugins.testing import (
    assert_equivariant, assert_permutation_equivariant, assert_sensitive, random_batched_graph,
)

SIZES = (4, 5, 3)


def _inputs(dtype, complete=False):
    gen = torch.Generator().manual_seed(0)
    pos, edge_index, batch = random_batched_graph(SIZES, dtype=dtype, generator=gen, complete=complete, p=0.7)
    n = pos.shape[0]
    scalars = torch.randn(n, 2, generator=gen, dtype=torch.float64).to(dtype)
    vectors = torch.randn(n, 1, 3, generator=gen, dtype=torch.float64).to(dtype)
    return scalars, vectors, pos, edge_index, batch


def _model(hops, **kw):
    torch.manual_seed(0)
    return CGEGNN(2, 1, 6, 2, 2, layers=2, hops=hops, **kw)


@pytest.mark.equivariance
@pytest.mark.parametrize("hops", [1, 3])
def test_e3_equivariant(hops, dtype):
    model = _model(hops)
    inputs = _inputs(dtype)
    reps_in = [None, Vector(), Point(), None, None]
    assert_equivariant(model, inputs, reps_in, [None, Vector()], group="E3", dtype=dtype)


@pytest.mark.equivariance
def test_e3_equivariant_deeper_mlps(dtype):
    """CGENN's n-body depth: two geometric-product blocks per message / node MLP."""
    model = _model(2, mlp_products=2)
    assert len(model.convs[0].message) == 9 and len(model.convs[0].update) == 9
    assert_equivariant(model, _inputs(dtype), [None, Vector(), Point(), None, None], [None, Vector()],
                       group="E3", dtype=dtype)


@pytest.mark.equivariance
def test_permutation_equivariant_batched(dtype):
    model = _model(2)
    s, v, pos, ei, batch = _inputs(dtype)
    fn = lambda s, v, pos, ei: model(s, v, pos, ei, batch)  # noqa: E731
    assert_permutation_equivariant(fn, (s, v, pos, ei), [NodeAxis(), NodeAxis(), NodeAxis(), NodeIndex()],
                                   [NodeAxis(), NodeAxis()], num_nodes=pos.shape[0], batch=batch)


@pytest.mark.parametrize("mlp_products", [1, 2])
def test_sensitivity_partner_absolute_positions(mlp_products):
    """Feeding absolute positions as a vector input must break translation equivariance."""
    model = CGEGNN(2, 2, 6, 2, 2, layers=1, hops=2, mlp_products=mlp_products)
    s, v, pos, ei, batch = _inputs(torch.float64)
    model = model.double()
    fn = lambda s, v, pos, ei, b: model(s, torch.cat([v, pos[:, None]], 1), pos, ei, b)  # noqa: E731
    shift = Isometry(torch.eye(3, dtype=torch.float64), torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
    assert_sensitive(fn, (s, v, pos, ei, batch), [None, Vector(), Point(), None, None],
                     [None, Vector()], element=shift)
    # and the honest model is fine with the same element
    assert_equivariant(lambda *a: model(a[0], torch.cat([a[1], a[1]], 1), *a[2:]),
                       (s, v, pos, ei, batch), [None, Vector(), Point(), None, None], [None, Vector()], group="E3")


@pytest.mark.parametrize("kernel", ["sparse", "fused-eager"])
@pytest.mark.parametrize("hops", [1, 3])
def test_blade_major_equals_blade_last_reference(hops, kernel):
    """The default blade-major computation equals CGENN's blade-last layout (outputs, gradients)."""
    s, v, pos, ei, batch = _inputs(torch.float64)
    model = _model(hops, kernel=kernel, edge_in=2).double()
    with torch.no_grad():  # biases and gates off their zero initialisation
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    w = torch.rand(ei.shape[1], dtype=torch.float64)
    attr = torch.randn(ei.shape[1], 2, dtype=torch.float64)
    assert model.blade_major
    outs = {}
    for bm in (True, False):
        model.blade_major = bm
        model.zero_grad()
        out = model(s, v, pos, ei, batch, edge_weight=w, edge_attr=attr)
        (out[0].square().sum() + out[1].square().sum()).backward()
        h = model.multivectors(s, v, pos, ei, batch, edge_weight=w, edge_attr=attr)
        assert h.is_contiguous() and h.shape == (pos.shape[0], 6, 8)
        outs[bm] = [*out, h, *(p.grad for p in model.parameters())]
    for a, b in zip(outs[True], outs[False]):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("edge_channels", [0, 2])
def test_split_message_equals_message_mlp_on_concatenation(edge_channels):
    """The first message map runs per node, then is gathered: same as phi_m([h_i, h_j, x_e, a_e])."""
    from symplugins.cgegnn import CliffordAlgebra, CliffordGraphConv
    from symplugins.models.cgegnn.layers import BLADE_LAST, BLADE_MAJOR
    torch.manual_seed(0)
    alg = CliffordAlgebra((1, 1, 1)).double()
    conv = CliffordGraphConv(alg, 3, edge_channels=edge_channels).double()
    with torch.no_grad():
        conv.message[0].bias.normal_()
    pos, ei, _ = random_batched_graph((4, 3), dtype=torch.float64)
    src, dst = ei
    h = torch.randn(pos.shape[0], 3, 8, dtype=torch.float64)
    x_edge = alg.embed(pos[dst] - pos[src], 1).unsqueeze(1)
    a = alg.embed(torch.randn(ei.shape[1], edge_channels, 1, dtype=torch.float64), 0) if edge_channels else None
    ref = conv.message(torch.cat([h[dst], h[src], x_edge] + ([a] if edge_channels else []), dim=1))
    torch.testing.assert_close(conv._message(h, x_edge, a, src, dst, BLADE_LAST), ref)
    bm = lambda t: t.permute(2, 0, 1).contiguous()  # noqa: E731
    got = conv._message(bm(h), bm(x_edge), None if a is None else bm(a), src, dst, BLADE_MAJOR)
    torch.testing.assert_close(got.permute(1, 2, 0), ref)
    # partner: source and target swapped is a different message
    assert (conv._message(h, x_edge, a, dst, src, BLADE_LAST) - ref).abs().max() > 1e-3


def test_edge_weight_gradients_and_double_backward():
    torch.manual_seed(1)
    model = CGEGNN(1, 0, 3, 1, 0, layers=1, hops=2).double()
    pos, ei, _ = random_batched_graph((4,), dtype=torch.float64)
    pos.requires_grad_(True)
    w = torch.rand(ei.shape[1], dtype=torch.float64, requires_grad=True)
    q = torch.randn(4, 1, dtype=torch.float64)
    energy = lambda p, w: model(q, None, p, ei, edge_weight=w)[0].sum()  # noqa: E731
    assert torch.autograd.gradcheck(energy, (pos, w))
    forces, _ = torch.autograd.grad(energy(pos, w), (pos, w), create_graph=True)
    forces.square().sum().backward()  # training on forces needs second derivatives
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert missing == ["head.2.bias"]  # a constant offset has no force


def test_zero_edge_weight_removes_edge():
    model = _model(3).double()
    s, v, pos, ei, batch = _inputs(torch.float64)
    w = torch.ones(ei.shape[1], dtype=torch.float64)
    w[0] = 0.0
    keep = torch.arange(ei.shape[1]) != 0
    a = model(s, v, pos, ei, batch, edge_weight=w)
    b = model(s, v, pos, ei[:, keep], batch)
    torch.testing.assert_close(a, b)


def test_to_float64_and_repr():
    model = _model(2).to(torch.float64)
    s, v, pos, ei, batch = _inputs(torch.float64)
    out = model(s, v, pos, ei, batch)
    assert out[0].dtype == torch.float64 and out[0].shape == (12, 2) and out[1].shape == (12, 2, 3)
    assert repr(model).startswith("CGEGNN(2x0e + 1x1o -> 2x0e + 2x1o | hidden=6, layers=2, hops=2")


def test_bad_input():
    model = _model(2)
    s, v, pos, ei, batch = _inputs(torch.float32)
    with pytest.raises(ValueError, match="'scalars' must have shape"):
        model(s[:-1], v, pos, ei, batch)
    with pytest.raises(ValueError, match="'vectors' must have shape"):
        model(s, v[..., :2], pos, ei, batch)
    with pytest.raises(ValueError, match="'edge_index' has values"):
        model(s, v, pos, ei + 100, batch)
    bad = pos.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="'pos' contains 1 non-finite"):
        model(s, v, bad, ei, batch)
    with pytest.raises(ValueError, match="'edge_weight' must have shape"):
        model(s, v, pos, ei, batch, edge_weight=torch.ones(3))
    with pytest.raises(ValueError, match="'pos' is torch.float64"):
        model(s.double(), v.double(), pos.double(), ei, batch)
    with pytest.raises(ValueError, match="'pos' has no nodes"):
        model(s[:0], v[:0], pos[:0], ei[:, :0])
    with pytest.raises(ValueError, match="'hops'"):
        CGEGNN(1, 1, 4, 1, 1, hops=0)
    with pytest.raises(ValueError, match="'mlp_products'"):
        CGEGNN(1, 1, 4, 1, 1, mlp_products=0)
