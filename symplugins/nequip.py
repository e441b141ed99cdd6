"""NequIP façade: CG-EGNN models for ``nequip-train`` / ``nequip-package`` / ``nequip-compile``.

>>> # in a nequip config:  model: {_target_: symplugins.nequip.CGEGNNModel, r_max: 5.0, ...}
"""
from symplugins.adapters.nequip.builders import CGEGNNModel
from symplugins.adapters.nequip.modules import CGEGNNPerAtomEnergy

__all__ = ["CGEGNNModel", "CGEGNNPerAtomEnergy"]
