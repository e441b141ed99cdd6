"""Structure checks for interatomic potentials: clear errors instead of NaN energies."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from symplugins.utils import check_batch, check_finite, check_shape

#: atoms closer than this (A) are reported as overlapping
MIN_DISTANCE = 0.5


def check_structure(types: Tensor, pos: Tensor, type_names: Sequence[str], *,
                    batch: Tensor | None = None, min_distance: float = MIN_DISTANCE) -> None:
    """Raise ValueError for empty structures, NaN/inf positions, unknown types, overlaps."""
    check_shape("pos", pos, (None, 3))
    if pos.shape[0] == 0:
        raise ValueError("'pos' is empty: the structure has no atoms; pass at least one atom")
    check_shape("types", types, (pos.shape[0],))
    check_finite("pos", pos)
    check_batch("batch", batch, pos.shape[0])
    if types.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"'types' must be an integer tensor of type indices, got {types.dtype}")
    bad = (types < 0) | (types >= len(type_names))
    if bool(bad.any()):
        raise ValueError(
            f"'types' holds index {int(types[bad][0])}, but this model only knows "
            f"{len(type_names)} types {list(type_names)} (indices 0..{len(type_names) - 1})")
    check_overlaps(pos, batch=batch, min_distance=min_distance)


def check_overlaps(pos: Tensor, *, batch: Tensor | None = None,
                   min_distance: float = MIN_DISTANCE) -> None:
    """Raise ValueError if two atoms of one structure are closer than ``min_distance``."""
    with torch.no_grad():
        d = torch.cdist(pos.detach(), pos.detach())
        d.fill_diagonal_(float("inf"))
        if batch is not None:
            d[batch.view(-1, 1) != batch.view(1, -1)] = float("inf")
        if pos.shape[0] > 1 and float(d.min()) < min_distance:
            i, j = divmod(int(d.argmin()), pos.shape[0])
            raise ValueError(
                f"atoms {i} and {j} overlap: {float(d[i, j]):.3g} A apart (< {min_distance} A); "
                "fix the structure (duplicated atoms? wrong units?)")
