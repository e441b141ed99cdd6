"""EMNNConv: E(3)/SE(3) behaviour, permutations, where face messages land, bad input."""
from __future__ import annotations

import pytest
import torch

from meshes import random_mesh_batch
from symplugins.groups import NodeAxis, NodeIndex, Point, Pseudovector, Rep, Vector, random_o3
from symplugins.nn.mesh import EMNNConv, face_normals, face_term
from symplugins.testing import (assert_equivariant, assert_permutation_equivariant,
                                assert_sensitive)

SHEAR = torch.tensor([[1.0, 0.4, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])


class PointAndVectors(Rep):
    """``[N, C, 3]``: channel 0 is a point (translates), channels 1.. are vectors."""

    def act(self, g, x):
        return torch.cat([Point().act(g, x[:, :1]), Vector().act(g, x[:, 1:])], dim=1)


def boosted(conv: EMNNConv) -> EMNNConv:
    """Give the coordinate heads O(1) weights so coordinate errors are not hidden by the 1e-3 init."""
    torch.manual_seed(0)
    for head in (conv.phi_x, conv.phi_xf):
        if head is not None:
            torch.nn.init.normal_(head[-1].weight, std=0.5)
    return conv


def inputs(dtype, channels=4):
    x, pos, ei, face, batch = random_mesh_batch(dtype=dtype, channels=channels)
    return (x, pos, ei, face), batch


GEOM_IN = [None, Point(), None, None]


@pytest.mark.equivariance
@pytest.mark.parametrize("paper_face_mlp", [False, True])
def test_e3_mode_is_e3_equivariant(dtype, paper_face_mlp):
    torch.manual_seed(0)
    conv = boosted(EMNNConv(4, 6, mode="E3", paper_face_mlp=paper_face_mlp))
    args, _ = inputs(dtype)
    assert_equivariant(conv, args, GEOM_IN, [None, Point()], group="E3", dtype=dtype)
    assert_sensitive(conv, args, GEOM_IN, [None, Point()], element=SHEAR.to(dtype))


@pytest.mark.equivariance
def test_se3_mode_rotations_only(dtype):
    torch.manual_seed(0)
    conv = boosted(EMNNConv(4, 6, mode="SE3"))
    args, _ = inputs(dtype)
    assert_equivariant(conv, args, GEOM_IN, [None, Point()], group="SE3", dtype=dtype)
    # documented: the paper's face term n_f is a pseudovector, a reflection breaks pos'
    reflection = random_o3(generator=torch.Generator().manual_seed(3), dtype=dtype, reflect=True)
    assert_sensitive(conv, args, GEOM_IN, [None, Point()], element=reflection)


@pytest.mark.equivariance
def test_multichannel_e3(dtype):
    torch.manual_seed(0)
    conv = boosted(EMNNConv(4, 5, vector_channels=(2, 3), mode="E3"))
    (x, pos, ei, face), _ = inputs(dtype)
    normal = torch.randn(pos.shape, dtype=dtype, generator=torch.Generator().manual_seed(1))
    args = (x, torch.stack([pos, normal], 1), ei, face)
    rep = [None, PointAndVectors(), None, None]
    assert_equivariant(conv, args, rep, [None, PointAndVectors()], group="E3", dtype=dtype)
    assert_sensitive(conv, args, rep, [None, PointAndVectors()], element=SHEAR.to(dtype))
    assert conv(*args)[1].shape == (pos.shape[0], 3, 3)


@pytest.mark.equivariance
def test_vertex_permutations(dtype):
    torch.manual_seed(0)
    conv = boosted(EMNNConv(4, 6))
    args, batch = inputs(dtype)
    reps = [NodeAxis(0), NodeAxis(0), NodeIndex(), NodeIndex()]
    assert_permutation_equivariant(conv, args, reps, [NodeAxis(0), NodeAxis(0)],
                                   num_nodes=args[1].shape[0], batch=batch, dtype=dtype)
    # partner: permuting the rows without relabelling the indices is not a symmetry
    perm = torch.randperm(args[1].shape[0], generator=torch.Generator().manual_seed(0))
    assert_sensitive(conv, args, transform=lambda a: (a[0][perm], a[1][perm], a[2], a[3]))


def test_face_normal_is_a_pseudovector(dtype):
    """Why E3 mode exists: under x -> Qx the raw normal becomes det(Q) Q n_f."""
    (_, pos, _, face), _ = inputs(dtype)
    X = pos.unsqueeze(1)
    assert_equivariant(face_normals, (X, face), [Point(), None], Pseudovector(), group="E3")
    with pytest.raises(AssertionError):
        assert_equivariant(face_normals, (X, face), [Point(), None], Vector(), group="E3")


def _reference_face_term(h, X, face, phi_f, phi_xf):
    """Slow loop over faces and corners: where every corner message must land (default order:
    ``q = phi_f[:3](x)`` per corner, ``m_i = silu(sum q)``, ``Phi_f(q)`` along the normal)."""
    m_out = torch.zeros(h.shape[0], phi_f[2].out_features, dtype=h.dtype)
    dX = torch.zeros_like(X)
    for f in range(face.shape[1]):
        p = face[:, f].tolist()
        n = torch.linalg.cross(X[p[0]] - X[p[1]], X[p[0]] - X[p[2]], dim=-1)
        area = 0.5 * n.norm(dim=-1)
        for k in range(3):
            others = (h[p[(k + 1) % 3]] + h[p[(k + 2) % 3]]) / 2
            q = phi_f[:3](torch.cat([h[p[k]], others, area]))
            m_out[p[k]] += q
            dX[p[k]] += phi_xf(q).view(-1, 1) * n
    return torch.nn.functional.silu(m_out), dX


def test_face_messages_land_on_their_corners():
    torch.manual_seed(0)
    conv = boosted(EMNNConv(3, 3, mode="SE3")).double()
    h = torch.randn(6, 3, dtype=torch.float64)
    X = torch.randn(6, 1, 3, dtype=torch.float64)
    face = torch.tensor([[0, 1, 2], [3, 5, 4]]).T  # two faces, distinct vertex ids
    m, dX = face_term(h, X, face, conv.phi_f, conv.phi_xf, 1)
    m_ref, dX_ref = _reference_face_term(h, X, face, conv.phi_f, conv.phi_xf)
    torch.testing.assert_close(m, m_ref)
    torch.testing.assert_close(dX, dX_ref)
    # the reference code's bug (scattering face-major) would put messages elsewhere
    wrong = face.T.reshape(-1)
    assert not torch.allclose(m.new_zeros(m.shape).index_add_(0, wrong, conv.phi_f(torch.cat([
        h[face.reshape(-1)], (h[face.roll(-1, 0).reshape(-1)] + h[face.roll(-2, 0).reshape(-1)]) / 2,
        (0.5 * torch.linalg.cross(X[face[0]] - X[face[1]], X[face[0]] - X[face[2]], dim=-1)
         .norm(dim=-1)).repeat(3, 1)], -1))), m_ref)


def test_faces_do_not_leak_between_components():
    torch.manual_seed(0)
    conv = boosted(EMNNConv(3, 3)).double()
    h, X = torch.randn(6, 3, dtype=torch.float64), torch.randn(6, 3, dtype=torch.float64)
    face, no_edges = torch.tensor([[0, 1, 2], [3, 4, 5]]).T, torch.zeros(2, 0, dtype=torch.long)
    h1, x1 = conv(h, X, no_edges, face)
    h2, X2 = h.clone(), X.clone()
    h2[3:] += 1.0
    X2[3:] = torch.randn(3, 3, dtype=torch.float64)
    h2o, x2o = conv(h2, X2, no_edges, face)
    torch.testing.assert_close(h1[:3], h2o[:3])
    torch.testing.assert_close(x1[:3], x2o[:3])
    assert not torch.allclose(h1[3:], h2o[3:])


def test_degenerate_and_nonmanifold_faces_stay_finite():
    conv = boosted(EMNNConv(2, 2)).double()
    X = torch.tensor([[0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=torch.float64)
    X.requires_grad_(True)
    # repeated vertex, collinear triangle, and three faces sharing edge (0, 1) (non-manifold)
    face = torch.tensor([[0, 0, 1], [0, 1, 2], [0, 1, 3], [0, 1, 4], [1, 0, 3]]).T
    ei = torch.tensor([[0, 1, 1, 2, 0, 3, 0, 4], [1, 0, 2, 1, 3, 0, 4, 0]])
    h, x = conv(torch.randn(5, 2, dtype=torch.float64), X, ei, face)
    (h.sum() + x.sum()).backward()
    assert torch.isfinite(h).all() and torch.isfinite(x).all() and torch.isfinite(X.grad).all()


@pytest.mark.parametrize("mutate, match", [
    (lambda a: (a[0], a[1], a[2], a[3] + 100), "'face' has values"),
    (lambda a: (a[0], a[1], a[2], a[3].T.contiguous()), r"PyTorch3D faces are \[F, 3\]"),
    (lambda a: (a[0][:0], a[1][:0], a[2][:, :0], a[3][:, :0]), "no vertices"),
    (lambda a: (a[0], a[1].clone().fill_(float("nan")), a[2], a[3]), "'pos' contains"),
    (lambda a: (a[0][:, :2], a[1], a[2], a[3]), "feature channels"),
    (lambda a: (a[0], a[1], a[2].float(), a[3]), "'edge_index' must be an integer"),
])
def test_bad_inputs(mutate, match):
    conv = EMNNConv(4, 4).double()
    args, _ = inputs(torch.float64)
    with pytest.raises(ValueError, match=match):
        conv(*mutate(args))


def test_constructor_validation_and_repr():
    with pytest.raises(ValueError, match="'mode' must be one of"):
        EMNNConv(4, 4, mode="O3")
    with pytest.raises(ValueError, match="'vector_channels' must be"):
        EMNNConv(4, 4, vector_channels=(0, 2))
    conv = EMNNConv(4, 8, vector_channels=(2, 2))
    n = sum(p.numel() for p in conv.parameters())
    assert repr(conv) == f"EMNNConv(4 -> 8, vectors 2 -> 2, faces, mode=E3 | {n:,} params)"
    assert "no faces" in repr(EMNNConv(4, 4, use_faces=False))
    assert "paper phi_f" in repr(EMNNConv(4, 4, paper_face_mlp=True))
    conv.reset_parameters()
    assert conv.phi_xf[-1].weight.abs().max() < 1e-2
    torch.testing.assert_close(conv.mix.detach(), torch.eye(1))
