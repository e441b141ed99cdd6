"""PyG adapter: ``Data`` / ``Batch`` -> packed mesh and point-cloud inputs (needs PyG).

PyG batching offsets ``face`` (and keys containing ``index``) automatically, so a
``Batch`` of meshes already has the packed layout that :mod:`symplugins.adapters.pytorch3d`
produces from ``Meshes``: the two give identical input dicts.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..geometry.mesh import edges_from_faces, validate_mesh
from ..utils.checks import check_batch, check_shape
from ..utils.imports import require


def _pyg_data():
    return require("torch_geometric.data", extra="pyg", purpose="PyG Data objects")


def _get(data: Any, key: str) -> Tensor | None:
    return data[key] if key in data else None


def _batch(data: Any, num: int, device: torch.device) -> Tensor:
    batch = _get(data, "batch")
    if batch is None:
        return torch.zeros(num, dtype=torch.long, device=device)
    check_batch("data.batch", batch, num)
    return batch


def _pos(data: Any) -> Tensor:
    data_mod = _pyg_data()
    if not isinstance(data, data_mod.Data):
        raise ValueError(
            f"'data' must be a torch_geometric Data or Batch, got {type(data).__name__}"
        )
    pos = _get(data, "pos")
    if pos is None:
        raise ValueError("'data' has no 'pos'; store the vertex/point coordinates in data.pos")
    check_shape("data.pos", pos, (None, 3))
    return pos


def mesh_inputs_from_data(data: Any) -> dict[str, Tensor]:
    """Packed mesh inputs of a PyG ``Data``/``Batch`` with ``pos [V, 3]`` and ``face [3, F]``.

    Returns ``pos``, ``face [3, F]``, ``edge_index [2, E]`` (``data.edge_index`` if
    present, else the mesh edges both ways, like ``FaceToEdge``) and ``batch [V]``
    (``data.batch``, or zeros for a single ``Data``).
    """
    pos = _pos(data)
    face = _get(data, "face")
    if face is None:
        raise ValueError(
            "'data' has no 'face'; a mesh needs data.face [3, F] (FaceToEdge drops it unless "
            "remove_faces=False)"
        )
    check_shape("data.face", face, (3, None))
    validate_mesh(pos, face.t(), allow_degenerate=True)
    edge_index = _get(data, "edge_index")
    if edge_index is None:
        edge_index = edges_from_faces(face.t(), num_nodes=pos.size(0))
    return {"pos": pos, "face": face, "edge_index": edge_index,
            "batch": _batch(data, pos.size(0), pos.device)}


def cloud_inputs_from_data(data: Any) -> dict[str, Tensor | None]:
    """Packed point-cloud inputs: ``pos [N, 3]``, ``x [N, C]`` (``data.x`` or None) and
    ``batch [N]``."""
    pos = _pos(data)
    if not bool(torch.isfinite(pos).all()):
        raise ValueError("'data.pos' has non-finite coordinates (NaN or inf)")
    return {"pos": pos, "x": _get(data, "x"), "batch": _batch(data, pos.size(0), pos.device)}


def to_pyg_mesh(verts: Tensor, faces: Tensor, **attrs: Any) -> Any:
    """A PyG ``Data(pos=verts [V, 3], face=faces.T [3, F], **attrs)`` for one mesh."""
    validate_mesh(verts, faces, allow_degenerate=True)
    return _pyg_data().Data(pos=verts, face=faces.t().contiguous(), **attrs)


class MeshHierarchyPlan:
    """PyG transform: attach the EMNN hierarchy's pooling plan to a mesh ``Data``.

    The FPS / radius / k-NN indices of :class:`~symplugins.models.emnn.MeshHierarchy`
    depend only on the (per-mesh normalised) vertex positions and are invariant to
    rotations, reflections and translations, like ``edge_index`` from faces. Compute them
    once per mesh, as a ``pre_transform`` or over a dataset list, instead of in every
    training step; ``Batch.from_data_list`` offsets them per level
    (:class:`~symplugins.adapters.pyg_hierarchy.HierarchyData`) and
    :func:`hierarchy_plan_from_data` hands the batch's plan to ``EMNN(hierarchy_plan=...)``.
    Settings must match the model's hierarchy (checked in the forward). Returns a
    ``HierarchyData`` copy of ``data``.
    """

    def __init__(self, *, stages: int = 3, ratio: float = 0.25, radius: float = 0.2, k: int = 3,
                 max_num_neighbors: int | None = 64):
        # registers HierarchyData for torch.load(weights_only=True) before a dataset built
        # with this pre_transform is reloaded from disk
        from . import pyg_hierarchy  # noqa: F401
        self.stages, self.ratio, self.radius, self.k = stages, ratio, radius, k
        self.max_num_neighbors = max_num_neighbors

    @classmethod
    def for_model(cls, model: Any) -> "MeshHierarchyPlan":
        """The transform matching ``model.hierarchy`` (an EMNN built with ``hierarchy=True``)."""
        hier = getattr(model, "hierarchy", None)
        if hier is None:
            raise ValueError("the model has no hierarchy (build it with EMNN(..., hierarchy=True))")
        return cls(stages=hier.stages, ratio=hier.ratio, radius=hier.radius, k=hier.k,
                   max_num_neighbors=hier.max_num_neighbors)

    def __call__(self, data: Any) -> Any:
        from ..models.emnn.hierarchy import hierarchy_plan
        from ..nn.mesh import normalize_per_mesh
        from .pyg_hierarchy import HierarchyData
        pos = _pos(data)
        if "batch" in data and data.batch is not None:
            raise ValueError("MeshHierarchyPlan runs on single meshes (a Data, not a Batch); apply "
                             "it per mesh before batching")
        if type(data) not in (_pyg_data().Data, HierarchyData):
            raise ValueError(f"MeshHierarchyPlan takes a plain torch_geometric Data, got {type(data).__name__} "
                             "(its own __inc__/__cat_dim__ would be lost); convert it with Data(**data.to_dict())")
        if not bool(torch.isfinite(pos).all()):
            raise ValueError("'data.pos' has non-finite coordinates (NaN or inf)")
        batch = torch.zeros(pos.size(0), dtype=torch.long, device=pos.device)
        plan = hierarchy_plan(normalize_per_mesh(pos, batch, 1)[0], batch, stages=self.stages,
                              ratio=self.ratio, radius=self.radius, k=self.k,
                              max_num_neighbors=self.max_num_neighbors)
        out = HierarchyData(**{key: value for key, value in data.items() if not key.startswith("hier_")})
        for s in range(self.stages):
            out[f"hier_pool_{s}"], out[f"hier_down_{s}"], out[f"hier_up_{s}"] = \
                plan.pool[s], plan.down[s], plan.up[s]
        cap = -1 if self.max_num_neighbors is None else self.max_num_neighbors  # -1: no cap
        out.hier_settings = torch.tensor([[self.ratio, self.radius, self.k, cap]], dtype=torch.float32)
        return out

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(stages={self.stages}, ratio={self.ratio}, "
                f"radius={self.radius}, k={self.k}, max_num_neighbors={self.max_num_neighbors})")


def hierarchy_plan_from_data(data: Any):
    """The :class:`~symplugins.models.emnn.hierarchy.HierarchyPlan` stored on a ``Data``/``Batch``
    by :class:`MeshHierarchyPlan`, or None when it carries none."""
    from ..models.emnn.hierarchy import HierarchyPlan
    if "hier_pool_0" not in data:
        return None
    stages = 0
    while f"hier_pool_{stages}" in data:
        stages += 1
    settings = data["hier_settings"]
    if bool((settings != settings[:1]).any()):
        raise ValueError("the meshes of this batch carry hierarchy plans built with different "
                         "settings; use one MeshHierarchyPlan for the whole dataset")
    ratio, radius, k, cap = settings[0].tolist()
    cap = None if cap < 0 else int(cap)
    return HierarchyPlan(tuple(data[f"hier_pool_{s}"] for s in range(stages)),
                         tuple(data[f"hier_down_{s}"] for s in range(stages)),
                         tuple(data[f"hier_up_{s}"] for s in range(stages)),
                         (ratio, radius, int(k), cap))
