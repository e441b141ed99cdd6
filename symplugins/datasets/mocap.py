"""Motion capture forecasting (GMN protocol): CMU subject 35 walking, 31 joints, 30 frames ahead.

Protocol (Huang et al., "Equivariant Graph Mechanics Networks", ICLR 2022): 23 walking trials
of CMU subject #35 (31 joints each), inputs the positions and velocities (frame difference)
at frame ``t``, target the positions at ``t + 30``; trials split into train
``[20, 1, 17, 13, 14, 9, 4, 2, 7, 5, 16]``, validation ``[3, 8, 11, 12, 15, 18]`` and test
``[6, 19, 21, 0, 22, 10]``, with 200 / 600 / 600 samples drawn from them; edges are the
skeleton bones plus the 2-hop pairs.

The CMU data (GMN's ``motion.pkl``) cannot be downloaded here. Users who have the file load it
with :func:`load_motion_pkl`; :func:`synthetic_walk` is the offline stand-in: an articulated
31-joint skeleton in the CMU joint order with fixed bone lengths (metres), driven by forward
kinematics from smooth periodic joint angles (a gait cycle with per-trial speed, cadence,
amplitude, heading and small random extra oscillations). Numbers on the stand-in are not
comparable with published CMU numbers.
"""
from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

__all__ = ["JOINTS", "PARENTS", "BONES", "SPLITS", "synthetic_walk", "load_motion_pkl", "save_motion_pkl",
           "skeleton_edges", "forecast_samples"]

#: CMU ASF joint order (31 joints) and each joint's parent (-1: the root)
JOINTS = ("root", "lhipjoint", "lfemur", "ltibia", "lfoot", "ltoes", "rhipjoint", "rfemur", "rtibia", "rfoot",
          "rtoes", "lowerback", "upperback", "thorax", "lowerneck", "upperneck", "head", "lclavicle", "lhumerus",
          "lradius", "lwrist", "lhand", "lfingers", "lthumb", "rclavicle", "rhumerus", "rradius", "rwrist",
          "rhand", "rfingers", "rthumb")
PARENTS = (-1, 0, 1, 2, 3, 4, 0, 6, 7, 8, 9, 0, 11, 12, 13, 14, 15, 13, 17, 18, 19, 20, 21, 20, 13, 24, 25, 26,
           27, 28, 27)
#: the skeleton's bones (parent, child)
BONES = tuple((p, c) for c, p in enumerate(PARENTS) if p >= 0)
#: GMN's trial split of the 23 walking trials
SPLITS = {"train": (20, 1, 17, 13, 14, 9, 4, 2, 7, 5, 16), "valid": (3, 8, 11, 12, 15, 18),
          "test": (6, 19, 21, 0, 22, 10)}

# rest offsets from the parent (metres; x left, y up, z forward); right side mirrors x
_LEFT = {"hipjoint": (0.09, -0.05, 0.0), "femur": (0.03, -0.40, 0.0), "tibia": (0.0, -0.42, 0.0),
         "foot": (0.0, -0.06, 0.10), "toes": (0.0, 0.0, 0.06), "clavicle": (0.16, 0.02, 0.0),
         "humerus": (0.02, -0.28, 0.0), "radius": (0.0, -0.25, 0.0), "wrist": (0.0, -0.02, 0.0),
         "hand": (0.0, -0.06, 0.0), "fingers": (0.0, -0.04, 0.0), "thumb": (0.02, -0.03, 0.02)}
_SPINE = {"root": (0.0, 0.0, 0.0), "lowerback": (0.0, 0.10, 0.0), "upperback": (0.0, 0.12, 0.0),
          "thorax": (0.0, 0.12, 0.0), "lowerneck": (0.0, 0.08, 0.0), "upperneck": (0.0, 0.06, 0.0),
          "head": (0.0, 0.10, 0.0)}


def _offsets() -> np.ndarray:
    out = []
    for name in JOINTS:
        if name in _SPINE:
            out.append(_SPINE[name])
        else:
            x, y, z = _LEFT[name[1:]]
            out.append((x if name[0] == "l" else -x, y, z))
    return np.asarray(out, dtype=np.float64)


def _rot(axis: int, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices ``[T, 3, 3]`` about coordinate ``axis`` (0 = x, 1 = y, 2 = z)."""
    c, s = np.cos(angle), np.sin(angle)
    r = np.zeros(angle.shape + (3, 3))
    i, j = [k for k in range(3) if k != axis]
    r[..., axis, axis] = 1.0
    r[..., i, i], r[..., i, j], r[..., j, i], r[..., j, j] = c, -s, s, c
    return r


def _gait_angles(phase: np.ndarray, amp: float, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Local joint rotations ``[T, 31, 3, 3]`` for one trial (flexion about x, small twists)."""
    n_t = len(phase)
    ang = np.zeros((n_t, len(JOINTS), 3))
    for side, shift in (("l", 0.0), ("r", math.pi)):
        j = {name: JOINTS.index(side + name) for name in ("femur", "tibia", "foot", "humerus", "radius")}
        p = phase + shift
        ang[:, j["femur"], 0] = -0.45 * amp * np.sin(p)
        ang[:, j["tibia"], 0] = 0.55 * amp * (1 - np.cos(p - 0.6))
        ang[:, j["foot"], 0] = -0.25 * amp * np.sin(p + 1.0)
        ang[:, j["humerus"], 0] = 0.35 * amp * np.sin(p)
        ang[:, j["radius"], 0] = -(0.25 + 0.15 * amp * (1 + np.sin(p)))
    ang[:, JOINTS.index("upperback"), 1] = 0.08 * amp * np.sin(phase)
    ang[:, JOINTS.index("lowerneck"), 0] = 0.05 * np.sin(2 * phase)
    # small per-trial extra oscillations on every joint and axis (non-periodic in the gait)
    freq = rng.uniform(0.2, 1.5, size=(len(JOINTS), 3))
    ph = rng.uniform(0, 2 * math.pi, size=(len(JOINTS), 3))
    ang += 0.03 * np.sin(2 * math.pi * freq[None] * t[:, None, None] + ph[None])
    return _rot(0, ang[..., 0]) @ _rot(1, ang[..., 1]) @ _rot(2, ang[..., 2])


def synthetic_walk(trials: int = 23, frames: int = 360, *, fps: float = 120.0,
                   seed: int = 0) -> tuple[list[tuple[int, int]], list[np.ndarray]]:
    """Offline stand-in for ``motion.pkl``: ``(edges, X)`` with ``X[i] [frames, 31, 3]`` (metres).

    Forward kinematics of the 31-joint skeleton: per trial a random walking speed
    (1.0-1.6 m/s), cadence (0.8-1.1 strides/s), gait amplitude, heading and start; the root
    bobs and sways with the gait. ``edges`` are the bones, as in the pickle.
    """
    if trials < 1 or frames < 2:
        raise ValueError(f"'trials' must be >= 1 and 'frames' >= 2, got {trials}, {frames}")
    rng = np.random.default_rng(seed)
    off = _offsets()
    t = np.arange(frames) / fps
    out = []
    for _ in range(trials):
        speed, cadence, amp = rng.uniform(1.0, 1.6), rng.uniform(0.8, 1.1), rng.uniform(0.7, 1.2)
        heading, phase0 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
        phase = 2 * math.pi * cadence * t + phase0
        local = _gait_angles(phase, amp, rng, t)
        yaw = heading + 0.05 * np.sin(phase)
        root_rot = _rot(1, yaw) @ _rot(0, 0.04 * np.sin(2 * phase))
        fwd = np.array([math.sin(heading), 0.0, math.cos(heading)])
        root_pos = rng.uniform(-2, 2, size=3) * np.array([1, 0, 1]) + speed * t[:, None] * fwd \
            + np.array([0.0, 0.95, 0.0]) + 0.02 * np.sin(2 * phase)[:, None] * np.array([0, 1, 0])
        world_rot = np.zeros((frames, len(JOINTS), 3, 3))
        pos = np.zeros((frames, len(JOINTS), 3))
        world_rot[:, 0], pos[:, 0] = root_rot @ local[:, 0], root_pos
        for j in range(1, len(JOINTS)):
            p = PARENTS[j]
            pos[:, j] = pos[:, p] + np.einsum("tij,j->ti", world_rot[:, p], off[j])
            world_rot[:, j] = world_rot[:, p] @ local[:, j]
        out.append(pos.astype(np.float32))
    return list(BONES), out


def save_motion_pkl(path: str | Path, edges, X) -> None:
    """Write ``(edges, X)`` in GMN's ``motion.pkl`` layout (a pickled tuple)."""
    with open(path, "wb") as f:
        pickle.dump((list(edges), [np.asarray(x) for x in X]), f)


def load_motion_pkl(path: str | Path) -> tuple[list[tuple[int, int]], list[np.ndarray]]:
    """Read GMN's ``motion.pkl``: a pickled ``(edges, X)``, ``X[i] [T_i, N, 3]``.

    Pickle runs code from the file: load only files you trust (the file from the GMN
    repository). Raises a ValueError naming the problem when the layout is not this one.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no motion file at {path}; get GMN's motion.pkl (CMU subject 35 walking) "
                                "or use synthetic_walk() for the offline stand-in")
    with open(path, "rb") as f:
        obj = pickle.load(f)  # noqa: S301 - trusted file, documented above
    if not (isinstance(obj, (tuple, list)) and len(obj) == 2):
        raise ValueError(f"{path}: expected a pickled (edges, X) pair as in GMN's motion.pkl, got {type(obj).__name__}")
    edges, X = obj
    X = [np.asarray(x, dtype=np.float32) for x in X]
    n = X[0].shape[1] if X and X[0].ndim == 3 else None
    if not X or any(x.ndim != 3 or x.shape[1:] != (n, 3) or len(x) < 2 for x in X):
        raise ValueError(f"{path}: every trial in X must be [T >= 2, N, 3] with one N, got "
                         f"{[x.shape for x in X][:5]}")
    edges = [(int(a), int(b)) for a, b in edges]
    if any(not (0 <= a < n and 0 <= b < n) for a, b in edges):
        raise ValueError(f"{path}: edges index joints outside 0..{n - 1}")
    return edges, X


def skeleton_edges(edges, n: int, *, two_hop: bool = True) -> tuple[Tensor, Tensor]:
    """Directed ``edge_index [2, E]`` of the bones (both directions) plus, with ``two_hop``, the
    pairs two bones apart; and ``edge_attr [E, 1]``: 1 for a bone, 0 for a 2-hop pair."""
    adj = np.zeros((n, n), dtype=bool)
    for a, b in edges:
        if a != b:
            adj[a, b] = adj[b, a] = True
    two = (adj.astype(int) @ adj.astype(int) > 0) & ~adj & ~np.eye(n, dtype=bool) if two_hop else np.zeros_like(adj)
    src, dst = np.nonzero(adj | two)
    attr = adj[src, dst].astype(np.float32)
    return torch.as_tensor(np.stack([src, dst]), dtype=torch.long), torch.as_tensor(attr)[:, None]


def forecast_samples(X: list[np.ndarray], trials, count: int, *, delta: int = 30,
                     seed: int = 0) -> dict[str, Tensor]:
    """``count`` random ``(trial, t)`` samples: ``loc = X[t]``, ``vel = X[t+1] - X[t]``,
    ``target = X[t + delta]``, each ``[count, N, 3]`` (float32)."""
    trials = [int(i) for i in trials]
    if delta < 1 or count < 1:
        raise ValueError(f"'delta' and 'count' must be >= 1, got {delta}, {count}")
    if any(not 0 <= i < len(X) for i in trials):
        raise ValueError(f"trial ids must lie in 0..{len(X) - 1}, got {trials}")
    starts = [(i, t) for i in trials for t in range(len(X[i]) - delta - 1)]
    if not starts:
        raise ValueError(f"no trial is longer than delta + 1 = {delta + 1} frames")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(starts), size=count, replace=count > len(starts))
    loc, vel, tgt = [], [], []
    for k in pick:
        i, t = starts[k]
        loc.append(X[i][t])
        vel.append(X[i][t + 1] - X[i][t])
        tgt.append(X[i][t + delta])
    as_t = lambda a: torch.as_tensor(np.stack(a), dtype=torch.float32)  # noqa: E731
    return {"loc": as_t(loc), "vel": as_t(vel), "target": as_t(tgt)}
