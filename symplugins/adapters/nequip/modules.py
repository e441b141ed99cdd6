"""CG-EGNN as NequIP graph modules: message passing -> multivector node features -> energy.

``CGEGNNMessagePassing`` writes the hidden Cl(3,0) multivectors of every atom to
``node_features``, declared as the e3nn irreps ``hidden x (0e + 1o + 1e + 0o)``, and
``CGEGNNReadout`` declares that field as its input and writes ``per_atom_energy`` (``0e``),
so nequip's irreps bookkeeping (``SequentialGraphNetwork``) and equivariance tests
(parity included) see and check them. Imports only torch, e3nn, ``nequip.data``,
``nequip.nn`` and the symplugins core, so the modules can be packaged and exported.

Blade <-> irreps map, per channel (our blades ``1, e1, e2, e3, e12, e13, e23, e123``).
e3nn 0.6's ``l = 1`` basis is ``(x, y, z)``: ``Irreps("1o").D_from_matrix(R) == R``
(tests/nequip pins this, so a basis change in e3nn is caught). A bivector is stored as its
Hodge dual pseudovector ``p = (e23, e31, e12) = (e23, -e13, e12)``, which transforms as
``det(R) R p`` (``1e``); the pseudoscalar ``e123`` picks up ``det(R)`` (``0o``)::

    e3nn slot:  0e | 1o_x 1o_y 1o_z | 1e_x  1e_y  1e_z | 0o
    blade:      1  | e1   e2   e3   | e23   -e13  e12  | e123
"""
from __future__ import annotations

import torch
from e3nn.o3 import Irreps

from nequip.data import AtomicDataDict
from nequip.nn import GraphModuleMixin, with_edge_vectors_

from symplugins.models.cgegnn.paths import edge_reverse
from symplugins.models.potential.energy import CGEGNNEnergy

# e3nn slot k of one channel holds SIGN_OF_SLOT[k] * blade BLADE_OF_SLOT[k] (module docstring)
BLADE_OF_SLOT = (0, 1, 2, 3, 6, 5, 4, 7)
SIGN_OF_SLOT = (1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0)
MULTIVECTOR_IRREPS = Irreps("0e + 1o + 1e + 0o")


def multivector_irreps(channels: int) -> Irreps:
    """``channels x (0e + 1o + 1e + 0o)``: the irreps of ``[N, channels, 8]`` multivectors."""
    return MULTIVECTOR_IRREPS * channels


def blades_to_irreps(h: torch.Tensor) -> torch.Tensor:
    """Cl(3,0) blade coefficients ``[N, C, 8]`` -> e3nn-ordered features ``[N, C * 8]``."""
    sign = torch.tensor(SIGN_OF_SLOT, dtype=h.dtype, device=h.device)
    return (h[..., list(BLADE_OF_SLOT)] * sign).reshape(h.shape[0], -1)


def irreps_to_blades(x: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`blades_to_irreps`: ``[N, C * 8] -> [N, C, 8]`` blade coefficients."""
    sign = torch.tensor(SIGN_OF_SLOT, dtype=x.dtype, device=x.device)
    slots = x.reshape(x.shape[0], -1, 8) * sign  # signs are +-1: their own inverse
    return slots[..., [BLADE_OF_SLOT.index(b) for b in range(8)]]


class CGEGNNMessagePassing(GraphModuleMixin, torch.nn.Module):
    """CG-EGNN message passing: ``AtomicDataDict -> node_features`` (hidden multivectors).

    nequip's ``edge_index`` has row 0 = centre ``i``, row 1 = neighbour ``j`` and
    ``edge_vectors = x_j - x_i (+ cell shift)``; CG-EGNN takes row 0 = source ``j``, so
    the rows are swapped. Edge vectors are built here (``with_edge_vectors_``) so forces
    and stress come from autograd in ``ForceStressOutput``. k-hop paths (``hops >= 2``)
    step back only along an edge's true reverse, found from ``edge_cell_shift`` (same
    pair, opposite direction, negated shift), so cells narrower than ``2 r_max`` work.
    ``energy`` (a :class:`CGEGNNEnergy`) holds the weights and is shared with
    :class:`CGEGNNReadout`. Output: ``node_features [N, hidden * 8]``.
    """

    def __init__(self, energy: CGEGNNEnergy, *, irreps_in=None,
                 out_field: str = AtomicDataDict.NODE_FEATURES_KEY) -> None:
        super().__init__()
        self.energy, self.out_field = energy, out_field
        self._init_irreps(irreps_in=irreps_in,
                          irreps_out={out_field: multivector_irreps(energy.core.hidden)})

    def forward(self, data: AtomicDataDict.Type) -> AtomicDataDict.Type:
        energy = self.energy
        data = with_edge_vectors_(data, with_lengths=False)
        edge_index = data[AtomicDataDict.EDGE_INDEX_KEY].flip(0)  # rows (j, i)
        pos = data[AtomicDataDict.POSITIONS_KEY]
        rev = None
        if energy.config["hops"] > 1:
            shift = None
            if AtomicDataDict.CELL_KEY in data and AtomicDataDict.EDGE_CELL_SHIFT_KEY in data:
                shift = data[AtomicDataDict.EDGE_CELL_SHIFT_KEY]
            rev = edge_reverse(edge_index, pos.shape[0], shift)
        h = energy.node_multivectors(
            data[AtomicDataDict.ATOM_TYPE_KEY].view(-1), pos, edge_index,
            data[AtomicDataDict.EDGE_VECTORS_KEY], data.get(AtomicDataDict.BATCH_KEY, None), rev)
        data[self.out_field] = blades_to_irreps(h)
        return data


class CGEGNNReadout(GraphModuleMixin, torch.nn.Module):
    """CG-EGNN energy head: ``node_features`` multivectors -> ``per_atom_energy`` (``0e``).

    ``eps_i = head(h_i)_0 - head(h^0_{t_i})_0`` with ``h^0_t`` the hidden state of an
    isolated atom of type ``t``, times the energy model's (identity by default) per-type
    scale/shift: exactly :meth:`CGEGNNEnergy.per_atom_energy`. nequip's
    ``PerTypeScaleShift`` and ``AtomwiseReduce`` follow in the builder.
    """

    def __init__(self, energy: CGEGNNEnergy, *, irreps_in=None,
                 field: str = AtomicDataDict.NODE_FEATURES_KEY) -> None:
        super().__init__()
        self.energy, self.field = energy, field
        expected = {field: multivector_irreps(energy.core.hidden)}
        # the expectation also goes into irreps_in, so SequentialGraphNetwork checks it too
        self._init_irreps(irreps_in={**expected, **(irreps_in or {})}, my_irreps_in=expected,
                          irreps_out={AtomicDataDict.PER_ATOM_ENERGY_KEY: "0e"})

    def forward(self, data: AtomicDataDict.Type) -> AtomicDataDict.Type:
        types = data[AtomicDataDict.ATOM_TYPE_KEY].view(-1)
        e = self.energy.energy_from_multivectors(irreps_to_blades(data[self.field]), types)
        data[AtomicDataDict.PER_ATOM_ENERGY_KEY] = e.unsqueeze(-1)
        return data
