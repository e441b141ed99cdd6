"""The shared equivariance helpers must pass real symmetries and catch broken ones."""
import pytest
import torch

from symplugins.groups import (
    NodeAxis, NodeIndex, Point, Scalar, Vector, octahedral, random_rotation,
)
from symplugins.testing import (
    assert_equivariant, assert_invariant, assert_permutation_equivariant, assert_sensitive,
    random_batched_graph,
)


class EquivariantLayer(torch.nn.Module):
    """x -> x * phi(|x|): O(3)-equivariant on vectors."""

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(1, 1)

    def forward(self, v):
        return v * torch.tanh(self.lin(v.norm(dim=-1, keepdim=True)))


class BrokenLayer(EquivariantLayer):
    """Adds a fixed direction: breaks rotation equivariance."""

    def forward(self, v):
        return super().forward(v) + torch.tensor([0.3, 0.0, 0.0], dtype=v.dtype)


def test_equivariant_layer_passes(dtype):
    torch.manual_seed(0)
    v = torch.randn(10, 3)
    report = assert_equivariant(EquivariantLayer(), (v,), [Vector()], [Vector()], dtype=dtype)
    assert report.rows and report.max_error < (1e-9 if dtype == torch.float64 else 1e-4)


def test_broken_layer_fails_with_readable_report(dtype):
    v = torch.randn(10, 3)
    with pytest.raises(AssertionError) as err:
        assert_equivariant(BrokenLayer(), (v,), [Vector()], [Vector()], dtype=dtype)
    text = str(err.value)
    assert "not equivariant" in text and "max|err|" in text and "NO" in text and "random" in text
    assert_sensitive(BrokenLayer(), (v,), [Vector()], [Vector()], element=random_rotation(dtype=dtype), dtype=dtype)


def test_finite_group_checks_all_generators():
    grp = octahedral()
    f = lambda x: (x ** 4).sum(-1)  # noqa: E731  invariant under signed permutations
    report = assert_invariant(f, (torch.randn(7, 3, dtype=torch.float64),), [Vector()], group=grp)
    labels = {r[0] for r in report.rows}
    assert all(any(f"g[{int(i)}]" in lab for lab in labels) for i in grp.generators)
    with pytest.raises(AssertionError):  # x^4 is not SO(3)-invariant
        assert_invariant(f, (torch.randn(7, 3, dtype=torch.float64),), [Vector()], group="SO3")


def test_e3_points_and_translation():
    pos = torch.randn(6, 3, dtype=torch.float64)
    centred = lambda p: p - p.mean(0)  # noqa: E731
    assert_equivariant(centred, (pos,), [Point()], [Vector()], group="E3")
    with pytest.raises(AssertionError):
        assert_equivariant(lambda p: p, (pos,), [Point()], [Vector()], group="E3")


def test_sensitive_rejects_a_symmetry():
    v = torch.randn(5, 3, dtype=torch.float64)
    with pytest.raises(AssertionError, match="did not change"):
        assert_sensitive(EquivariantLayer().double(), (v,), [Vector()], [Vector()], element=random_rotation())
    assert_sensitive(lambda x: x.sum(0), (v,), transform=lambda inp: (inp[0] * 2,))
    with pytest.raises(ValueError, match="exactly one"):
        assert_sensitive(lambda x: x, (v,))


def _message_passing(x, pos, edge_index):
    src, dst = edge_index
    w = torch.exp(-(pos[src] - pos[dst]).pow(2).sum(-1, keepdim=True))
    return torch.zeros_like(x).index_add_(0, dst, w * x[src])


def test_permutation_equivariance_batched():
    pos, edge_index, batch = random_batched_graph((4, 6, 3), complete=False)
    x = torch.randn(pos.shape[0], 5, dtype=torch.float64)
    assert_permutation_equivariant(
        _message_passing, (x, pos, edge_index), [NodeAxis(), NodeAxis(), NodeIndex()], [NodeAxis()],
        num_nodes=pos.shape[0], batch=batch)
    # forgetting to relabel edge_index must be caught
    with pytest.raises(AssertionError):
        assert_permutation_equivariant(
            _message_passing, (x, pos, edge_index), [NodeAxis(), NodeAxis(), None], [NodeAxis()],
            num_nodes=pos.shape[0], batch=batch)


def test_rep_count_mismatch_is_clear():
    with pytest.raises(ValueError, match="one per tensor"):
        assert_equivariant(lambda x: x, (torch.randn(3, 3),), [Vector(), Vector()], [Vector()])


def test_dtype_fixture_sets_default(dtype):
    assert torch.get_default_dtype() == dtype
    assert torch.randn(2).dtype == dtype


def test_scalar_rep_is_identity():
    x = torch.randn(3)
    assert torch.equal(Scalar().act(random_rotation(), x), x)
