"""O(3) equivariance (rotations and reflections, all grades) of the Clifford layers."""
import pytest
import torch

from symplugins.clifford import CliffordAlgebra, Multivector
from symplugins.nn.clifford import MVLayerNorm, MVLinear, MVNormalize, MVSiLU, SteerableGeometricProduct
from symplugins.testing import assert_equivariant, assert_sensitive

C = 4


def _layers(alg):
    return {
        "linear": MVLinear(alg, C, 3),
        "gp": SteerableGeometricProduct(alg, C),
        "normalize": MVNormalize(alg, C),
        "silu": MVSiLU(alg, C),
        "layernorm": MVLayerNorm(alg, C),
    }


def _perturb(layer):
    """Give the zero-initialised parameters random values so every path is exercised."""
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return layer


class _BladeMajor(torch.nn.Module):
    """A layer run in its blade-major layout ``[dim, ..., C]``, seen from the blade-last API."""

    def __init__(self, layer):
        super().__init__()
        self.layer, self.rep_in, self.rep_out = layer, layer.rep_in, layer.rep_out

    def forward(self, x):
        return self.layer(x.movedim(-1, 0).contiguous(), blade_major=True).movedim(0, -1)


@pytest.mark.equivariance
@pytest.mark.parametrize("layout", ["blade_last", "blade_major"])
@pytest.mark.parametrize("name", ["linear", "gp", "normalize", "silu", "layernorm"])
def test_layer_o3_equivariant(name, layout, dtype):
    torch.manual_seed(0)
    layer = _perturb(_layers(CliffordAlgebra((1, 1, 1)))[name])
    if layout == "blade_major":
        layer = _BladeMajor(layer)
    x = torch.randn(5, C, 8)
    rep = layer.rep_in
    assert isinstance(rep, Multivector)
    assert_equivariant(layer, [x], [rep], [layer.rep_out], group="O3", dtype=dtype)
    # sensitivity partner: a non-orthogonal map (a stretch) acted through the same
    # outermorphism is not a symmetry; MVLinear commutes with every grade-preserving map,
    # so its partner is a wrong output action (blades reversed)
    stretch = torch.diag(torch.tensor([2.0, 1.0, 0.5], dtype=dtype))
    if name != "linear":
        assert_sensitive(layer, [x], [rep], [rep], element=stretch)
    else:
        assert_sensitive(layer, [x], [Multivector()], [_Swap()], element=stretch)


class _Swap(Multivector):
    def act(self, g, x):
        return super().act(g, x).flip(-1)


def test_layer_shapes_repr_and_dtype():
    alg = CliffordAlgebra((1, 1, 1))
    lin = MVLinear(alg, 4, 6)
    assert lin(torch.randn(2, 3, 4, 8)).shape == (2, 3, 6, 8)
    assert repr(lin) == "MVLinear(4x MV -> 6x MV | 102 weights)"
    gp = SteerableGeometricProduct(alg, 4).to(torch.float64)
    y = gp(torch.randn(7, 4, 8, dtype=torch.float64))
    assert y.dtype == torch.float64 and y.shape == (7, 4, 8)
    assert "paths=20" in repr(gp)
    with pytest.raises(ValueError, match="'in_channels'"):
        MVLinear(alg, 0, 3)


def test_bias_only_on_scalar_blade():
    alg = CliffordAlgebra((1, 1, 1))
    lin = MVLinear(alg, 2, 2)
    with torch.no_grad():
        lin.bias.fill_(1.0)
    y = lin(torch.zeros(1, 2, 8))
    assert torch.all(y[..., 0] == 1) and torch.all(y[..., 1:] == 0)


def test_gp_layer_matches_dense_reference():
    alg = CliffordAlgebra((1, 1, 1)).double()
    gp = SteerableGeometricProduct(alg, 3, include_first_order=False, normalization=False).double()
    x = torch.randn(4, 3, 8, dtype=torch.float64)
    dense = torch.zeros(3, 8, 8, 8, dtype=torch.float64)
    dense[:, alg.left, alg.right, alg.out] = alg.sign * gp.weight[:, alg.path_of_entry]
    ref = torch.einsum("bci,cijk,bcj->bck", x, dense, gp.linear_right(x))
    torch.testing.assert_close(gp(x), ref)


@pytest.mark.parametrize("kernel", ["sparse", "fused-eager"])
@pytest.mark.parametrize("metric", [(1, 1, 1), (1, -1, -1, -1)])
@pytest.mark.parametrize("name", ["linear", "gp", "normalize", "silu", "layernorm"])
def test_blade_major_layout_equals_blade_last(name, metric, kernel):
    """Same function, values and gradients, in both layouts (extra leading dims included)."""
    torch.manual_seed(0)
    alg = CliffordAlgebra(metric, kernel=kernel).double()
    layer = _perturb(_layers(alg)[name]).double()
    x = torch.randn(2, 3, C, alg.dim, dtype=torch.float64, requires_grad=True)
    ref = layer(x)
    got = _BladeMajor(layer)(x)
    torch.testing.assert_close(got, ref, atol=1e-12, rtol=1e-12)
    params = [x, *layer.parameters()]
    for g, r in zip(torch.autograd.grad(got.square().sum(), params), torch.autograd.grad(ref.square().sum(), params)):
        torch.testing.assert_close(g, r, atol=1e-11, rtol=1e-11)
    # partner: the blade-major layer fed blade-last data (transposed axes) is not the same map
    if name != "layernorm":
        y = layer(x.detach().reshape(alg.dim, -1, C), blade_major=True)
        assert (y.reshape(ref.shape) - ref).abs().max() > 1e-3
