"""Forces and stress of an energy model by autograd.

    F_i = -dE/dx_i,    sigma = (1/V) dE/d(eps)|_{eps=0}

with the symmetric strain ``eps`` applied to positions and cell, ``x -> x (1 + eps)``
(the sign convention of ASE's ``Atoms.get_stress``). Periodic images enter through integer cell shifts ``S [E, 3]``:
``r_ij = x_j - x_i + S_ij @ cell``.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..cgegnn.paths import edge_reverse
from .cutoff import radius_edges
from .energy import CGEGNNEnergy


def edge_vectors(pos: Tensor, edge_index: Tensor, shifts: Tensor | None = None,
                 cell: Tensor | None = None) -> Tensor:
    """``r_ij = x_j - x_i (+ S_ij @ cell)`` for ``edge_index`` rows (j, i): ``[E, 3]``."""
    vec = pos.index_select(0, edge_index[0]) - pos.index_select(0, edge_index[1])
    if shifts is not None and cell is not None:
        vec = vec + shifts.to(pos.dtype) @ cell.to(pos.dtype)
    return vec


def energy_and_forces(model: CGEGNNEnergy, types: Tensor, pos: Tensor, *,
                      edge_index: Tensor | None = None, shifts: Tensor | None = None,
                      cell: Tensor | None = None, batch: Tensor | None = None,
                      num_graphs: int = 1, stress: bool = False,
                      training: bool = False) -> dict[str, Tensor]:
    """``{"energy" [B], "forces" [N, 3], ("stress" [3, 3])}`` of one or a batch of structures.

    ``edge_index`` (rows j, i) and ``shifts`` come from a periodic neighbour list; without
    them a non-periodic radius graph is built. ``stress`` needs one structure with a
    ``cell [3, 3]``. ``training=True`` keeps the graph for force-matching losses.
    """
    dtype = model.scales.dtype
    pos = pos.detach().to(dtype).requires_grad_(True)
    if edge_index is None:
        edge_index = radius_edges(pos, model.r_max, batch)
    inputs, x, c = [pos], pos, cell
    if stress:
        if cell is None or batch is not None:
            raise ValueError("'stress' needs a single structure with a 'cell' [3, 3]")
        strain = torch.zeros(3, 3, dtype=dtype, device=pos.device, requires_grad=True)
        sym = 0.5 * (strain + strain.transpose(0, 1))
        x, c = pos + pos @ sym, cell.to(dtype) + cell.to(dtype) @ sym
        inputs.append(strain)
    vec = edge_vectors(x, edge_index, shifts, c)
    # k-hop paths step back only along an edge's true reverse (same pair, -S): cells
    # narrower than 2 r_max link one atom pair through several images
    rev = (edge_reverse(edge_index, pos.shape[0], shifts)
           if shifts is not None and model.config["hops"] > 1 else None)
    e_atom = model.per_atom_energy(types, x, edge_index, vec, batch, edge_reverse=rev)
    energy = (e_atom.sum().unsqueeze(0) if batch is None
              else e_atom.new_zeros(num_graphs).index_add(0, batch, e_atom))
    grads = torch.autograd.grad(energy.sum(), inputs, create_graph=training)
    out = {"energy": energy, "forces": -grads[0], "per_atom_energy": e_atom}
    if stress:
        volume = torch.linalg.det(cell.to(dtype)).abs()
        out["stress"] = grads[1] / volume
    return out
