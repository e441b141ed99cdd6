"""``symplugins mesh``: the shipped models classify / segment a mesh file the test writes."""
from __future__ import annotations

import pytest
import torch

from symplugins.cli import main
from symplugins.models.emnn.pretrained import PRETRAINED, _DIR, load_pretrained

trimesh = pytest.importorskip("trimesh")
pytest.importorskip("torch_geometric")


def write_mesh(path, index: int):
    from symplugins.datasets.meshes import generate_mesh
    d = generate_mesh(index, seed=99, rotate="so3")
    trimesh.Trimesh(d["pos"].numpy(), d["face"].T.numpy(), process=False).export(path)
    return d


@pytest.mark.parametrize("task", ["classify", "segment"])
def test_shipped_models_load_small_and_weights_only(task):
    path = _DIR / PRETRAINED[task]
    assert path.stat().st_size <= 2 * 2**20
    blob = torch.load(path, weights_only=True)
    assert "command" in blob["config"]
    model, cfg = load_pretrained(task)
    assert cfg["task"] == ("graph" if task == "classify" else "node") and not model.training


def test_face_mlp_order_is_read_from_the_file(tmp_path):
    """Same parameter names, different functions: the file's ``face_mlp`` picks the order;
    files without it were trained in the paper's order; unknown orders are refused."""
    blob = torch.load(_DIR / PRETRAINED["classify"], weights_only=True)
    assert blob["config"]["face_mlp"] == "sum-then-silu"
    blob["config"].pop("face_mlp")
    torch.save(blob, tmp_path / "old.pt")
    assert load_pretrained(path=tmp_path / "old.pt")[0].convs[0].paper_face_mlp
    blob["config"]["face_mlp"] = "Linear-SiLU-Linear"
    torch.save(blob, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="face MLP this version does not build.*--save-pretrained"):
        load_pretrained(path=tmp_path / "other.pt")


def test_cli_classify_prints_probabilities(tmp_path, capsys):
    f = tmp_path / "torus.ply"
    write_mesh(f, 2)  # class 2 = torus
    assert main(["mesh", str(f)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    probs = {ln.split()[0]: float(ln.split()[-1]) for ln in lines[1:]}
    assert len(probs) == 7 and abs(sum(probs.values()) - 1) < 1e-2
    assert max(probs, key=probs.get) == "torus"


def test_cli_segment_and_errors(tmp_path, capsys):
    f = tmp_path / "cone.off"
    d = write_mesh(f, 5)
    assert main(["mesh", str(f), "--task", "segment", "--top", "3"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert f"{d['pos'].shape[0]} vertices" in out[0] and len(out) == 4
    assert main(["mesh", str(tmp_path / "missing.obj")]) == 2
    assert "mesh file not found" in capsys.readouterr().err
