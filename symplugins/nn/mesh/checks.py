"""Validation of mesh inputs shared by the EMNN layer and models."""
from __future__ import annotations

import torch
from torch import Tensor

from ...utils.checks import check_finite, check_index, check_same_device_dtype


def check_mesh_inputs(h: Tensor, X: Tensor, edge_index: Tensor, face: Tensor | None, *,
                      channels: tuple[int, int] | None = None) -> None:
    """Raise a ValueError naming the argument for bad shapes, indices or values.

    ``h [N, F]``, ``X [N, C, 3]``, ``edge_index [2, E]`` (long), ``face [3, F]`` (long) or None.
    """
    if not isinstance(X, Tensor) or X.dim() != 3 or X.shape[2] != 3:
        raise ValueError(f"'pos' must have shape [N, 3] or [N, C, 3], got "
                         f"{list(X.shape) if isinstance(X, Tensor) else type(X).__name__}")
    n = X.shape[0]
    if n == 0:
        raise ValueError("'pos' is empty: the mesh has no vertices; drop empty meshes before calling")
    if not isinstance(h, Tensor) or h.dim() != 2 or h.shape[0] != n:
        raise ValueError(f"'x' (node features) must have shape [{n}, F] (one row per vertex), "
                         f"got {list(h.shape) if isinstance(h, Tensor) else type(h).__name__}")
    if channels is not None and (h.shape[1], X.shape[1]) != tuple(channels):
        raise ValueError(f"expected {channels[0]} feature channels and {channels[1]} vector channels, "
                         f"got x {list(h.shape)} and pos {list(X.shape)}")
    _check_index_tensor("edge_index", edge_index, 2, n)
    if face is not None:
        _check_index_tensor("face", face, 3, n)
    check_same_device_dtype(x=h, pos=X, edge_index=edge_index, face=face)
    check_finite("pos", X)
    check_finite("x", h)


def _check_index_tensor(name: str, idx: Tensor, rows: int, n: int) -> None:
    if not isinstance(idx, Tensor) or idx.dim() != 2 or idx.shape[0] != rows:
        hint = " (PyTorch3D faces are [F, 3]: pass faces.T)" if name == "face" else ""
        raise ValueError(f"'{name}' must have shape [{rows}, *], got "
                         f"{list(idx.shape) if isinstance(idx, Tensor) else type(idx).__name__}{hint}")
    check_index(name, idx, n, what="vertices")
