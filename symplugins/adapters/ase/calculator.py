"""ASE calculator for CG-EGNN potentials (no nequip needed at run time).

Energy, per-atom energies, forces (autograd) and, for periodic cells, stress. Periodic
images come from ASE's neighbour list (``r_ij = x_j - x_i + S_ij @ cell``); molecules use
a dense radius graph. Inputs are validated before the model runs: no atoms, NaN
positions, elements the potential was not trained on, overlapping atoms -> ValueError.
"""
from __future__ import annotations

import copy
import os

import numpy as np
import torch

from symplugins.models.potential.checkpoint import load_potential
from symplugins.models.potential.energy import CGEGNNEnergy
from symplugins.models.potential.forces import energy_and_forces
from symplugins.models.potential.validate import check_overlaps
from symplugins.utils import require

_ase_calc = require("ase.calculators.calculator", extra="ase", purpose="CGEGNNCalculator")
_nl = require("ase.neighborlist", extra="ase")
_stress = require("ase.stress", extra="ase")


class CGEGNNCalculator(_ase_calc.Calculator):
    """ASE calculator running a :class:`~symplugins.models.potential.energy.CGEGNNEnergy`.

    Args:
        model: a ``CGEGNNEnergy`` (the calculator keeps a frozen copy) or the path of a checkpoint written by
            :func:`~symplugins.models.potential.checkpoint.save_potential`.
        dtype: ``torch.float64`` (default, for energy-conserving MD) or ``torch.float32``.
        device: torch device (``"cpu"``, ``"cuda"``).
    """

    implemented_properties = ["energy", "free_energy", "energies", "forces", "stress"]

    def __init__(self, model: CGEGNNEnergy | str | os.PathLike, *,
                 dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu",
                 **kwargs) -> None:
        super().__init__(**kwargs)
        # the calculator owns a frozen copy (inference only; the caller's model is left
        # untouched), so the model can reuse its isolated-atom outputs between calls
        model = copy.deepcopy(model) if isinstance(model, CGEGNNEnergy) else load_potential(model)
        self.model = model.to(device=device, dtype=dtype).eval().requires_grad_(False)
        self.device, self.dtype = torch.device(device), dtype
        self._type_of = {name: i for i, name in enumerate(self.model.type_names)}

    @classmethod
    def pretrained(cls, name: str = "ethanol-xtb", **kwargs) -> "CGEGNNCalculator":
        """Calculator for a potential shipped with symplugins (see :func:`list_pretrained`)."""
        from .pretrained import pretrained_path

        return cls(pretrained_path(name), **kwargs)

    def _types(self, atoms) -> torch.Tensor:
        symbols = atoms.get_chemical_symbols()
        unknown = sorted(set(symbols) - set(self._type_of))
        if unknown:
            raise ValueError(
                f"element(s) {unknown} not supported by this potential; it was trained on "
                f"{self.model.type_names} only")
        return torch.tensor([self._type_of[s] for s in symbols], device=self.device)

    def _graph(self, atoms, pos: torch.Tensor):
        if not atoms.pbc.any():
            return None, None, None
        i, j, shift = _nl.primitive_neighbor_list(
            "ijS", atoms.pbc, atoms.cell.array, atoms.positions, self.model.r_max,
            self_interaction=False)
        edge_index = torch.as_tensor(np.stack([j, i]), dtype=torch.long, device=self.device)
        cell = torch.as_tensor(atoms.cell.array, dtype=self.dtype, device=self.device)
        return edge_index, torch.as_tensor(shift, dtype=self.dtype, device=self.device), cell

    def _check(self, atoms) -> None:
        if len(atoms) == 0:
            raise ValueError("the Atoms object is empty; CGEGNNCalculator needs at least one atom")
        if not np.isfinite(atoms.positions).all():
            raise ValueError("atoms.positions contains NaN or inf; fix the structure "
                             "(a diverged MD run?) before calling the calculator")

    def calculate(self, atoms=None, properties=("energy",),
                  system_changes=_ase_calc.all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        atoms = self.atoms
        self._check(atoms)
        types = self._types(atoms)
        pos = torch.as_tensor(atoms.positions, dtype=self.dtype, device=self.device)
        edge_index, shifts, cell = self._graph(atoms, pos)
        if edge_index is None:
            check_overlaps(pos)
        want_stress = "stress" in properties and cell is not None and bool(atoms.pbc.all())
        out = energy_and_forces(self.model, types, pos, edge_index=edge_index, shifts=shifts,
                                cell=cell, stress=want_stress)
        self.results["energy"] = self.results["free_energy"] = float(out["energy"].item())
        self.results["energies"] = out["per_atom_energy"].detach().cpu().double().numpy()
        self.results["forces"] = out["forces"].detach().cpu().double().numpy()
        if want_stress:
            s = out["stress"].detach().cpu().double().numpy()
            self.results["stress"] = _stress.full_3x3_to_voigt_6_stress(s)
        elif "stress" in properties:
            raise _ase_calc.PropertyNotImplementedError(
                "stress needs a fully periodic cell (atoms.pbc all True)")
