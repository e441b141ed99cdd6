"""Shared pieces for training interatomic potentials on xTB extxyz data with Lightning.

A *backend* turns ASE frames into batches and a model into ``(energy [B], forces [N, 3])``:
``CGBackend`` (our :class:`~symplugins.models.potential.energy.CGEGNNEnergy`) and ``NequIPBackend``
(any nequip ``GraphModel``, e.g. nequip's own NequIP). The LightningModule minimises
``w_E * MSE(E / N) + w_F * MSE(F)`` and logs energy/force MAE.
"""
from __future__ import annotations

import numpy as np
import torch
import lightning as L

from symplugins.data import read_frames
from symplugins.models.potential.forces import energy_and_forces


def split(n: int, n_train: int, n_val: int, seed: int = 0):
    """Disjoint random train/val/test index arrays of ``range(n)``."""
    perm = np.random.default_rng(seed).permutation(n)
    return perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:]


def targets(frames):
    """Energies ``[F]`` (eV) and forces list (eV/A) stored in the frames."""
    return (np.array([a.get_potential_energy() for a in frames]),
            [a.get_forces() for a in frames])


class CGBackend:
    """Batches of ``(types, pos, batch, energy, forces)`` for :class:`CGEGNNEnergy`."""

    def __init__(self, model):
        self.model, self.index = model, {t: i for i, t in enumerate(model.type_names)}

    def item(self, atoms):
        return {"types": torch.tensor([self.index[s] for s in atoms.get_chemical_symbols()]),
                "pos": torch.tensor(atoms.positions),
                "energy": torch.tensor(atoms.get_potential_energy()),
                "forces": torch.tensor(atoms.get_forces())}

    def collate(self, items):
        batch = torch.cat([torch.full((len(it["types"]),), k) for k, it in enumerate(items)])
        return {"types": torch.cat([it["types"] for it in items]), "batch": batch,
                "pos": torch.cat([it["pos"] for it in items]),
                "energy": torch.stack([it["energy"] for it in items]),
                "forces": torch.cat([it["forces"] for it in items])}

    def labels(self, b):
        """Reference energies ``[B]``, forces ``[N, 3]`` and atom counts ``[B]`` of a batch."""
        return b["energy"], b["forces"], torch.bincount(b["batch"])

    def predict(self, b, training: bool):
        out = energy_and_forces(self.model, b["types"], b["pos"], batch=b["batch"],
                                num_graphs=len(b["energy"]), training=training)
        return out["energy"], out["forces"]


class NequIPBackend:
    """Batches of nequip ``AtomicDataDict`` for a nequip ``GraphModel``."""

    def __init__(self, model, type_names, r_max):
        from nequip.data.transforms import ChemicalSpeciesToAtomTypeMapper

        self.model, self.r_max = model, r_max
        self.mapper = ChemicalSpeciesToAtomTypeMapper(
            model_type_names=list(type_names),
            chemical_species_to_atom_type_map={t: t for t in type_names})

    def item(self, atoms):
        from nequip.data import compute_neighborlist_, from_ase

        return self.mapper(compute_neighborlist_(from_ase(atoms), r_max=self.r_max))

    def collate(self, items):
        from nequip.data import AtomicDataDict

        return AtomicDataDict.batched_from_list(items)

    def labels(self, b):
        return b["total_energy"].view(-1), b["forces"], b["num_atoms"].view(-1)

    def predict(self, b, training: bool):
        self.model.train(training)
        out = self.model(dict(b))
        return out["total_energy"].view(-1), out["forces"]


class PotentialModule(L.LightningModule):
    """Energy + force matching. ``inference_mode=False`` is needed in the Trainer."""

    def __init__(self, backend, *, lr: float = 3e-3, w_energy: float = 1.0,
                 w_forces: float = 10.0, steps: int = 1000):
        super().__init__()
        self.backend, self.model = backend, backend.model
        self.lr, self.w_e, self.w_f, self.steps = lr, w_energy, w_forces, steps

    def _errors(self, b, training):
        energy, forces = self.backend.predict(b, training)
        e_ref, f_ref, n = self.backend.labels(b)
        de = (energy.double().view(-1) - e_ref.double().view(-1)) / n.double()
        return de, forces.double() - f_ref.double()

    def training_step(self, b, _):
        de, df = self._errors(b, True)
        loss = self.w_e * de.pow(2).mean() + self.w_f * df.pow(2).mean()
        self.log("loss", loss, prog_bar=True, batch_size=len(de))
        return loss

    def validation_step(self, b, _):
        with torch.enable_grad():
            de, df = self._errors(b, False)
        self.log("val_f_mae", df.abs().mean(), prog_bar=True, batch_size=len(de))
        self.log("val_e_mae", de.abs().mean(), batch_size=len(de))

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.lr, total_steps=self.steps,
                                                    pct_start=0.05)
        return [opt], [{"scheduler": sched, "interval": "step"}]


def loader(backend, frames, batch_size: int, shuffle: bool):
    items = [backend.item(a) for a in frames]
    return torch.utils.data.DataLoader(items, batch_size=batch_size, shuffle=shuffle,
                                       collate_fn=backend.collate)


def n_atoms(frames) -> torch.Tensor:
    return torch.tensor([len(a) for a in frames], dtype=torch.float64)


def evaluate(backend, frames, batch_size: int = 32) -> dict:
    """Energy MAE (meV/atom), force MAE and RMSE (meV/A) of ``frames``."""
    de_all, df_all = [], []
    for b in loader(backend, frames, batch_size, False):
        energy, forces = backend.predict(b, False)
        e_ref, f_ref, n = backend.labels(b)
        de_all.append(((energy.detach().double() - e_ref.double()) / n.double()).abs())
        df_all.append((forces.detach().double() - f_ref.double()))
    de, df = torch.cat(de_all), torch.cat(df_all)
    return {"energy_mae_meV_per_atom": float(de.mean()) * 1e3,
            "energy_mae_meV": float((de * n_atoms(frames)).mean()) * 1e3,
            "force_mae_meV_per_A": float(df.abs().mean()) * 1e3,
            "force_rmse_meV_per_A": float(df.pow(2).mean().sqrt()) * 1e3, "frames": len(frames)}


__all__ = ["CGBackend", "NequIPBackend", "PotentialModule", "evaluate", "loader", "read_frames",
           "split", "targets"]
