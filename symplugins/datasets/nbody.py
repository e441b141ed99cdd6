"""Charged n-body dataset, regenerated with the EGNN protocol (numpy, seeded, cached).

Protocol (Satorras et al. 2021, after Kipf et al. 2018's ChargedParticlesSim): 5
particles, charges from {-1, 0, +1} with p = [.5, 0, .5], Coulomb forces
``F_i = sum_j q_i q_j (x_i - x_j) / r_ij^3`` clipped elementwise to +-100, unit masses,
dt = 0.001, 5000 steps, positions/velocities saved every 100 steps (49 frames), initial
loc ~ N(0, 1), velocity ~ N(0, 1) rescaled to norm 0.5, one kick before a kick-drift
loop, no walls, no noise. Splits 10,000 / 2,000 / 2,000 simulations come from one
``np.random.seed(43)`` stream in that order with the original per-simulation draw order
(charges, loc, vel, two zero-noise draws); only the simulations that are used are
integrated (vectorised over simulations). Task: frame 30 -> frame 40.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

__all__ = ["SPLITS", "draw_initial_states", "simulate", "generate", "load_split", "sanity_mse", "default_root"]

SPLITS = {"train": 10_000, "valid": 2_000, "test": 2_000}
N_BALLS, STEPS, FREQ, DT, MAX_F = 5, 5000, 100, 1e-3, 100.0
T_SAVE = STEPS // FREQ - 1


def default_root() -> Path:
    """``$SYMPLUGINS_CACHE/nbody`` or ``~/.cache/symplugins/nbody``."""
    base = os.environ.get("SYMPLUGINS_CACHE", Path.home() / ".cache" / "symplugins")
    return Path(base) / "nbody"


def draw_initial_states(seed: int = 43, counts=None) -> dict:
    """Replay the original RNG stream: per split, ``charges [S, 5]``, ``loc``/``vel [S, 3, 5]``.

    ``counts`` maps split -> how many simulations to keep (draws of the others are
    still consumed, so later splits match the full-size stream).
    """
    counts = {**SPLITS, **(counts or {})}
    rs = np.random.RandomState(seed)
    out = {}
    for split, total in SPLITS.items():
        q, x, v = [], [], []
        for i in range(total):
            charges = rs.choice(np.array([-1.0, 0.0, 1.0]), size=(N_BALLS, 1), p=[0.5, 0, 0.5])
            loc = rs.randn(3, N_BALLS)
            vel = rs.randn(3, N_BALLS)
            rs.randn(T_SAVE, 3, N_BALLS), rs.randn(T_SAVE, 3, N_BALLS)  # zero-noise draws
            if i < counts[split]:
                q.append(charges[:, 0]), x.append(loc), v.append(vel * 0.5 / np.sqrt((vel ** 2).sum(0)))
        out[split] = (np.array(q).reshape(-1, N_BALLS), np.array(x).reshape(-1, 3, N_BALLS),
                      np.array(v).reshape(-1, 3, N_BALLS))
    return out


def _forces(loc: np.ndarray, qq: np.ndarray) -> np.ndarray:
    """Clipped Coulomb forces ``[S, 3, n]`` for ``loc [S, 3, n]`` (original formula)."""
    a = loc.transpose(0, 2, 1)
    sq = (a ** 2).sum(-1)
    l2 = sq[:, :, None] + sq[:, None, :] - 2 * a @ loc
    with np.errstate(divide="ignore", invalid="ignore"):
        size = qq / np.power(l2, 1.5)
    idx = np.arange(loc.shape[-1])
    size[:, idx, idx] = 0.0
    diff = loc[:, :, :, None] - loc[:, :, None, :]  # [S, 3, n, n]: x_i - x_j
    return np.clip((size[:, None] * diff).sum(-1), -MAX_F, MAX_F)


def simulate(charges: np.ndarray, loc: np.ndarray, vel: np.ndarray, progress: bool = False):
    """Integrate simulations; returns ``loc, vel [S, 49, 5, 3]`` (frames every 100 steps)."""
    loc, vel = loc.copy(), vel.copy()
    over, under = loc > 5.0, loc < -5.0  # the original clamps the initial state (box 5)
    loc[over], vel[over] = 10.0 - loc[over], -np.abs(vel[over])
    loc[under], vel[under] = -10.0 - loc[under], np.abs(vel[under])
    qq = charges[:, :, None] * charges[:, None, :]
    locs, vels = np.zeros((len(loc), T_SAVE, 3, N_BALLS)), np.zeros((len(loc), T_SAVE, 3, N_BALLS))
    vel += DT * _forces(loc, qq)
    steps = range(1, STEPS)
    if progress:
        from tqdm.auto import tqdm
        steps = tqdm(steps, desc=f"n-body ({len(loc)} sims)", mininterval=2.0)
    for i in steps:
        loc += DT * vel
        if i % FREQ == 0:
            locs[:, i // FREQ - 1], vels[:, i // FREQ - 1] = loc, vel
        vel += DT * _forces(loc, qq)
    return locs.transpose(0, 1, 3, 2), vels.transpose(0, 1, 3, 2)


def generate(root=None, *, seed: int = 43, counts=None, progress: bool = True) -> Path:
    """Generate (or reuse) ``root/charged5_seed{seed}_{ntr}_{nva}_{nte}.npz``; returns its path."""
    counts = {"train": 3000, "valid": 2000, "test": 2000, **(counts or {})}
    root = Path(root) if root is not None else default_root()
    path = root / f"charged5_seed{seed}_{counts['train']}_{counts['valid']}_{counts['test']}.npz"
    if path.exists():
        return path
    root.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, (q, x, v) in draw_initial_states(seed, counts).items():
        locs, vels = simulate(q, x, v, progress=progress)
        arrays.update({f"{split}_loc": locs, f"{split}_vel": vels, f"{split}_charges": q})
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)  # atomic: an interrupted run leaves no half-written cache
    return path


def load_split(split: str, root=None, *, seed: int = 43, counts=None, frames=(30, 40),
               dtype=torch.float32) -> dict:
    """Tensors of one split: ``loc, vel [S, 5, 3]`` at frame 0, ``target [S, 5, 3]``, ``charges [S, 5]``."""
    if split not in SPLITS:
        raise ValueError(f"'split' must be one of {list(SPLITS)}, got {split!r}")
    data = np.load(generate(root, seed=seed, counts=counts, progress=True))
    f0, f1 = frames
    as_t = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=dtype)  # noqa: E731
    return {"loc": as_t(data[f"{split}_loc"][:, f0]), "vel": as_t(data[f"{split}_vel"][:, f0]),
            "target": as_t(data[f"{split}_loc"][:, f1]), "charges": as_t(data[f"{split}_charges"])}


def time_between(frames=(30, 40)) -> float:
    """Simulated time between two saved frames (``FREQ`` steps of ``DT`` per frame)."""
    return (frames[1] - frames[0]) * FREQ * DT


def sanity_mse(split: dict) -> dict:
    """Baselines: ``x30`` (no motion), ``x30 + v30``, best scalar ``t`` in ``x30 + t v30``."""
    loc, vel, target = split["loc"].double(), split["vel"].double(), split["target"].double()
    d = target - loc
    t = float((d * vel).sum() / (vel * vel).sum())
    mse = lambda p: float(((p - target) ** 2).mean())  # noqa: E731
    return {"static": mse(loc), "velocity": mse(loc + vel), "linear": mse(loc + t * vel), "t": t}
