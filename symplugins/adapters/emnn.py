"""EMNN inputs from host mesh containers: PyG ``Data``/``Batch`` and PyTorch3D ``Meshes``.

Both return the keyword arguments of :meth:`symplugins.models.emnn.model.EMNN.forward`, so
``model(**from_pyg(batch))`` and ``model(**from_meshes(meshes))`` run the same network on
the same packed layout (``pos``, ``face [3, F]`` offset into the packed vertices,
``edge_index`` both ways, ``batch``). ``x`` defaults to the invariant mesh features of
:func:`symplugins.nn.mesh.features.mesh_features` (mean incident face area, optional HKS).
"""
from __future__ import annotations

from typing import Any

from torch import Tensor

from ..nn.mesh.features import mesh_features
from .pyg import hierarchy_plan_from_data, mesh_inputs_from_data
from .pytorch3d import mesh_inputs


def _with_features(inputs: dict[str, Tensor], x: Tensor | None, hks: int) -> dict[str, Tensor]:
    if x is None:
        x = mesh_features(inputs["pos"], inputs["face"], inputs["batch"], hks=hks)
    elif x.dim() == 1:
        x = x.unsqueeze(-1)
    return {"x": x.to(inputs["pos"].dtype), **inputs}


def from_pyg(data: Any, *, hks: int = 0, use_x: bool = True) -> dict[str, Tensor]:
    """``dict(x, pos, edge_index, face, batch)`` from a PyG ``Data``/``Batch`` with pos and face.

    Edges are derived from the faces when ``data.edge_index`` is absent; ``x`` is
    ``data.x`` when present (and ``use_x``), else computed mesh features. Meshes
    prepared with :class:`~symplugins.adapters.pyg.MeshHierarchyPlan` also give
    ``hierarchy_plan`` (for ``EMNN(hierarchy=True)``).
    """
    x = getattr(data, "x", None) if use_x else None
    out = _with_features(mesh_inputs_from_data(data), x, hks)
    plan = hierarchy_plan_from_data(data)
    return out if plan is None else {**out, "hierarchy_plan": plan}


def from_meshes(meshes: Any, *, hks: int = 0) -> dict[str, Tensor]:
    """``dict(x, pos, edge_index, face, batch)`` from ``pytorch3d.structures.Meshes``
    (packed, no compiled PyTorch3D ops); ``x`` = computed mesh features."""
    return _with_features(mesh_inputs(meshes), None, hks)
