"""Molecular dynamics with ASE integrators: NVE (velocity Verlet) or Langevin, with a log.

Energy conservation summary for NVE: the drift is the slope of a least-squares line
through the total energy per atom, in meV/atom/ps; ``max_dE`` is
``max_t |E(t) - E(0)| / N`` in meV/atom.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from symplugins.utils import require

ENSEMBLES = ("nve", "langevin")


@dataclass
class MDLog:
    """Per-record time (ps), energies (eV) and temperature (K) of a run."""

    n_atoms: int
    time_ps: list = field(default_factory=list)
    epot: list = field(default_factory=list)
    ekin: list = field(default_factory=list)
    temperature: list = field(default_factory=list)

    def record(self, atoms, t_ps: float) -> None:
        self.time_ps.append(t_ps)
        self.epot.append(atoms.get_potential_energy())
        self.ekin.append(atoms.get_kinetic_energy())
        self.temperature.append(atoms.get_temperature())

    def summary(self) -> dict:
        """Drift (meV/atom/ps), max |dE| (meV/atom), mean temperature (K), final energy."""
        t, etot = np.asarray(self.time_ps), np.asarray(self.epot) + np.asarray(self.ekin)
        per_atom = etot / self.n_atoms
        drift = float(np.polyfit(t, per_atom, 1)[0]) * 1e3 if len(t) > 1 else 0.0
        return {"n_atoms": self.n_atoms, "records": len(t), "duration_ps": float(t[-1]),
                "drift_meV_per_atom_per_ps": drift,
                "max_abs_dE_meV_per_atom": float(np.abs(per_atom - per_atom[0]).max()) * 1e3,
                "mean_temperature_K": float(np.mean(self.temperature)),
                "final_total_energy_eV": float(etot[-1])}


def thermalize(atoms, temperature_K: float, *, seed: int = 0) -> None:
    """Maxwell-Boltzmann velocities at ``temperature_K``, no net momentum or rotation."""
    vd = require("ase.md.velocitydistribution", extra="ase")
    vd.MaxwellBoltzmannDistribution(atoms, temperature_K=temperature_K,
                                    rng=np.random.default_rng(seed))
    vd.Stationary(atoms)
    if not atoms.pbc.any():
        vd.ZeroRotation(atoms)


def make_integrator(atoms, ensemble: str, *, timestep_fs: float, temperature_K: float,
                    friction_per_fs: float = 0.01, seed: int = 0):
    """``VelocityVerlet`` (``"nve"``) or ``Langevin`` (``"langevin"``) on ``atoms``."""
    units = require("ase.units", extra="ase")
    if ensemble == "nve":
        return require("ase.md.verlet").VelocityVerlet(atoms, timestep=timestep_fs * units.fs)
    if ensemble == "langevin":
        return require("ase.md.langevin").Langevin(
            atoms, timestep_fs * units.fs, temperature_K=temperature_K,
            friction=friction_per_fs / units.fs, fixcm=False, rng=np.random.default_rng(seed))
    raise ValueError(f"'ensemble' must be one of {ENSEMBLES}, got {ensemble!r}")


def run_md(atoms, *, steps: int, timestep_fs: float = 0.5, temperature_K: float = 300.0,
           ensemble: str = "nve", seed: int = 0, every: int = 10,
           trajectory: str | os.PathLike | None = None, progress: bool = True) -> MDLog:
    """Thermalise ``atoms`` (with its calculator attached) and run ``steps`` MD steps.

    Records energies every ``every`` steps (and appends the frame to ``trajectory``).
    """
    if steps < 1 or every < 1 or not timestep_fs > 0:
        raise ValueError("'steps' and 'every' must be >= 1 and 'timestep_fs' > 0")
    if atoms.calc is None:
        raise ValueError("attach a calculator first, e.g. atoms.calc = CGEGNNCalculator.pretrained()")
    thermalize(atoms, temperature_K, seed=seed)
    dyn = make_integrator(atoms, ensemble, timestep_fs=timestep_fs,
                          temperature_K=temperature_K, seed=seed + 1)
    log = MDLog(len(atoms))
    writer = _trajectory_writer(atoms, trajectory)
    tqdm = require("tqdm", extra="ase").tqdm
    with tqdm(total=steps, desc=f"MD {ensemble}", unit="step", disable=not progress) as bar:
        def observe() -> None:
            log.record(atoms, dyn.nsteps * timestep_fs * 1e-3)
            writer()
            bar.update(dyn.nsteps - bar.n)
            bar.set_postfix(T=f"{log.temperature[-1]:.0f}K")
        dyn.attach(observe, interval=every)
        dyn.run(steps)
    return log


def _trajectory_writer(atoms, path):
    if path is None:
        return lambda: None
    from symplugins.data.extxyz import append_frame

    if os.path.exists(path):
        os.remove(path)
    return lambda: append_frame(path, atoms)
