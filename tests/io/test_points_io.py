"""Point-cloud and OFF readers on files the tests write."""
import numpy as np
import pytest
import torch

from symplugins.io.points import read_off, read_points


def test_read_off_modelnet_header_and_polygons(tmp_path):
    p = tmp_path / "m.off"
    # ModelNet's malformed header: counts glued to 'OFF'; a quad is fan-triangulated
    p.write_text("OFF5 3 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n0 0 1\n4 0 1 2 3\n3 0 1 4\n3 1 2 4\n")
    pos, face = read_off(p)
    assert pos.shape == (5, 3) and pos.dtype == torch.float32
    assert face.tolist() == [[0, 0, 0, 1], [1, 2, 1, 2], [2, 3, 4, 4]]
    q = tmp_path / "n.off"
    q.write_text("OFF\n# comment\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n")
    pos, face = read_off(q, dtype=torch.float64)
    assert pos.dtype == torch.float64 and face.shape == (3, 1)


def test_read_off_errors(tmp_path):
    p = tmp_path / "bad.off"
    p.write_text("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n")
    with pytest.raises(ValueError, match="indexes vertex 7 but there are 3 vertices"):
        read_off(p)
    p.write_text("PLY\n")
    with pytest.raises(ValueError, match="not an OFF file"):
        read_off(p)
    with pytest.raises(FileNotFoundError):
        read_off(tmp_path / "missing.off")


def _cloud():
    return np.random.default_rng(0).normal(size=(6, 3))


def test_xyz_npy_ply_agree(tmp_path):
    pts = _cloud()
    feats = np.arange(6.0)[:, None]
    np.savetxt(tmp_path / "c.xyz", np.hstack([pts, feats]))
    np.save(tmp_path / "c.npy", pts)
    head = "ply\nformat {}\nelement vertex 6\nproperty float x\nproperty float y\nproperty float z\n" \
           "property uchar red\nelement face 0\nproperty list uchar int vertex_indices\nend_header\n"
    rows = "".join(f"{a} {b} {c} {i}\n" for i, (a, b, c) in enumerate(pts.astype(np.float32)))
    (tmp_path / "a.ply").write_text(head.format("ascii 1.0") + rows)
    rec = np.zeros(6, dtype=[("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("red", "u1")])
    rec["x"], rec["y"], rec["z"], rec["red"] = pts[:, 0], pts[:, 1], pts[:, 2], np.arange(6)
    (tmp_path / "b.ply").write_bytes(head.format("binary_little_endian 1.0").encode() + rec.tobytes())
    ref = torch.tensor(pts, dtype=torch.float32)
    pos, x = read_points(tmp_path / "c.xyz")
    torch.testing.assert_close(pos, ref)
    assert x.squeeze(1).tolist() == list(range(6))
    assert read_points(tmp_path / "c.npy")[1] is None
    for name in ("a.ply", "b.ply"):
        pos, x = read_points(tmp_path / name)
        torch.testing.assert_close(pos, ref)
        assert x.squeeze(1).tolist() == list(range(6))


def test_read_points_errors(tmp_path):
    np.save(tmp_path / "flat.npy", np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"expected a non-empty \[N, 3 \+ C\] table"):
        read_points(tmp_path / "flat.npy")
    bad = _cloud()
    bad[2, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(ValueError, match="contain NaN or inf"):
        read_points(tmp_path / "nan.npy")
    (tmp_path / "c.obj").write_text("v 0 0 0\n")
    with pytest.raises(ValueError, match="unsupported point-cloud format '.obj'"):
        read_points(tmp_path / "c.obj")
