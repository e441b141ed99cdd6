"""Vector Neuron layers: SO(3) equivariance (invariance for the read-out) and partners."""
import pytest
import torch

from symplugins.groups import Vector
from symplugins.nn.points import VNBatchNorm, VNInvariant, VNLinear, VNLinearReLU, VNMaxPool, VNReLU, vn_mean_pool
from symplugins.testing import assert_equivariant, assert_invariant, assert_sensitive

pytestmark = pytest.mark.equivariance
SHEAR = torch.tensor([[1.0, 0.7, 0.0], [0.0, 1.0, 0.0], [0.3, 0.0, 1.2]])   # not a rotation


def _bn_with_stats():
    bn = VNBatchNorm(4)
    bn(torch.randn(50, 4, 3) * 3)      # one training step: non-trivial running statistics
    return bn.eval()


def _v():
    return torch.randn(9, 4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64).to(torch.get_default_dtype())


@pytest.mark.parametrize("make", [lambda: VNReLU(4, negative_slope=0.2), lambda: VNReLU(4, share=True),
                                  lambda: VNLinearReLU(4, 5).eval(), _bn_with_stats])
def test_pointwise_layers(make, dtype):
    torch.manual_seed(0)
    layer = make()
    v = _v()
    assert_equivariant(layer, (v,), [Vector()], [Vector()], group="SO3", dtype=dtype)
    assert_sensitive(layer, (v,), [Vector()], [Vector()], element=SHEAR.to(dtype), dtype=dtype)


def test_linear_commutes_with_any_matrix():
    layer = VNLinear(4, 6)
    v = _v()
    assert layer(v).shape == (9, 6, 3)
    torch.testing.assert_close(layer(v @ SHEAR.T), layer(v) @ SHEAR.T)
    assert repr(layer) == "VNLinear(4x1o -> 6x1o | 24 weights)"


def test_pooling_and_invariant_readout(dtype):
    torch.manual_seed(0)
    v, batch = _v(), torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 1])
    pool = VNMaxPool(4)
    assert pool(v, batch).shape == (2, 4, 3)
    assert_equivariant(pool, (v, batch), [Vector(), None], [Vector()], group="SO3", dtype=dtype)
    assert_sensitive(pool, (v, batch), [Vector(), None], [Vector()], element=SHEAR.to(dtype), dtype=dtype)
    torch.testing.assert_close(vn_mean_pool(v, batch)[1], v[4:].mean(0))
    inv = VNInvariant(4).eval()
    assert inv(v).shape == (9, 12)
    assert_invariant(inv, (v,), [Vector()], group="SO3", dtype=dtype)
    assert_sensitive(inv, (v,), [Vector()], [None], element=SHEAR.to(dtype), dtype=dtype)
