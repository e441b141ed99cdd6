"""Datasets generated offline (no downloads): import the submodule you need.

- :mod:`symplugins.datasets.nbody`: charged 5-body system (EGNN protocol), regenerated.
- :mod:`symplugins.datasets.meshes`: procedural meshes with part labels.
- :mod:`symplugins.datasets.mocap`: motion capture forecasting (GMN protocol): a loader for GMN's
  ``motion.pkl`` and a synthetic 31-joint walker as the offline stand-in.
"""
