"""Datasets generated offline (no downloads): import the submodule you need.

- :mod:`symplugins.datasets.nbody`: charged 5-body system (EGNN protocol), regenerated.
- :mod:`symplugins.datasets.meshes`: procedural meshes with part labels.
"""
