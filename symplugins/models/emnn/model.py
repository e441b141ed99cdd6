"""EMNN: an E(3)-equivariant mesh network with an optional hierarchy and task heads.

Trang, Ngo, Levy, Vo, Ravanbakhsh, Hy, "E(3)-Equivariant Mesh Neural Networks",
AISTATS 2024 (arXiv 2402.04821).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...nn.mesh import EMNNConv, check_mesh_inputs, normalize_per_mesh, vertex_normal_channel
from ...nn.pool import scatter_max, scatter_mean
from ...utils.checks import check_batch
from .hierarchy import HierarchyPlan, MeshHierarchy

TASKS = ("node", "graph")


def mesh_batch(batch: Tensor | None, n: int, device) -> tuple[Tensor, int]:
    """Validate a sorted PyG batch vector (zeros when None) -> ``(batch, num_meshes)``."""
    if batch is None:
        return torch.zeros(n, dtype=torch.long, device=device), 1
    check_batch("batch", batch, n)
    if batch.numel() > 1 and bool((batch[1:] < batch[:-1]).any()):
        raise ValueError("'batch' must be sorted (vertices grouped mesh by mesh, as PyG and "
                         "PyTorch3D pack them); sort the vertices or use Batch.from_data_list")
    n_meshes = int(batch.max()) + 1
    empty = (torch.bincount(batch, minlength=n_meshes) == 0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(f"mesh(es) {empty[:5]} of the batch have no vertices (batch ids must be "
                         "0..B-1 without gaps); drop empty meshes before calling")
    return batch.long(), n_meshes


class EMNN(nn.Module):
    r"""Stack of :class:`~symplugins.nn.mesh.EMNNConv` layers with per-mesh normalisation.

    Pipeline: centre and scale each mesh (``pos_n = (pos - c_b) / s_b``), embed ``x``,
    ``layers`` EMNN updates of ``(h, X)`` (``X`` = position, plus the vertex normal when
    ``vector_channels >= 2``), optional :class:`MeshHierarchy` (FPS ratio 0.25 + radius
    max-pooling, 3-NN unpooling with skips) on the invariant ``h`` over the normalised input
    coordinates, then a head: ``task="node"`` -> per-vertex ``[N, out_channels]``;
    ``task="graph"`` -> per-mesh logits ``[B, out_channels]`` from mean+max pooling.
    ``pos_out = X^0 s_b + c_b`` is E(3)-equivariant (``mode="E3"``) and ``h`` invariant.

    ``forward(x, pos, edge_index, face, batch=None)`` with ``x [N, in_channels]``,
    ``pos [N, 3]``, ``edge_index [2, E]`` (both directions), ``face [3, F]``, ``batch [N]``
    (sorted) -> ``(h, pos_out [N, 3])``. ``paper_face_mlp=True`` uses the paper's face MLP
    (ends in a SiLU; slower, see :class:`~symplugins.nn.mesh.EMNNConv`), for ablations.
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, layers: int = 4,
                 hierarchy: bool = False, *, mode: str = "E3", vector_channels: int = 1,
                 use_faces: bool = True, task: str = "node", stages: int = 3,
                 ratio: float = 0.25, radius: float = 0.2, k: int = 3, paper_face_mlp: bool = False):
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"'task' must be one of {TASKS} (node: per-vertex outputs, graph: "
                             f"per-mesh logits), got {task!r}")
        if not isinstance(layers, int) or layers < 1:
            raise ValueError(f"'layers' must be a positive int, got {layers!r}")
        if not isinstance(vector_channels, int) or vector_channels < 1:
            raise ValueError(f"'vector_channels' must be a positive int, got {vector_channels!r}")
        self.in_channels, self.hidden, self.out_channels = in_channels, hidden, out_channels
        self.mode, self.task, self.use_faces, self.vector_channels = mode, task, use_faces, vector_channels
        c0 = 1 if vector_channels == 1 else 2
        self.embed = nn.Linear(in_channels, hidden)
        self.convs = nn.ModuleList(
            EMNNConv(hidden, hidden, mode=mode, use_faces=use_faces, paper_face_mlp=paper_face_mlp,
                     vector_channels=(c0 if i == 0 else vector_channels, vector_channels))
            for i in range(layers))
        self.hierarchy = MeshHierarchy(hidden, stages=stages, ratio=ratio, radius=radius, k=k) \
            if hierarchy else None
        width = 2 * hidden if task == "graph" else hidden
        self.head = nn.Sequential(nn.Linear(width, hidden), nn.SiLU(), nn.Linear(hidden, out_channels))

    def reset_parameters(self) -> None:
        for m in [self.embed, *self.convs, *self.head] + ([self.hierarchy] if self.hierarchy else []):
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()

    def forward(self, x: Tensor, pos: Tensor, edge_index: Tensor, face: Tensor | None = None,
                batch: Tensor | None = None, *,
                hierarchy_plan: HierarchyPlan | None = None) -> tuple[Tensor, Tensor]:
        """Run the network; returns ``(h, pos_out)`` (shapes in the class docstring).

        ``hierarchy_plan``: the pooling indices of the hierarchy, precomputed once per mesh
        (:class:`symplugins.adapters.pyg.MeshHierarchyPlan`); computed here when None.
        Ignored without a hierarchy.
        """
        if self.use_faces and face is None:
            raise ValueError("'face' is required by EMNN (faces carry the normals and areas); "
                             "pass use_faces=False for the faceless EGNN variant")
        check_mesh_inputs(x, pos.unsqueeze(1) if pos.dim() == 2 else pos, edge_index,
                          face if self.use_faces else None, channels=(self.in_channels, 1))
        batch, n_meshes = mesh_batch(batch, pos.shape[0], pos.device)
        pos_n, cen, scale = normalize_per_mesh(pos, batch, n_meshes)
        X = pos_n.unsqueeze(1)
        if self.vector_channels > 1:
            normal = vertex_normal_channel(pos_n, edge_index, face, mode=self.mode)
            X = torch.stack([pos_n, normal], dim=1)
        h = self.embed(x)
        for conv in self.convs:
            h, X = conv(h, X, edge_index, face, validate=False)
        if self.hierarchy is not None:
            h = self.hierarchy(h, pos_n, batch, plan=hierarchy_plan)
        if self.task == "graph":
            h = torch.cat([scatter_mean(h, batch, n_meshes), scatter_max(h, batch, n_meshes)], -1)
        pos_out = X[:, 0] * scale[batch, None] + cen[batch]
        return self.head(h), pos_out

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        extra = f", hierarchy x{self.hierarchy.stages}" if self.hierarchy is not None else ""
        faces = f"mode={self.mode}" if self.use_faces else "no faces (EGNN)"
        return (f"{type(self).__name__}({self.in_channels} -> {self.hidden} x{len(self.convs)} -> "
                f"{self.out_channels}, task={self.task}, vectors={self.vector_channels}, {faces}"
                f"{extra} | {n:,} params)")
