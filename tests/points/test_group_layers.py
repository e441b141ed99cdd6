"""GroupLift / GroupConv / GroupPool against a slow reference and for equivariance."""
import pytest
import torch

from symplugins.groups import get_group
from symplugins.nn.points import GroupConv, GroupLift, GroupPool


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
