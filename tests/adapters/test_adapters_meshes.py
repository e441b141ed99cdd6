"""PyG Batch and PyTorch3D Meshes/Pointclouds give the same packed input dicts."""
import sys

import pytest
import torch

from symplugins.geometry import make_shape
from symplugins.groups import Point
from symplugins.testing import assert_equivariant, assert_sensitive

pytorch3d_structures = pytest.importorskip("pytorch3d.structures")
pyg_data = pytest.importorskip("torch_geometric.data")

from symplugins.adapters import pyg as PA  # noqa: E402
from symplugins.adapters import pytorch3d as P3  # noqa: E402


def three_meshes():
    gen = torch.Generator().manual_seed(4242)
    return [make_shape(name, resolution=r, generator=gen)
            for name, r in (("torus", 8), ("cone", 12), ("box", 8))]


def test_meshes_and_pyg_batch_give_same_inputs():
    shapes = three_meshes()
    meshes = pytorch3d_structures.Meshes(verts=[s.verts for s in shapes],
                                         faces=[s.faces for s in shapes])
    batch = pyg_data.Batch.from_data_list([PA.to_pyg_mesh(s.verts, s.faces) for s in shapes])
    a, b = P3.mesh_inputs(meshes), PA.mesh_inputs_from_data(batch)
    assert a.keys() == b.keys() == {"pos", "face", "edge_index", "batch"}
    for key in a:
        assert torch.equal(a[key], b[key]), key
    sizes = [s.verts.size(0) for s in shapes]
    assert torch.bincount(a["batch"]).tolist() == sizes
    assert bool((a["batch"][a["edge_index"][0]] == a["batch"][a["edge_index"][1]]).all())
    # round trip back to Meshes
    back = P3.to_meshes(a["pos"], a["face"], a["batch"])
    assert all(torch.equal(f, s.faces) for f, s in zip(back.faces_list(), shapes))


def test_pyg_existing_edge_index_is_kept_and_single_data_gets_zero_batch():
    from torch_geometric.transforms import FaceToEdge
    s = three_meshes()[0]
    data = FaceToEdge(remove_faces=False)(PA.to_pyg_mesh(s.verts, s.faces))
    out = PA.mesh_inputs_from_data(data)
    assert out["edge_index"] is data.edge_index
    assert torch.equal(out["batch"], torch.zeros(s.verts.size(0), dtype=torch.long))
    derived = PA.mesh_inputs_from_data(PA.to_pyg_mesh(s.verts, s.faces))["edge_index"]
    assert torch.equal(derived, data.edge_index)


def test_pointclouds_and_pyg_batch_give_same_inputs():
    gen = torch.Generator().manual_seed(9001)
    pts = [torch.randn(n, 3, generator=gen) for n in (5, 9, 2)]
    feats = [torch.randn(n, 4, generator=gen) for n in (5, 9, 2)]
    clouds = pytorch3d_structures.Pointclouds(points=pts, features=feats)
    batch = pyg_data.Batch.from_data_list([pyg_data.Data(pos=p, x=f) for p, f in zip(pts, feats)])
    a, b = P3.cloud_inputs(clouds), PA.cloud_inputs_from_data(batch)
    assert a.keys() == b.keys() == {"pos", "x", "batch"}
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert P3.cloud_inputs(pytorch3d_structures.Pointclouds(points=pts))["x"] is None
    assert PA.cloud_inputs_from_data(pyg_data.Data(pos=pts[0]))["x"] is None


@pytest.mark.equivariance
def test_mesh_inputs_pos_equivariant_edges_invariant(dtype):
    s = three_meshes()[1]

    def via_pytorch3d(verts):
        out = P3.mesh_inputs(pytorch3d_structures.Meshes(verts=[verts], faces=[s.faces]))
        return out["pos"], out["edge_index"]

    def via_pyg(verts):
        out = PA.mesh_inputs_from_data(PA.to_pyg_mesh(verts, s.faces))
        return out["pos"], out["edge_index"]

    for fn in (via_pytorch3d, via_pyg):
        assert_equivariant(fn, (s.verts,), (Point(),), (Point(), None), group="E3", dtype=dtype)
        assert_sensitive(fn, (s.verts,), transform=lambda x: (x[0] * torch.tensor([1.0, 2, 1]),))


def test_adapter_errors():
    s = three_meshes()[0]
    with pytest.raises(ValueError, match="'meshes' must be a pytorch3d Meshes"):
        P3.mesh_inputs(s.verts)
    with pytest.raises(ValueError, match="'meshes' is empty"):
        P3.mesh_inputs(pytorch3d_structures.Meshes(verts=[], faces=[]))
    with pytest.raises(ValueError, match="'faces' has values in"):
        P3.mesh_inputs(pytorch3d_structures.Meshes(verts=[s.verts[:5]], faces=[s.faces]))
    with pytest.raises(ValueError, match="'data' has no 'face'"):
        PA.mesh_inputs_from_data(pyg_data.Data(pos=s.verts))
    with pytest.raises(ValueError, match="'data' has no 'pos'"):
        PA.cloud_inputs_from_data(pyg_data.Data(x=s.verts))
    with pytest.raises(ValueError, match=r"'data.pos' must have shape \[\*, 3\]"):
        PA.cloud_inputs_from_data(pyg_data.Data(pos=s.verts[:, :2]))
    with pytest.raises(ValueError, match="'clouds' has non-finite"):
        P3.cloud_inputs(pytorch3d_structures.Pointclouds(points=[s.verts * float("nan")]))


def test_missing_host_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pytorch3d.structures", None)
    with pytest.raises(ImportError, match=r"pip install 'symplugins\[pytorch3d\]'"):
        P3.cloud_inputs(object())
    monkeypatch.setitem(sys.modules, "torch_geometric.data", None)
    with pytest.raises(ImportError, match=r"pip install 'symplugins\[pyg\]'"):
        PA.cloud_inputs_from_data(object())
