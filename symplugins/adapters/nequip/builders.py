"""``@model_builder`` builders of CG-EGNN NequIP models (import ``nequip.model``).

Use in a ``nequip-train`` config as ``model: {_target_: symplugins.nequip.CGEGNNModel, ...}``.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Union

from nequip.data import AtomicDataDict
from nequip.model import model_builder
from nequip.model.energy_modules import _append_energy_modules
from nequip.nn import ForceStressOutput, GraphModel, PerTypeScaleShift, SequentialGraphNetwork
from nequip.scripts._package_utils import register_libraries_as_external_for_packaging

from symplugins.models.potential.energy import CGEGNNEnergy

from .modules import CGEGNNMessagePassing, CGEGNNReadout

# `nequip-package` treats symplugins as an external library (like cuequivariance for
# Allegro): packages reference the installed symplugins instead of copying its source.
# Interning fails: several core modules define dataclasses under postponed annotations,
# which torch.package's importer cannot re-execute (dataclasses looks the module up in
# sys.modules and finds nothing).
register_libraries_as_external_for_packaging(extern_modules=["symplugins"])

PerType = Optional[Union[float, Dict[str, float]]]


@model_builder
def CGEGNNModel(r_max: float, type_names: Sequence[str], *, hidden: int = 16,
                layers: int = 2, hops: int = 1, mlp_products: int = 1, polynomial_cutoff_p: int = 6,
                avg_num_neighbors: Optional[float] = None,
                per_type_energy_scales: PerType = None, per_type_energy_shifts: PerType = None,
                per_type_energy_scales_trainable: bool = False,
                per_type_energy_shifts_trainable: bool = False,
                pair_potential: Optional[Dict] = None,
                do_derivatives: bool = True) -> GraphModel:
    """CG-EGNN interatomic potential (energy, forces, stress) for the nequip framework.

    ``seed``, ``model_dtype`` and ``type_names`` are required (consumed by
    ``@model_builder``); ``r_max`` is the cutoff; ``hidden``, ``layers``, ``hops`` size the
    CG-EGNN (``hops`` = longest message path; ``mlp_products`` = geometric-product blocks per
    message / update MLP); ``polynomial_cutoff_p`` is the envelope
    exponent; the remaining arguments follow nequip's ``NequIPGNNModel``.
    """
    if isinstance(avg_num_neighbors, dict):
        raise ValueError("'avg_num_neighbors' must be one float for CG-EGNN (per-type "
                         "values are not supported); use ${training_data_stats:num_neighbors_mean}")
    energy = CGEGNNEnergy(type_names, r_max=r_max, hidden=hidden, layers=layers, hops=hops,
                          envelope_p=polynomial_cutoff_p, avg_num_neighbors=avg_num_neighbors,
                          mlp_products=mlp_products)
    # one weight set, two graph modules: node_features = hidden x (0e+1o+1e+0o) between them
    message = CGEGNNMessagePassing(energy)
    readout = CGEGNNReadout(energy, irreps_in=message.irreps_out)
    scale_shift = PerTypeScaleShift(
        type_names=list(type_names), field=AtomicDataDict.PER_ATOM_ENERGY_KEY,
        scales=per_type_energy_scales, shifts=per_type_energy_shifts,
        scales_trainable=per_type_energy_scales_trainable,
        shifts_trainable=per_type_energy_shifts_trainable, irreps_in=readout.irreps_out)
    model = SequentialGraphNetwork({"cgegnn": message, "readout": readout,
                                    "per_type_energy_scale_shift": scale_shift})
    model = _append_energy_modules(model, type_names=type_names, pair_potential=pair_potential)
    return ForceStressOutput(model, do_derivatives)
