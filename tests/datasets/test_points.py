"""Procedural point-cloud dataset and the ModelNet .off reader (on files the test writes)."""
import pytest
import torch

from symplugins.datasets.points import ModelNetOFF, ProceduralPointClouds, generate_cloud


def test_procedural_clouds(tmp_path):
    ds = ProceduralPointClouds(tmp_path, num_per_class=2, num_points=64)
    assert len(ds) == 14 and ds.num_classes == 7 and ds.num_parts == 14
    d = ds[3]
    assert d.pos.shape == (64, 3) and d.normal.shape == (64, 3) and d.part.shape == (64,)
    assert int(d.y) == 3 and float(d.pos.norm(dim=1).max()) < 1.1
    assert torch.bincount(torch.cat([ds[i].y for i in range(len(ds))])).tolist() == [2] * 7
    assert int(torch.cat([ds[i].part for i in range(len(ds))]).max()) < ds.num_parts
    again = ProceduralPointClouds(tmp_path, num_per_class=2, num_points=64)   # cached file, same data
    torch.testing.assert_close(again[5].pos, ds[5].pos)
    test = ProceduralPointClouds(tmp_path, split="test", num_per_class=1, num_points=64)
    assert not torch.allclose(test[0].pos, ds[0].pos)


def test_generate_cloud_rotation_and_errors():
    a = generate_cloud(4, num_points=32, noise=0.0)
    b = generate_cloud(4, num_points=32, noise=0.0, rotate="so3")
    # a rotation preserves the distances to the centroid (both clouds are centred)
    torch.testing.assert_close(a["pos"].norm(dim=1).sort().values, b["pos"].norm(dim=1).sort().values,
                               atol=1e-4, rtol=1e-4)
    assert not torch.allclose(a["pos"], b["pos"], atol=1e-2)
    with pytest.raises(ValueError, match="'num_points' must be a positive int"):
        generate_cloud(0, num_points=0)
    with pytest.raises(ValueError, match="'rotate' must be 'none', 'z' or 'so3'"):
        ProceduralPointClouds("/nonexistent", rotate="x")


def _write_tetra(path, scale):
    v = [(0, 0, 0), (scale, 0, 0), (0, scale, 0), (0, 0, scale)]
    f = [(0, 2, 1), (0, 1, 3), (0, 3, 2), (1, 2, 3)]
    path.write_text(f"OFF{len(v)} {len(f)} 0\n" + "".join(f"{a} {b} {c}\n" for a, b, c in v)
                    + "".join(f"3 {a} {b} {c}\n" for a, b, c in f))


def test_modelnet_off_layout(tmp_path):
    for cls in ("chair", "bed"):
        for split in ("train", "test"):
            (tmp_path / "raw" / cls / split).mkdir(parents=True)
            for i in range(2):
                _write_tetra(tmp_path / "raw" / cls / split / f"{cls}_{i:04d}.off", 1.0 + i)
    ds = ModelNetOFF(tmp_path, split="test", num_points=50)
    assert ds.classes == ["bed", "chair"] and ds.num_classes == 2 and len(ds) == 4
    assert ds[0].pos.shape == (50, 3) and int(ds[2].y) == 1
    assert float(ds[0].pos.norm(dim=1).max()) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="no ModelNet class folders"):
        ModelNetOFF(tmp_path / "empty")
