"""Hierarchy pieces: canonical FPS, continuous radius pooling, and the baselines."""
from __future__ import annotations

import torch

from meshes import random_mesh_batch
from symplugins.groups import NodeAxis, NodeIndex, Point, random_o3
from symplugins.models.emnn.baselines import MeshGCN
from symplugins.models.emnn.hierarchy import MeshHierarchy, canonical_fps
from symplugins.testing import assert_permutation_equivariant, assert_sensitive


def test_canonical_fps_is_equivariant(dtype):
    _, pos, _, _, batch = random_mesh_batch(dtype=dtype)
    idx = canonical_fps(pos, batch, 0.25)
    counts = torch.bincount(batch[idx])
    assert counts.tolist() == [-(-int(n) // 4) for n in torch.bincount(batch)]
    g = random_o3(generator=torch.Generator().manual_seed(0), dtype=dtype)
    assert torch.equal(canonical_fps(pos @ g.T + 3.0, batch, 0.25), idx)
    perm = torch.argsort(batch * 1000 + torch.randperm(len(batch), generator=torch.Generator().manual_seed(1)))
    inv = torch.argsort(perm)
    assert torch.equal(perm[canonical_fps(pos[perm], batch, 0.25)].sort().values, idx.sort().values)
    assert torch.equal(inv[idx].sort().values, canonical_fps(pos[perm], batch, 0.25).sort().values)


def test_radius_pooling_is_continuous_at_the_cutoff():
    """A point moving across the pooling radius changes the output continuously."""
    torch.manual_seed(0)
    hier = MeshHierarchy(4, stages=1, ratio=0.5, radius=1.0).double()
    # FPS picks B = (5,0,0) then C = (0,0,0.2); D sits on the radius-1 sphere around C
    pos = torch.tensor([[0.0, 0, 0], [5.0, 0, 0], [0.0, 0, 0.2], [1.0 - 1e-7, 0, 0.2]], dtype=torch.float64)
    h, batch = torch.randn(4, 4, dtype=torch.float64), torch.zeros(4, dtype=torch.long)
    h[3] = 5.0  # D's message would dominate the max without the cutoff
    assert canonical_fps(pos, batch, 0.5).tolist() == [1, 2]
    inside = hier(h, pos, batch)
    pos2 = pos.clone()
    pos2[3, 0] = 1.0 + 1e-7
    torch.testing.assert_close(hier(h, pos2, batch), inside, atol=1e-5, rtol=0)
    pos2[3, 0] = 0.3  # partner: well inside, D does change the pooled features
    assert not torch.allclose(hier(h, pos2, batch), inside, atol=1e-3)


def test_meshgcn_is_not_rotation_invariant_but_permutation_equivariant(dtype):
    torch.manual_seed(0)
    model = MeshGCN(3, 8, 4, layers=2)
    x, pos, ei, face, batch = random_mesh_batch(dtype=dtype)
    args = (x, pos, ei, face, batch)
    reps = [NodeAxis(0), NodeAxis(0), NodeIndex(), NodeIndex(), NodeAxis(0)]
    assert_permutation_equivariant(model, args, reps, [NodeAxis(0), NodeAxis(0)],
                                   num_nodes=pos.shape[0], batch=batch, dtype=dtype)
    g = random_o3(generator=torch.Generator().manual_seed(2), dtype=dtype, reflect=False)
    assert_sensitive(model, args, [None, Point(), None, None, None], [None, Point()], element=g)
