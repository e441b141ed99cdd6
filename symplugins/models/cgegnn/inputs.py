"""Input validation for :class:`~symplugins.models.cgegnn.CGEGNN` (ValueErrors naming the argument)."""
from __future__ import annotations

import torch
from torch import Tensor

from ...utils import check_batch, check_finite, check_index, check_same_device_dtype, check_shape

__all__ = ["validate_inputs"]


def validate_inputs(model, scalars, vectors, pos, edge_index, batch, edge_weight, edge_attr, edge_vec) -> None:
    """Check shapes, index ranges, finiteness, dtypes and devices of a CGEGNN call."""
    check_shape("pos", pos, [None, 3])
    n = pos.shape[0]
    if n == 0:
        raise ValueError("'pos' has no nodes: CGEGNN needs at least one node (drop empty graphs first)")
    check_finite("pos", pos)
    if model.scalar_in or scalars is not None:
        check_shape("scalars", scalars, [n, model.scalar_in])
        check_finite("scalars", scalars)
    if model.vector_in or vectors is not None:
        check_shape("vectors", vectors, [n, model.vector_in, 3])
        check_finite("vectors", vectors)
    check_shape("edge_index", edge_index, [2, None])
    check_index("edge_index", edge_index, n)
    check_batch("batch", batch, n)
    e = edge_index.shape[1]
    for name, t, shape in (("edge_weight", edge_weight, [e]), ("edge_attr", edge_attr, [e, model.edge_in]),
                           ("edge_vec", edge_vec, [e, 3])):
        if t is not None:
            check_shape(name, t, shape)
            check_finite(name, t)
    if model.edge_in and edge_attr is None:
        raise ValueError(f"'edge_attr' is required: the model was built with edge_in={model.edge_in}")
    check_same_device_dtype(pos=pos, scalars=scalars, vectors=vectors, edge_index=edge_index,
                            edge_weight=edge_weight, edge_attr=edge_attr, edge_vec=edge_vec)
    p = next(model.parameters())
    if p.dtype != pos.dtype or p.device != pos.device:
        raise ValueError(f"'pos' is {pos.dtype} on {pos.device} but the model is {p.dtype} on {p.device}; "
                         f"call model.to(pos) or cast the inputs")
