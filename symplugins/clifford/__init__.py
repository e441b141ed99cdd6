"""Clifford (geometric) algebra core: tables, sparse products, O(n) action (torch only).

``CliffordAlgebra(metric)`` for any diagonal metric with up to 6 basis vectors;
:class:`Multivector` is the representation used by equivariance tests.
"""
from .algebra import CliffordAlgebra
from .multivector import Multivector, outermorphism
from .product import bilinear_entries
from .tables import blade_bitmaps, blade_names, cayley_entries, grade_paths

__all__ = [
    "CliffordAlgebra", "Multivector", "outermorphism", "bilinear_entries", "blade_bitmaps",
    "blade_names", "cayley_entries", "grade_paths",
]
