"""Equivariant models assembled from :mod:`symplugins.nn` layers (one file per model)."""
