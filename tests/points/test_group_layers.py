"""GroupLift / GroupConv / GroupPool against a slow reference and for equivariance."""
import pytest
import torch

from symplugins.groups import AxisPermutation, GroupIndex, IndexedGroup, RegularRep, Vector, get_group, random_rotation
from symplugins.nn.points import GroupConv, GroupLift, GroupPool
from symplugins.testing import assert_equivariant, assert_invariant, assert_sensitive


def _reference(conv, x):
    grp = conv.group
    out = []
    for g in range(len(grp)):
        acc = 0
        for h in range(len(grp)):
            acc = acc + x[h] @ conv.weight[int(grp.cayley[grp.inverse[h], g])]
        out.append(acc + conv.bias)
    return torch.stack(out)


@pytest.mark.parametrize("name", ["C3", "D4", "T", "O"])
def test_groupconv_matches_reference_and_is_equivariant(name, dtype):
    grp = get_group(name)
    conv = GroupConv(3, 5, grp)
    x = torch.randn(len(grp), 4, 3)
    y = conv(x)
    torch.testing.assert_close(y, _reference(conv, x))
    conv.max_block_weights = 0                               # the low-memory loop path
    torch.testing.assert_close(conv(x), y)
    conv.max_block_weights = GroupConv.max_block_weights
    for h in list(grp.generators) + [torch.tensor(len(grp) - 1)]:
        # (L_h F)(g) = F(h^{-1} g)
        shift = grp.cayley[grp.inverse[int(h)]]
        torch.testing.assert_close(conv(x[shift]), y[shift])
    assert conv.to(torch.float64)(x.double()).dtype == torch.float64


def test_lift_then_pool_is_invariant():
    grp = get_group("I")
    lift, pool = GroupLift(grp), GroupPool("max")
    gen = torch.Generator().manual_seed(0)
    pos = torch.randn(10, 3, dtype=torch.float64, generator=gen)
    w = 0.3 * torch.randn(3, 4, dtype=torch.float64, generator=gen)
    feats = lambda p: pool(torch.tanh(lift(p) @ w).mean(1))  # noqa: E731  mean over points, max over G
    r = grp.matrices[17]
    torch.testing.assert_close(feats(pos @ r.T), feats(pos))
    other = torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1)))[0]
    assert (feats(pos @ other.T) - feats(pos)).abs().max() > 1e-2          # not a symmetry: changes
    # copy g is R_g^{-1} pos
    torch.testing.assert_close(lift(pos)[5], pos @ grp.matrices[5])


def test_reprs_and_errors():
    assert repr(GroupConv(2, 3, "C4")) == "GroupConv(2xC4reg -> 3xC4reg | 27 weights)"
    assert repr(GroupLift("O")) == "GroupLift(point [N, 3] -> [24, N, 3] | group O)"
    with pytest.raises(ValueError, match=r"GroupConv expects x of shape \[4, \*, 2\]"):
        GroupConv(2, 3, "C4")(torch.randn(3, 2))
    with pytest.raises(ValueError, match="reduce must be 'mean' or 'max'"):
        GroupPool("sum")
    with pytest.raises(ValueError, match="unknown group name"):
        GroupConv(2, 3, "X9")


# ---- the same layers through the shared helper: features with a group axis carry RegularRep
GROUPS = ["C3", "D4", "T", "O"]


def _non_cayley(grp) -> AxisPermutation:
    """A relabelling of the group axis that is no left translation (swap two slices)."""
    perm = torch.arange(len(grp))
    perm[[1, 2]] = perm[[2, 1]]
    assert not any(torch.equal(perm, GroupIndex(grp, i).regular_permutation(grp)) for i in range(len(grp)))
    return AxisPermutation(perm)


@pytest.mark.parametrize("name", GROUPS)
def test_regular_rep_is_a_homomorphism(name):
    grp = get_group(name)
    rep, x = RegularRep(grp, axis=1), torch.randn(2, len(grp), 3, dtype=torch.float64)
    elems = IndexedGroup(grp).elements()
    for a in elems[:4]:
        for b in elems:
            ab = GroupIndex(grp, int(grp.cayley[a.index, b.index]))
            assert torch.equal(rep.act(a, rep.act(b, x)), rep.act(ab, x))
        assert torch.equal(rep.act(a.matrix.float(), x), rep.act(a, x))  # a rotation of the group = its index
    with pytest.raises(ValueError, match="not an element of"):
        rep.act(random_rotation(generator=torch.Generator().manual_seed(0)), x)
    with pytest.raises(ValueError, match=f"expects axis 1 of size {len(grp)}"):
        rep.act(elems[1], x.transpose(0, 1))


@pytest.mark.equivariance
@pytest.mark.parametrize("name", GROUPS)
def test_groupconv_equivariant_with_shared_helper(name, dtype):
    grp = get_group(name)
    torch.manual_seed(0)
    conv, x = GroupConv(3, 5, grp), torch.randn(len(grp), 4, 3)
    rep = RegularRep(grp, axis=0)
    assert_equivariant(conv, (x,), [rep], [rep], group=IndexedGroup(grp), dtype=dtype)
    lean = GroupConv(3, 5, grp)
    lean.load_state_dict(conv.state_dict())
    lean.max_block_weights = 0                                 # the low-memory loop path
    assert_equivariant(lean, (x,), [rep], [rep], group=IndexedGroup(grp), dtype=dtype)
    assert_sensitive(conv, (x,), [rep], [rep], element=_non_cayley(grp), dtype=dtype)


@pytest.mark.equivariance
@pytest.mark.parametrize("name", ["C3", "T", "I"])
def test_grouplift_equivariant_and_pool_invariant_with_shared_helper(name, dtype):
    grp = get_group(name)
    pos = torch.randn(10, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    lift, rep = GroupLift(grp), RegularRep(grp, axis=0)
    # rotating the cloud by R_h relabels the copies: F(g) -> F(h^{-1} g) (rotations looked up by matrix)
    assert_equivariant(lift, (pos,), [Vector()], [rep], group=grp, dtype=dtype)
    assert_sensitive(lift, (pos,), [Vector()], [rep], element=_non_cayley(grp), dtype=dtype)
    feats = torch.randn(len(grp), 6, 4, dtype=torch.float64)
    for reduce in ("mean", "max"):
        assert_invariant(GroupPool(reduce), (feats,), [rep], group=IndexedGroup(grp), dtype=dtype)

    def one_slice_shuffled(inputs):  # not a relabelling of the group axis: the pool must see it
        f = inputs[0].clone()
        f[0] = f[0].roll(1, dims=0) * 2.0
        return (f,)
    assert_sensitive(GroupPool("mean"), (feats,), transform=one_slice_shuffled, dtype=dtype)
    # lift -> pointwise features -> pool is invariant to the group, not to other rotations
    w = 0.3 * torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    net = lambda p: GroupPool("max")(torch.tanh(lift(p) @ w.to(p.dtype)).mean(1))  # noqa: E731
    assert_invariant(net, (pos,), [Vector()], group=grp, dtype=dtype)
    other = random_rotation(generator=torch.Generator().manual_seed(2))   # not in the group
    assert_sensitive(net, (pos,), [Vector()], [None], element=other, dtype=dtype)
