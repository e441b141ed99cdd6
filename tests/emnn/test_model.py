"""EMNN model: invariant logits, equivariant positions, permutations, hierarchy, bad input."""
from __future__ import annotations

import pytest
import torch

from meshes import random_mesh_batch
from symplugins.groups import NodeAxis, NodeIndex, Point, random_o3
from symplugins.models.emnn.model import EMNN
from symplugins.testing import (assert_equivariant, assert_permutation_equivariant,
                                assert_sensitive)

SHEAR = torch.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
REPS_IN = [None, Point(), None, None, None]


def boosted(model: EMNN) -> EMNN:
    torch.manual_seed(1)
    for conv in model.convs:
        for head in (conv.phi_x, conv.phi_xf):
            if head is not None:
                torch.nn.init.normal_(head[-1].weight, std=0.3)
    return model


def mesh_inputs(dtype):
    x, pos, ei, face, batch = random_mesh_batch(dtype=dtype)
    return (x, pos, ei, face, batch)


CONFIGS = [dict(hierarchy=False, vector_channels=1), dict(hierarchy=True, vector_channels=2)]


@pytest.mark.equivariance
@pytest.mark.parametrize("cfg", CONFIGS, ids=["flat", "hierarchy+normals"])
def test_graph_logits_invariant_positions_equivariant(dtype, cfg):
    torch.manual_seed(0)
    model = boosted(EMNN(3, 8, 4, layers=2, task="graph", **cfg))
    args = mesh_inputs(dtype)
    assert_equivariant(model, args, REPS_IN, [None, Point()], group="E3", dtype=dtype)
    assert_sensitive(model, args, REPS_IN, [None, Point()], element=SHEAR.to(dtype))


@pytest.mark.equivariance
@pytest.mark.parametrize("cfg", CONFIGS, ids=["flat", "hierarchy+normals"])
def test_node_outputs_permutation_equivariant(dtype, cfg):
    torch.manual_seed(0)
    model = boosted(EMNN(3, 8, 5, layers=2, task="node", **cfg))
    args = mesh_inputs(dtype)
    reps = [NodeAxis(0), NodeAxis(0), NodeIndex(), NodeIndex(), NodeAxis(0)]
    assert_permutation_equivariant(model, args, reps, [NodeAxis(0), NodeAxis(0)],
                                   num_nodes=args[1].shape[0], batch=args[4], dtype=dtype)
    perm = torch.randperm(args[1].shape[0], generator=torch.Generator().manual_seed(0))
    assert_sensitive(model, args, transform=lambda a: (a[0], a[1][perm], a[2], a[3], a[4]))


@pytest.mark.equivariance
def test_graph_logits_permutation_invariant(dtype):
    torch.manual_seed(0)
    model = EMNN(3, 8, 4, layers=2, hierarchy=True, task="graph")
    args = mesh_inputs(dtype)
    reps = [NodeAxis(0), NodeAxis(0), NodeIndex(), NodeIndex(), NodeAxis(0)]
    assert_permutation_equivariant(model, args, reps, [None, NodeAxis(0)],
                                   num_nodes=args[1].shape[0], batch=args[4], dtype=dtype)


@pytest.mark.equivariance
def test_se3_mode_documented_reflection_behaviour(dtype):
    torch.manual_seed(0)
    model = boosted(EMNN(3, 8, 4, layers=3, task="graph", mode="SE3", vector_channels=2))
    args = mesh_inputs(dtype)
    assert_equivariant(model, args, REPS_IN, [None, Point()], group="SE3", dtype=dtype)
    g = random_o3(generator=torch.Generator().manual_seed(5), dtype=dtype, reflect=True)
    assert_sensitive(model, args, REPS_IN, [None, Point()], element=g)


def test_meshes_are_independent_in_a_batch():
    """Per-mesh centring/scaling: a mesh's outputs do not depend on the other meshes."""
    torch.manual_seed(0)
    model = boosted(EMNN(3, 8, 4, layers=2, hierarchy=True, task="graph")).double()
    x, pos, ei, face, batch = mesh_inputs(torch.float64)
    logits, p = model(x, pos, ei, face, batch)
    first = batch == 0
    n0 = int(first.sum())
    keep = (face < n0).all(0)
    l0, p0 = model(x[first], pos[first], ei[:, (ei < n0).all(0)], face[:, keep])
    torch.testing.assert_close(l0[0], logits[0])
    torch.testing.assert_close(p0, p[first])
    moved = pos.clone()
    moved[~first] = moved[~first] * 3.0 + 10.0  # move and scale the other meshes only
    torch.testing.assert_close(model(x, moved, ei, face, batch)[0][0], logits[0])


def test_egnn_variant_ignores_faces(dtype):
    model = EMNN(3, 8, 4, layers=2, task="graph", use_faces=False)
    x, pos, ei, face, batch = mesh_inputs(dtype)
    out = model(x, pos, ei, None, batch)[0]
    torch.testing.assert_close(out, model(x, pos, ei, face[:, :3], batch)[0])
    assert "no faces (EGNN)" in repr(model)


def test_bad_model_inputs():
    model = EMNN(3, 8, 4, layers=1).double()
    x, pos, ei, face, batch = mesh_inputs(torch.float64)
    with pytest.raises(ValueError, match="'face' is required"):
        model(x, pos, ei, None, batch)
    with pytest.raises(ValueError, match="'batch' must be sorted"):
        model(x, pos, ei, face, batch.flip(0))
    with pytest.raises(ValueError, match="'face' has values"):
        model(x, pos, ei, face + pos.shape[0], batch)
    with pytest.raises(ValueError, match="no vertices"):
        model(x[:0], pos[:0], ei[:, :0], face[:, :0], batch[:0])
    with pytest.raises(ValueError, match="'task' must be one of"):
        EMNN(3, 8, 4, task="edge")


def test_repr_and_reset():
    model = EMNN(3, 8, 4, layers=2, hierarchy=True, task="graph")
    n = sum(p.numel() for p in model.parameters())
    assert repr(model) == (f"EMNN(3 -> 8 x2 -> 4, task=graph, vectors=1, mode=E3, hierarchy x3 "
                           f"| {n:,} params)")
    model.reset_parameters()


def test_empty_mesh_in_batch_is_an_error():
    model = EMNN(3, 8, 4, layers=1, task="graph").double()
    x, pos, ei, face, batch = mesh_inputs(torch.float64)
    gap = torch.where(batch >= 1, batch + 1, batch)  # mesh 1 has no vertices
    with pytest.raises(ValueError, match=r"mesh\(es\) \[1\] of the batch have no vertices"):
        model(x, pos, ei, face, gap)
