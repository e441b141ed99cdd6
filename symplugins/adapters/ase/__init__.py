"""ASE adapter: :class:`CGEGNNCalculator` and the shipped potentials (needs ``ase``)."""
from .calculator import CGEGNNCalculator
from .pretrained import list_pretrained, pretrained_info, pretrained_path

__all__ = ["CGEGNNCalculator", "list_pretrained", "pretrained_info", "pretrained_path"]
