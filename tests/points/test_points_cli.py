"""``symplugins points FILE`` with the shipped classifier."""
import numpy as np
import pytest
import torch

from symplugins.cli import main
from symplugins.models.points.pretrained import DEFAULT_CLASSIFIER, classify, load_classifier, prepare_cloud


def test_shipped_classifier_loads_and_is_small():
    assert DEFAULT_CLASSIFIER.stat().st_size <= 2 * 2**20
    model, meta = load_classifier()
    assert meta["config"]["kind"] == "GPointNet" and meta["config"]["group"] == "O"
    assert len(meta["classes"]) == meta["config"]["num_classes"] and "python benchmarks/points.py" in meta["command"]
    probs = classify(model, torch.randn(200, 3), meta["num_points"])
    assert probs.shape == (len(meta["classes"]),) and float(probs.sum()) == pytest.approx(1.0, abs=1e-5)


def test_cli_classifies_files(tmp_path, capsys):
    from symplugins.geometry import make_shape, sample_surface
    shape = make_shape("torus", 16)
    pts = sample_surface(shape.verts.double(), shape.faces, 400, generator=torch.Generator().manual_seed(0)).pos
    np.save(tmp_path / "torus.npy", pts.numpy())
    np.savetxt(tmp_path / "torus.xyz", pts.numpy())
    assert main(["points", str(tmp_path / "torus.npy")]) == 0
    out = capsys.readouterr().out
    assert "400 points ->" in out and out.count("\n") == 8          # header + 7 classes
    probs = [float(line.split()[-1]) for line in out.splitlines()[1:]]
    assert sum(probs) == pytest.approx(1.0, abs=1e-3) and probs == sorted(probs, reverse=True)
    assert main(["points", str(tmp_path / "torus.xyz"), "--top", "2", "--device", "cpu"]) == 0
    assert capsys.readouterr().out.count("\n") == 3


def test_cli_and_prepare_errors(tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.zeros((5, 2)))
    assert main(["points", str(tmp_path / "bad.npy")]) == 2
    assert "expected a non-empty [N, 3 + C] table" in capsys.readouterr().err
    assert main(["points", str(tmp_path / "missing.ply")]) == 2
    with pytest.raises(ValueError, match="'pos' contains NaN"):
        prepare_cloud(torch.tensor([[0.0, float("nan"), 0.0]]), 10)
