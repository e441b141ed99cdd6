"""CG-EGNN as a NequIP graph module: ``AtomicDataDict -> per_atom_energy``.

Imports only torch, ``nequip.data``, ``nequip.nn`` and the symplugins core, so the module
can be interned by ``nequip-package`` and exported by ``nequip-compile``.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch

from nequip.data import AtomicDataDict
from nequip.nn import GraphModuleMixin, with_edge_vectors_

from symplugins.models.potential.energy import CGEGNNEnergy


def _check_unambiguous_pairs(edge_index: torch.Tensor, num_nodes: int) -> None:
    """k-hop path reversal pairs each edge with its reverse by node pair; an atom pair linked
    through several periodic images (cells narrower than 2 r_max) makes that ambiguous."""
    key = edge_index[0] * num_nodes + edge_index[1]
    if key.numel() and torch.unique(key).numel() < key.numel():
        raise ValueError(
            "this cell is too small for a CG-EGNN with hops>=2: some atom pair is linked through "
            "several periodic images, which k-hop path reversal cannot tell apart; use a supercell "
            "with every width >= 2 * r_max, or hops=1")


class CGEGNNPerAtomEnergy(GraphModuleMixin, torch.nn.Module):
    """Unscaled per-atom energies ``eps_i - eps^0_{t_i}`` of a CG-EGNN (``0e`` per atom).

    nequip's ``edge_index`` has row 0 = centre ``i``, row 1 = neighbour ``j`` and
    ``edge_vectors = x_j - x_i (+ cell shift)``; CG-EGNN takes row 0 = source ``j``, so
    the rows are swapped. Edge vectors are built here (``with_edge_vectors_``) so forces
    and stress come from autograd in ``ForceStressOutput``. Per-type scale/shift and the
    sum to total energy are nequip's own ``PerTypeScaleShift`` / ``AtomwiseReduce``.
    """

    def __init__(self, type_names: Sequence[str], r_max: float, *, hidden: int = 16,
                 layers: int = 2, hops: int = 1, envelope_p: int = 6,
                 avg_num_neighbors: Optional[float] = None, irreps_in=None) -> None:
        super().__init__()
        self.energy = CGEGNNEnergy(type_names, r_max=r_max, hidden=hidden, layers=layers,
                                   hops=hops, envelope_p=envelope_p,
                                   avg_num_neighbors=avg_num_neighbors)
        self._init_irreps(irreps_in=irreps_in,
                          irreps_out={AtomicDataDict.PER_ATOM_ENERGY_KEY: "0e"})

    def forward(self, data: AtomicDataDict.Type) -> AtomicDataDict.Type:
        data = with_edge_vectors_(data, with_lengths=False)
        edge_index = data[AtomicDataDict.EDGE_INDEX_KEY].flip(0)
        if self.energy.config["hops"] > 1 and not torch.compiler.is_compiling():
            _check_unambiguous_pairs(edge_index, data[AtomicDataDict.POSITIONS_KEY].shape[0])
        batch = data.get(AtomicDataDict.BATCH_KEY, None)
        eps = self.energy.per_atom_energy(
            data[AtomicDataDict.ATOM_TYPE_KEY].view(-1), data[AtomicDataDict.POSITIONS_KEY],
            edge_index, data[AtomicDataDict.EDGE_VECTORS_KEY], batch)
        data[AtomicDataDict.PER_ATOM_ENERGY_KEY] = eps.unsqueeze(-1)
        return data
