"""Procedural mesh dataset (PyG InMemoryDataset that generates) and mesh file loaders."""
from __future__ import annotations

import pytest
import torch

pyg = pytest.importorskip("torch_geometric")

from symplugins.datasets.meshes import PART_NAMES, ProceduralMeshes, generate_mesh  # noqa: E402
from symplugins.geometry import SHAPE_CLASSES, is_closed  # noqa: E402
from symplugins.io.meshes import load_mesh  # noqa: E402


def test_generate_mesh_is_valid_and_reproducible():
    a = generate_mesh(9, seed=3, rotate="so3")
    b = generate_mesh(9, seed=3, rotate="so3")
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert int(a["y"]) == 9 % len(SHAPE_CLASSES)
    assert is_closed(a["face"].T)
    n = a["pos"].shape[0]
    assert a["x"].shape == (n, 1) and a["part"].shape == (n,) and torch.isfinite(a["x"]).all()
    assert int(a["edge_index"].max()) < n and int(a["part"].max()) < len(PART_NAMES)
    assert not torch.equal(generate_mesh(9, seed=4)["pos"], a["pos"])  # partner: seeds matter


def test_rotation_only_moves_vertices():
    aligned, rotated = generate_mesh(2, rotate="none"), generate_mesh(2, rotate="so3")
    assert torch.equal(aligned["face"], rotated["face"]) and torch.equal(aligned["part"], rotated["part"])
    torch.testing.assert_close(aligned["x"], rotated["x"], atol=1e-4, rtol=1e-4)  # invariant features
    assert not torch.allclose(aligned["pos"], rotated["pos"])


def test_dataset_generates_caches_and_batches(tmp_path):
    ds = ProceduralMeshes(tmp_path, num_per_class=1, resolutions=(8,))
    assert len(ds) == len(SHAPE_CLASSES) and ds.num_classes == 7 and ds.num_parts == len(PART_NAMES)
    assert [int(d.y) for d in ds] == list(range(7))
    again = ProceduralMeshes(tmp_path, num_per_class=1, resolutions=(8,))  # loads the cache
    assert torch.equal(again[3].pos, ds[3].pos)
    test = ProceduralMeshes(tmp_path, split="test", num_per_class=1, resolutions=(8,))
    assert not torch.equal(test[0].pos, ds[0].pos)
    batch = pyg.data.Batch.from_data_list([ds[0], ds[1]])
    assert int(batch.face.max()) == batch.num_nodes - 1  # faces offset per mesh
    raw = ProceduralMeshes(tmp_path, num_per_class=1, resolutions=(8,), parts="raw")
    assert raw.num_parts == 4 and int(raw[2].part.max()) == 3


@pytest.mark.parametrize("kwargs, match", [
    (dict(split="dev"), "'split' must be one of"), (dict(rotate="so2"), "'rotate' must be"),
    (dict(num_per_class=0), "'num_per_class' must be"),
])
def test_dataset_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ProceduralMeshes(tmp_path, **kwargs)


OFF = "OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 2 3\n"
OBJ = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3 4\n"  # a quad: triangulated


def test_loaders_on_written_files(tmp_path):
    trimesh = pytest.importorskip("trimesh")
    (tmp_path / "m.off").write_text(OFF)
    pos, face = load_mesh(tmp_path / "m.off")
    assert pos.shape == (4, 3) and face.tolist() == [[0, 0], [1, 2], [2, 3]]
    (tmp_path / "m.obj").write_text(OBJ)
    pos, face = load_mesh(tmp_path / "m.obj", dtype=torch.float64)
    assert pos.dtype == torch.float64 and face.shape == (3, 2)
    d = generate_mesh(4)
    trimesh.Trimesh(d["pos"].numpy(), d["face"].T.numpy(), process=False).export(tmp_path / "m.ply")
    pos, face = load_mesh(tmp_path / "m.ply")
    torch.testing.assert_close(pos, d["pos"])
    assert torch.equal(face, d["face"])


def test_loader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="mesh file not found"):
        load_mesh(tmp_path / "missing.off")
    (tmp_path / "cloud.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\n")
    with pytest.raises(ValueError, match="no triangle faces"):
        load_mesh(tmp_path / "cloud.obj")
    (tmp_path / "bad.off").write_text("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n")
    with pytest.raises(ValueError, match="bad.off"):
        load_mesh(tmp_path / "bad.off")
