"""xTB dataset generation: labels, resume without lost or duplicated frames, bad input."""
import numpy as np
import pytest

from symplugins.data import complete_frames, generate, read_frames, repair, starting_geometry

OPTS = dict(every=2, equilibrate=2, seed=3)


def test_generate_labels_and_resume(tmp_path):
    full, part = tmp_path / "full.extxyz", tmp_path / "part.extxyz"
    generate("ethanol", full, frames=5, progress=False, **OPTS)
    generate("ethanol", part, frames=3, progress=False, **OPTS)
    with open(part, "a") as f:  # a job killed while writing frame 4
        f.write("9\nProperties=species:S:1:pos:R:3 energy=-1.0\nC 0.0 0.0")
    generate("ethanol", part, frames=5, progress=False, **OPTS)
    a, b = read_frames(full), read_frames(part)
    assert len(a) == len(b) == 5 and [x.info["frame"] for x in b] == [0, 1, 2, 3, 4]
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.positions, y.positions, atol=1e-5)
        np.testing.assert_allclose(x.get_forces(), y.get_forces(), atol=1e-3)
    assert np.ptp([x.get_potential_energy() for x in a]) > 0  # labels change along MD
    assert abs(b[-1].get_potential_energy() + 310) < 5  # eV scale of GFN2-xTB ethanol


def test_repair_and_count(tmp_path):
    path = tmp_path / "x.extxyz"
    generate("ethanol", path, frames=2, progress=False, **OPTS)
    good = path.read_bytes()
    path.write_bytes(good + good[:50])
    assert repair(path) == 2 and path.read_bytes() == good
    assert complete_frames(path)[0] == 2


def test_resume_with_other_settings_is_refused(tmp_path):
    path = tmp_path / "x.extxyz"
    generate("ethanol", path, frames=1, progress=False, **OPTS)
    with pytest.raises(ValueError, match="was generated with"):
        generate("ethanol", path, frames=2, progress=False, **{**OPTS, "seed": 4})


def test_geometries_and_errors():
    assert len(starting_geometry("aspirin")) == 21
    assert starting_geometry("uracil").get_chemical_formula() == "C4H4N2O2"
    with pytest.raises(ValueError, match="unknown molecule 'water'; choose one of"):
        starting_geometry("water")
    with pytest.raises(ValueError, match="'temperature_K' must be positive"):
        generate("ethanol", "unused.extxyz", frames=1, temperature_K=-5)


def test_cli(tmp_path):
    from symplugins.cli import main

    out = tmp_path / "m.extxyz"
    assert main(["xtb", "malonaldehyde", "--out", str(out), "--frames", "2", "--every", "1",
                 "--equilibrate", "1"]) == 0
    assert len(read_frames(out)) == 2
