"""A procedural labelled mesh dataset (classification + part segmentation), generated offline.

Stand-in for TOSCA / SHREC / human-body segmentation (EMNN, arXiv 2402.04821), which cannot
be downloaded here. Each sample is a closed mesh of one of
:data:`symplugins.geometry.SHAPE_CLASSES` with random proportions, a smooth random
non-rigid deformation, a random resolution, and a random similarity (scale, translation,
and a rotation when ``rotate="so3"``). ``y`` is the class, ``part`` a per-vertex label.

Part labels: with ``parts="intrinsic"`` (default) parts that a symmetry of the undeformed
shape maps onto each other (the two caps of a capsule, top/bottom of a torus, the
tetrahedral quarters of a sphere, ...) are merged, since no E(3)-invariant model, and no
model evaluated under random rotations, can tell them apart; labels are global across
classes (ShapeNet-part style, :data:`PART_NAMES`). ``parts="raw"`` keeps the geometry
module's class-local labels.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from ..geometry import SHAPE_CLASSES, edges_from_faces, make_shape, random_similarity
from ..nn.mesh.features import mesh_features
from ..utils import require
from ._generated import GeneratedDataset

_pyg = require("torch_geometric", purpose="the procedural mesh dataset (symplugins.datasets.meshes)")

#: class-local raw part -> global intrinsic part, per class (order of SHAPE_CLASSES)
_INTRINSIC = {
    "sphere": (0, 0, 0, 0), "ellipsoid": (1, 2, 1), "torus": (3, 4, 4, 3),
    "capsule": (5, 6, 5), "cylinder": (7, 8, 7), "cone": (9, 10, 11), "box": (12, 13, 12),
}
PART_NAMES = ("sphere", "ellipsoid end", "ellipsoid middle", "torus outer", "torus inner",
              "capsule cap", "capsule body", "cylinder cap", "cylinder side", "cone base",
              "cone side", "cone tip", "box end", "box middle")
RESOLUTIONS = (8, 12, 16, 20, 24)


def generate_mesh(index: int, *, seed: int = 0, rotate: str = "none", deform: float = 0.1,
                  resolutions: tuple[int, ...] = RESOLUTIONS, parts: str = "intrinsic",
                  hks: int = 0) -> dict[str, Tensor]:
    """Sample ``index`` (class ``index % num_classes``) as a dict of tensors (PyG layout).

    Keys: ``pos [N, 3]`` float32, ``face [3, F]``, ``edge_index [2, E]``, ``x [N, 1 + hks]``
    (mean incident face area, HKS), ``y [1]`` class, ``part [N]`` part label.
    """
    if parts not in ("intrinsic", "raw"):
        raise ValueError(f"'parts' must be 'intrinsic' or 'raw', got {parts!r}")
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(index))
    cls = index % len(SHAPE_CLASSES)
    name = SHAPE_CLASSES[cls]
    res = resolutions[int(torch.randint(len(resolutions), (1,), generator=gen))]
    shape = make_shape(name, res, gen, deform=deform > 0, strength=deform)
    verts = random_similarity(shape.verts.double(), generator=gen, rotation=rotate).verts
    part = shape.labels if parts == "raw" else torch.tensor(_INTRINSIC[name])[shape.labels]
    pos, face = verts.float(), shape.faces.T.contiguous()
    return dict(pos=pos, face=face, edge_index=edges_from_faces(shape.faces, pos.shape[0]),
                x=mesh_features(verts, face, hks=hks).float(), y=torch.tensor([cls]), part=part)


class ProceduralMeshes(GeneratedDataset):
    """PyG ``InMemoryDataset`` of :func:`generate_mesh` samples; generates, never downloads.

    Args:
        root: cache folder (``processed/`` holds one file per configuration).
        split: ``"train"``, ``"val"`` or ``"test"`` (different seeds).
        num_per_class: samples per shape class.
        rotate: ``"none"`` (aligned), ``"z"`` or ``"so3"`` (random rotation per mesh).
        deform, resolutions, parts, hks: see :func:`generate_mesh`. seed: base seed.
    """

    prefix = "meshes"

    def __init__(self, root: str | Path, *, split: str = "train", num_per_class: int = 20,
                 rotate: str = "none", deform: float = 0.1, resolutions=RESOLUTIONS,
                 parts: str = "intrinsic", hks: int = 0, seed: int = 0, transform=None,
                 pre_transform=None, log: bool = False):
        self.check_options(split, rotate, num_per_class)
        self.config = dict(split=split, num_per_class=num_per_class, rotate=rotate, deform=deform,
                           resolutions=list(resolutions), parts=parts, hks=hks, seed=seed)
        super().__init__(str(root), transform, pre_transform, log=log)
        self.load(self.processed_paths[0])

    @property
    def num_classes(self) -> int:  # the class count, not the part count
        return len(SHAPE_CLASSES)

    @property
    def num_parts(self) -> int:
        return len(PART_NAMES) if self.config["parts"] == "intrinsic" else 4

    def process(self) -> None:
        c = self.config
        seed = c["seed"] * 10 + self.SPLIT_SEEDS[c["split"]]
        data = []
        for i in range(c["num_per_class"] * len(SHAPE_CLASSES)):
            d = generate_mesh(i, seed=seed, rotate=c["rotate"], deform=c["deform"],
                              resolutions=tuple(c["resolutions"]), parts=c["parts"], hks=c["hks"])
            data.append(_pyg.data.Data(**d))
        self._finish(data)
