"""ASE façade: CG-EGNN potentials as ASE calculators.

>>> from symplugins.ase import CGEGNNCalculator, list_pretrained
>>> atoms.calc = CGEGNNCalculator.pretrained("ethanol-xtb")
"""
from symplugins.adapters.ase import (
    CGEGNNCalculator, list_pretrained, pretrained_info, pretrained_path,
)

__all__ = ["CGEGNNCalculator", "list_pretrained", "pretrained_info", "pretrained_path"]
