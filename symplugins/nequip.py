"""NequIP façade: CG-EGNN models for ``nequip-train`` / ``nequip-package`` / ``nequip-compile``.

>>> # in a nequip config:  model: {_target_: symplugins.nequip.CGEGNNModel, r_max: 5.0, ...}
"""
from symplugins.adapters.nequip.builders import CGEGNNModel
from symplugins.adapters.nequip.modules import (
    CGEGNNMessagePassing, CGEGNNReadout, blades_to_irreps, irreps_to_blades, multivector_irreps,
)

__all__ = ["CGEGNNModel", "CGEGNNMessagePassing", "CGEGNNReadout", "multivector_irreps",
           "blades_to_irreps", "irreps_to_blades"]
