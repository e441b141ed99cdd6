import pytest
import torch

from symplugins.groups import (
    FiniteGroup, cyclic, dihedral, get_group, icosahedral, klein_four, octahedral, tetrahedral,
)

GROUPS = [
    (cyclic(1), 1), (cyclic(5), 5), (dihedral(2), 4), (dihedral(6), 12), (klein_four(), 4),
    (tetrahedral(), 12), (octahedral(), 24), (icosahedral(), 60),
]


@pytest.mark.parametrize("group,order", GROUPS, ids=lambda g: getattr(g, "name", str(g)))
def test_order_and_tables(group: FiniteGroup, order: int):
    n = len(group)
    assert n == order == group.order
    m = group.matrices
    assert m.shape == (n, 3, 3) and m.dtype == torch.float64
    assert torch.allclose(torch.linalg.det(m), torch.ones(n, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(m @ m.transpose(1, 2), torch.eye(3, dtype=torch.float64).expand(n, 3, 3), atol=1e-12)
    assert torch.allclose(m[group.identity], torch.eye(3, dtype=torch.float64))
    # homomorphism: M[cayley[i, j]] == M[i] @ M[j]
    assert torch.allclose(m[group.cayley], m[:, None] @ m[None, :], atol=1e-10)
    # Latin square (closure + cancellation) and inverses
    for row in group.cayley:
        assert sorted(row.tolist()) == list(range(n))
    assert torch.equal(group.cayley[torch.arange(n), group.inverse], torch.zeros(n, dtype=torch.long))
    # associativity via the table
    c = group.cayley
    assert torch.equal(c[c[:, :, None], torch.arange(n)[None, None, :]], c[torch.arange(n)[:, None, None], c[None, :, :]])


@pytest.mark.parametrize("group", [g for g, _ in GROUPS[1:]], ids=lambda g: g.name)
def test_generators_generate(group):
    reached = {group.identity}
    frontier = [group.identity]
    while frontier:
        new = []
        for h in frontier:
            for gi in group.generators.tolist():
                k = int(group.cayley[gi, h])
                if k not in reached:
                    reached.add(k)
                    new.append(k)
        frontier = new
    assert len(reached) == len(group)


def test_octahedral_is_signed_permutations():
    m = octahedral().matrices
    assert torch.all((m.abs() == 1).sum(-1) == 1)


def test_regular_representation_is_homomorphism():
    g = tetrahedral()
    rep = g.regular_representation()
    for i in range(len(g)):
        for j in (0, 3, 7):
            assert torch.equal(rep[i] @ rep[j], rep[int(g.cayley[i, j])])


@pytest.mark.parametrize("name,order", [("octahedral", 24), ("O", 24), ("C4", 4), ("cyclic_3", 3),
                                        ("D6", 12), ("I", 60), ("tetrahedral", 12), ("V4", 4)])
def test_get_group(name, order):
    assert len(get_group(name)) == order


@pytest.mark.parametrize("bad", ["hexahedral", "C0", "Q8"])
def test_get_group_unknown(bad):
    with pytest.raises(ValueError, match="unknown group name|positive integer"):
        get_group(bad)


def test_cyclic_rejects_bad_n():
    with pytest.raises(ValueError, match="positive integer"):
        cyclic(0)
