"""Real labels offline: MD17-like GFN2-xTB datasets (:mod:`symplugins.data.xtb`).

Needs the ``chem`` extra (tblite, rdkit, ase): ``pip install 'symplugins[chem]'``.
"""
from .extxyz import append_frame, complete_frames, read_frames, repair
from .molecules import MOLECULES, from_smiles, list_molecules, starting_geometry
from .xtb import XTBConfig, evaluate, generate, label, xtb_calculator

__all__ = [
    "MOLECULES", "XTBConfig", "append_frame", "complete_frames", "from_smiles", "generate",
    "evaluate", "label", "list_molecules", "read_frames", "repair", "starting_geometry", "xtb_calculator",
]
