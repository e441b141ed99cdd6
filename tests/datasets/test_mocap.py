"""Motion capture data: the synthetic 31-joint walker, GMN's pickle layout, GMN's split and samples."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from symplugins.datasets import mocap


def test_synthetic_walker_is_a_rigid_skeleton_that_walks():
    edges, X = mocap.synthetic_walk(trials=3, frames=240, seed=1)
    assert len(X) == 3 and all(x.shape == (240, 31, 3) for x in X) and len(edges) == 30
    for x in X:
        bones = np.stack([np.linalg.norm(x[:, c] - x[:, p], axis=-1) for p, c in edges], 1)
        assert bones.std(0).max() < 1e-5 and bones.min() > 0.01       # fixed bone lengths
        speed = np.linalg.norm(x[-1, 0, [0, 2]] - x[0, 0, [0, 2]]) / 2.0  # 240 frames = 2 s
        assert 0.9 < speed < 1.7                                          # walking pace (m/s)
        assert x[:, 16, 1].min() > x[:, 4, 1].max()                       # head above the feet
    assert not np.allclose(X[0], X[1])                                    # trials differ
    np.testing.assert_array_equal(mocap.synthetic_walk(trials=1, frames=10, seed=1)[1][0], X[0][:10])


def test_skeleton_edges_bones_and_two_hop_pairs():
    ei, ea = mocap.skeleton_edges([(0, 1), (1, 2), (2, 3)], 4)
    pairs = {(int(a), int(b)): float(w) for a, b, w in zip(ei[0], ei[1], ea[:, 0])}
    assert pairs == {(0, 1): 1, (1, 0): 1, (1, 2): 1, (2, 1): 1, (2, 3): 1, (3, 2): 1,
                     (0, 2): 0, (2, 0): 0, (1, 3): 0, (3, 1): 0}
    ei, _ = mocap.skeleton_edges(mocap.BONES, 31, two_hop=False)
    assert ei.shape == (2, 60)


def test_forecast_samples_follow_the_protocol():
    X = [np.arange(40 * 2 * 3, dtype=np.float32).reshape(40, 2, 3) + 1000 * i for i in range(3)]
    s = mocap.forecast_samples(X, [1, 2], 50, delta=30, seed=0)
    assert s["loc"].shape == s["vel"].shape == s["target"].shape == (50, 2, 3)
    torch.testing.assert_close(s["vel"], torch.full_like(s["vel"], 6.0))   # one frame = 6 here
    torch.testing.assert_close(s["target"] - s["loc"], torch.full_like(s["loc"], 180.0))
    assert (s["loc"] >= 1000).all()                                        # trial 0 never drawn
    with pytest.raises(ValueError, match="trial ids"):
        mocap.forecast_samples(X, [5], 3)
    with pytest.raises(ValueError, match="'delta'"):
        mocap.forecast_samples(X, [0], 3, delta=0)
    with pytest.raises(ValueError, match="longer than"):
        mocap.forecast_samples(X, [0], 3, delta=45)


def test_motion_pickle_round_trip_and_bad_files(tmp_path):
    edges, X = mocap.synthetic_walk(trials=2, frames=50)
    path = tmp_path / "motion.pkl"
    mocap.save_motion_pkl(path, edges, X)
    e2, X2 = mocap.load_motion_pkl(path)
    assert e2 == edges and all(np.array_equal(a, b) for a, b in zip(X, X2))
    with open(tmp_path / "bad.pkl", "wb") as f:
        pickle.dump({"X": X}, f)
    with pytest.raises(ValueError, match="edges, X"):
        mocap.load_motion_pkl(tmp_path / "bad.pkl")
    mocap.save_motion_pkl(tmp_path / "oob.pkl", [(0, 99)], X)
    with pytest.raises(ValueError, match="outside"):
        mocap.load_motion_pkl(tmp_path / "oob.pkl")
    with pytest.raises(FileNotFoundError, match="synthetic_walk"):
        mocap.load_motion_pkl(tmp_path / "missing.pkl")


def test_gmn_split_covers_the_23_trials_once():
    ids = [i for s in mocap.SPLITS.values() for i in s]
    assert sorted(ids) == list(range(23))
