"""Clifford group equivariant layers on multivector channels ``[..., channels, 2**n]``.

After CGENN (Ruhe, Brandstetter, Forre, NeurIPS 2023): :class:`MVLinear`,
:class:`SteerableGeometricProduct`, :class:`MVNormalize`, :class:`MVSiLU`,
:class:`MVLayerNorm`. Each declares ``rep_in``/``rep_out`` = :class:`~symplugins.clifford.Multivector`.
"""
from .activation import MVSiLU
from .geometric_product import SteerableGeometricProduct
from .linear import MVLinear
from .normalization import MVLayerNorm, MVNormalize

__all__ = ["MVLinear", "SteerableGeometricProduct", "MVNormalize", "MVSiLU", "MVLayerNorm"]
