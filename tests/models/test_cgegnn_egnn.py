"""EGNN baseline: E(3) equivariance (positions as points, velocities as vectors) + partner."""
import torch

from symplugins.groups import Point, Vector
from symplugins.models.egnn import EGNN
from symplugins.testing import assert_equivariant, assert_sensitive, random_batched_graph


def test_egnn_equivariant(dtype):
    torch.manual_seed(0)
    model = EGNN(1, 8, layers=2, edge_in=1)
    for layer in model.layers:  # the paper's tiny init of phi_x makes x' ~ x + v: make it non-trivial
        torch.nn.init.normal_(layer.phi_x[-1].weight, std=0.5)
    x, ei, _ = random_batched_graph((4, 3), dtype=dtype)
    h, v, a = torch.randn(7, 1), torch.randn(7, 3), torch.randn(ei.shape[1], 1)
    inputs = (h, x, v, ei, a)
    assert_equivariant(model, inputs, [None, Point(), Vector(), None, None], [Point()], group="E3", dtype=dtype)
    stretch = torch.diag(torch.tensor([1.5, 1.0, 1.0], dtype=dtype))
    assert_sensitive(model, inputs, [None, Point(), Vector(), None, None], [Point()], element=stretch)
