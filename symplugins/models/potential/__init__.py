"""Interatomic potential from CG-EGNN: energy model, cutoff envelopes, forces, checkpoints."""
from .checkpoint import load_potential, save_potential
from .energy import CGEGNNEnergy
from .forces import energy_and_forces

__all__ = ["CGEGNNEnergy", "energy_and_forces", "load_potential", "save_potential"]
