"""EMNN family façade: E(3)-equivariant mesh networks for PyG and PyTorch3D.

Trang et al., "E(3)-Equivariant Mesh Neural Networks", AISTATS 2024 (arXiv 2402.04821).

- :class:`EMNNConv`: one layer (EGNN edge messages + face normals/areas term; ``mode="E3"``
  reflection-correct, ``mode="SE3"`` the paper's term; multi-channel coordinates).
- :class:`EMNN`: the model (``hierarchy=True``: FPS + radius pooling, 3-NN unpooling),
  ``task="node"`` (segmentation) or ``"graph"`` (classification).
- Baselines :func:`EGNNMesh` (faces ignored) and :class:`MeshGCN` (not equivariant).
- :func:`mesh_features`, :func:`load_pretrained`; host inputs via :func:`from_pyg` /
  :func:`from_meshes` (imported lazily: they need PyG / PyTorch3D).
- :func:`hierarchy_plan` / :class:`HierarchyPlan`: the hierarchy's pooling indices, which
  the PyG transform :class:`MeshHierarchyPlan` computes once per mesh (not every step).
"""
from __future__ import annotations

from typing import Any

from .models.emnn.model import EMNN
from .models.emnn.baselines import EGNNMesh, MeshGCN
from .models.emnn.hierarchy import HierarchyPlan, MeshHierarchy, canonical_fps, hierarchy_plan
from .models.emnn.pretrained import PRETRAINED, load_pretrained
from .nn.mesh import EMNNConv
from .nn.mesh.features import heat_kernel_signature, mesh_features

__all__ = [
    "EMNNConv", "EMNN", "EGNNMesh", "MeshGCN", "MeshHierarchy", "canonical_fps", "mesh_features",
    "heat_kernel_signature", "from_pyg", "from_meshes", "load_pretrained", "PRETRAINED",
    "HierarchyPlan", "hierarchy_plan", "MeshHierarchyPlan",
]


def __getattr__(name: str) -> Any:
    if name == "MeshHierarchyPlan":  # a PyG transform: imported on first use
        from .adapters.pyg import MeshHierarchyPlan
        return MeshHierarchyPlan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def from_pyg(data: Any, **kwargs) -> dict:
    """EMNN inputs from a PyG ``Data``/``Batch`` (see :func:`symplugins.adapters.emnn.from_pyg`)."""
    from .adapters.emnn import from_pyg as _from_pyg
    return _from_pyg(data, **kwargs)


def from_meshes(meshes: Any, **kwargs) -> dict:
    """EMNN inputs from PyTorch3D ``Meshes`` (see :func:`symplugins.adapters.emnn.from_meshes`)."""
    from .adapters.emnn import from_meshes as _from_meshes
    return _from_meshes(meshes, **kwargs)
