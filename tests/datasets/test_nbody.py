"""Charged n-body regeneration: sanity baselines of the reference protocol, caching, errors."""
import numpy as np
import pytest
import torch

from symplugins.datasets import nbody


@pytest.fixture(scope="module")
def small_test_split():
    q, x, v = nbody.draw_initial_states(43, {"train": 0, "valid": 0, "test": 200})["test"]
    loc, vel = nbody.simulate(q, x, v)
    return {"loc": torch.tensor(loc[:, 30]), "vel": torch.tensor(vel[:, 30]),
            "target": torch.tensor(loc[:, 40]), "charges": torch.tensor(q)}


def test_sanity_values(small_test_split):
    """Reference (full test split): x30 ~0.27, x30+v30 ~0.11, best linear ~0.083 at t ~0.74."""
    s = nbody.sanity_mse(small_test_split)
    assert 0.20 < s["static"] < 0.34
    assert 0.09 < s["velocity"] < 0.135
    assert 0.070 < s["linear"] < 0.097
    assert 0.6 < s["t"] < 0.85
    assert s["linear"] < s["velocity"] < s["static"]


def test_protocol_details(small_test_split):
    q = small_test_split["charges"]
    assert set(q.unique().tolist()) == {-1.0, 1.0}
    q1 = small_test_split["charges"][:1].numpy()
    x1, v1 = (a[:1] for a in nbody.draw_initial_states(43, {"train": 2, "valid": 0, "test": 1})["test"][1:])
    loc, vel = nbody.simulate(q1, x1, v1)
    assert loc.shape == (1, 49, 5, 3)
    np.testing.assert_allclose(loc[0, 30], small_test_split["loc"][0].numpy(), rtol=1e-9, atol=1e-9)  # batch-independent
    speeds = np.linalg.norm(v1, axis=1)
    np.testing.assert_allclose(speeds, 0.5)


def test_generate_cache_and_load(tmp_path):
    counts = {"train": 3, "valid": 2, "test": 2}
    path = nbody.generate(tmp_path, counts=counts, progress=False)
    assert path.exists() and nbody.generate(tmp_path, counts=counts) == path
    split = nbody.load_split("valid", tmp_path, counts=counts)
    assert split["loc"].shape == (2, 5, 3) and split["target"].shape == (2, 5, 3)
    assert split["charges"].shape == (2, 5) and split["loc"].dtype == torch.float32
    with pytest.raises(ValueError, match="'split'"):
        nbody.load_split("training", tmp_path, counts=counts)


def test_dynamics_symmetries_used_by_the_benchmark_options():
    """Flipping every charge leaves trajectories unchanged (forces see q_i q_j only); boosting every
    velocity by u moves the positions 10 frames later by an extra u * 10 frames (Galilean). The
    boost holds up to rounding, which close encounters amplify over tens of frames, so it is
    checked over frames 0 -> 10 tightly and over the task's 30 -> 40 for most simulations.
    Partner: a per-particle boost is no symmetry."""
    q, x, v = nbody.draw_initial_states(5, {"train": 8, "valid": 0, "test": 0})["train"]
    loc, _ = nbody.simulate(q, x, v)
    np.testing.assert_array_equal(nbody.simulate(-q, x, v)[0], loc)
    gap = nbody.time_between()
    assert gap == 1.0  # 10 frames x 100 steps x dt 0.001
    shift = lambda a, t: a[:, t + 10] - a[:, t]  # noqa: E731
    u = np.random.default_rng(0).normal(size=(len(x), 3, 1)) * 0.3
    boosted, _ = nbody.simulate(q, x, v + u)
    err = lambda t: np.abs(shift(boosted, t) - shift(loc, t) - u.transpose(0, 2, 1) * gap).max(axis=(1, 2))  # noqa: E731
    assert err(0).max() < 1e-8
    assert np.median(err(30)) < 1e-8
    per_particle = np.random.default_rng(1).normal(size=v.shape) * 0.3
    moved, _ = nbody.simulate(q, x, v + per_particle)
    assert np.abs(shift(moved, 0) - shift(loc, 0) - per_particle.transpose(0, 2, 1) * gap).max() > 1e-2
