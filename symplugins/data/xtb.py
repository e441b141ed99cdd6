"""MD17-like datasets: GFN2-xTB (tblite) Langevin MD of the MD17 molecules, as extxyz.

Protocol (in the spirit of MD17, Chmiela et al. 2017, which sampled DFT MD at 500 K with a
0.5 fs step): start from :func:`~symplugins.data.molecules.starting_geometry`, draw
Maxwell-Boltzmann velocities, equilibrate, then record one frame every ``every`` Langevin
steps with its xTB energy (eV) and forces (eV/A), positions (A) and momenta.

Resumable without losing or duplicating frames: frames are appended one by one
(:mod:`symplugins.data.extxyz`); the random stream of frame ``k`` is
``default_rng([seed, 1, k])`` and the state (positions, momenta) is restored from the
last frame, so an interrupted and resumed run continues the same trajectory (up to the
1e-8 rounding of the text file) with no frame lost or written twice.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from symplugins.utils import require

from .extxyz import append_frame, read_frames, repair
from .molecules import starting_geometry


@dataclass(frozen=True)
class XTBConfig:
    """Parameters of one xTB Langevin run (stored in every frame's comment line)."""

    molecule: str
    temperature_K: float = 500.0
    timestep_fs: float = 0.5
    every: int = 10
    friction_per_fs: float = 0.01
    equilibrate: int = 200
    seed: int = 0
    method: str = "GFN2-xTB"

    def __post_init__(self) -> None:
        for name in ("temperature_K", "timestep_fs", "friction_per_fs"):
            if not getattr(self, name) > 0:
                raise ValueError(f"'{name}' must be positive, got {getattr(self, name)}")
        if self.every < 1 or self.equilibrate < 0:
            raise ValueError("'every' must be >= 1 and 'equilibrate' >= 0")


def xtb_calculator(method: str = "GFN2-xTB"):
    """A quiet tblite ASE calculator (``from tblite.ase import TBLite``).

    Sets ``OMP_NUM_THREADS=1`` unless already set (before tblite's first import): threads
    only slow down small molecules (about 1.5 ms per ethanol force call on one core).
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    tb = require("tblite.ase", extra="chem", purpose="GFN2-xTB labels")
    return tb.TBLite(method=method, verbosity=0)


def evaluate(frames, calc) -> tuple[np.ndarray, np.ndarray]:
    """Energies ``[F]`` (eV) and forces ``[F, N, 3]`` (eV/A) of ``frames`` under any ASE calculator."""
    energies, forces = [], []
    for atoms in frames:
        atoms = atoms.copy()
        atoms.calc = calc
        energies.append(atoms.get_potential_energy())
        forces.append(atoms.get_forces())
    return np.asarray(energies), np.stack(forces)


def label(frames, *, method: str = "GFN2-xTB") -> tuple[np.ndarray, np.ndarray]:
    """Fresh xTB energies ``[F]`` (eV) and forces ``[F, N, 3]`` (eV/A) of ``frames``."""
    return evaluate(frames, xtb_calculator(method))


def _langevin(atoms, cfg: XTBConfig, rng):
    md = require("ase.md.langevin", purpose="Langevin MD")
    units = require("ase.units")
    return md.Langevin(atoms, cfg.timestep_fs * units.fs, temperature_K=cfg.temperature_K,
                       friction=cfg.friction_per_fs / units.fs, fixcm=False, rng=rng)


def _initial_state(cfg: XTBConfig, structure=None):
    """Starting Atoms, thermalised and equilibrated with the config's seed."""
    vd = require("ase.md.velocitydistribution", purpose="initial velocities")
    atoms = (structure.copy() if structure is not None
             else starting_geometry(cfg.molecule, seed=cfg.seed))
    vd.MaxwellBoltzmannDistribution(atoms, temperature_K=cfg.temperature_K,
                                    rng=np.random.default_rng([cfg.seed, 0]))
    vd.Stationary(atoms)
    vd.ZeroRotation(atoms)
    atoms.calc = xtb_calculator(cfg.method)
    if cfg.equilibrate:
        _langevin(atoms, cfg, np.random.default_rng([cfg.seed, 2])).run(cfg.equilibrate)
    return atoms


def _resume_state(path: Path, cfg: XTBConfig):
    """Atoms (positions, momenta) of the last frame, after checking its config matches."""
    last = read_frames(path, index=-1)
    stored = {k: last.info.get(k) for k in asdict(cfg)}
    if any(stored[k] != v for k, v in asdict(cfg).items()):
        raise ValueError(
            f"{str(path)!r} was generated with {stored}, not {asdict(cfg)}; resume with the "
            "same settings or write to another --out file"
        )
    atoms = last.copy()
    atoms.set_momenta(last.get_momenta())
    atoms.calc = xtb_calculator(cfg.method)
    return atoms


def _record(path: Path, atoms, cfg: XTBConfig, frame: int) -> None:
    calc_mod = require("ase.calculators.singlepoint")
    snap = atoms.copy()
    snap.set_momenta(atoms.get_momenta())
    snap.info = {**asdict(cfg), "frame": frame}
    snap.calc = calc_mod.SinglePointCalculator(
        snap, energy=atoms.get_potential_energy(), forces=atoms.get_forces())
    append_frame(path, snap)


def generate(molecule: str, path: str | os.PathLike, *, frames: int = 1000,
             structure=None, progress: bool = True, **options) -> Path:
    """Write (or extend, after interruption) an xTB MD dataset with ``frames`` frames.

    ``options`` are :class:`XTBConfig` fields (``temperature_K``, ``timestep_fs``,
    ``every``, ``friction_per_fs``, ``equilibrate``, ``seed``, ``method``). ``structure``
    optionally replaces the built-in starting geometry. Returns ``path``.
    """
    if frames < 1:
        raise ValueError(f"'frames' must be >= 1, got {frames}")
    cfg = XTBConfig(molecule=molecule, **options)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = repair(path)
    if done >= frames:
        return path
    atoms = _resume_state(path, cfg) if done else _initial_state(cfg, structure)
    tqdm = require("tqdm", extra="chem").tqdm
    with tqdm(total=frames, initial=done, desc=f"xTB {molecule} {cfg.temperature_K:g} K",
              unit="frame", disable=not progress) as bar:
        for k in range(done, frames):
            _langevin(atoms, cfg, np.random.default_rng([cfg.seed, 1, k])).run(cfg.every)
            _record(path, atoms, cfg, k)
            bar.update(1)
    return path
