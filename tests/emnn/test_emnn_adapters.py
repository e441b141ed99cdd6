"""PyG Batch and PyTorch3D Meshes give the same EMNN outputs; features; pretrained files."""
from __future__ import annotations

import pytest
import torch

from meshes import uv_sphere
from symplugins.emnn import EMNN, from_meshes, from_pyg, mesh_features
from symplugins.groups import random_o3
from symplugins.testing import assert_sensitive

pyg = pytest.importorskip("torch_geometric")
structures = pytest.importorskip("pytorch3d.structures")


def two_meshes():
    gen = torch.Generator().manual_seed(0)
    out = []
    for res in (6, 8):
        pos, face = uv_sphere(res)
        out.append((pos + 0.05 * torch.randn(pos.shape, generator=gen, dtype=torch.float64), face))
    return out


def test_pyg_batch_and_pytorch3d_meshes_agree():
    torch.manual_seed(0)
    model = EMNN(1, 8, 3, layers=2, hierarchy=True, task="node").double()
    meshes = two_meshes()
    batch = pyg.data.Batch.from_data_list([pyg.data.Data(pos=p, face=f) for p, f in meshes])
    p3d = structures.Meshes(verts=[p for p, _ in meshes], faces=[f.T for _, f in meshes])
    a, b = from_pyg(batch), from_meshes(p3d)
    assert a.keys() == b.keys() == {"x", "pos", "edge_index", "face", "batch"}
    ha, pa = model(**a)
    hb, pb = model(**b)
    torch.testing.assert_close(ha, hb)
    torch.testing.assert_close(pa, pb)
    # partner: a different mesh in the PyTorch3D batch changes the outputs
    other = structures.Meshes(verts=[meshes[0][0] * torch.tensor([1.0, 1.0, 1.5], dtype=torch.float64),
                                     meshes[1][0]], faces=[f.T for _, f in meshes])
    assert not torch.allclose(model(**from_meshes(other))[0], ha)


def test_mesh_features_invariant_and_finite(dtype):
    pos, face = two_meshes()[1]
    pos = pos.to(dtype)
    f = mesh_features(pos, face, hks=3)
    assert f.shape == (pos.shape[0], 4) and torch.isfinite(f).all()
    g = random_o3(generator=torch.Generator().manual_seed(0), dtype=dtype, reflect=True)
    f2 = mesh_features(2.5 * pos @ g.T + 1.0, face, hks=3)
    torch.testing.assert_close(f, f2, atol=1e-4 if dtype == torch.float32 else 1e-8, rtol=1e-4)
    assert_sensitive(lambda p: mesh_features(p, face, hks=3), (pos,),
                     transform=lambda a: (a[0] * torch.tensor([1.0, 1.0, 2.0], dtype=dtype),))


def test_from_pyg_needs_faces():
    with pytest.raises(ValueError, match="has no 'face'"):
        from_pyg(pyg.data.Data(pos=torch.randn(5, 3)))


def test_from_pyg_passes_the_precomputed_hierarchy_plan():
    from symplugins.emnn import MeshHierarchyPlan
    torch.manual_seed(0)
    model = EMNN(1, 8, 3, layers=1, hierarchy=True, task="node").double()
    meshes = two_meshes()
    plain = pyg.data.Batch.from_data_list([pyg.data.Data(pos=p, face=f) for p, f in meshes])
    planned = pyg.data.Batch.from_data_list(
        [MeshHierarchyPlan.for_model(model)(pyg.data.Data(pos=p, face=f)) for p, f in meshes])
    inputs = from_pyg(planned)
    assert "hierarchy_plan" in inputs and "hierarchy_plan" not in from_pyg(plain)
    torch.testing.assert_close(model(**inputs)[0], model(**from_pyg(plain))[0], atol=0, rtol=0)
