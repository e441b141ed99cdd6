"""Point-cloud datasets: procedural shape clouds (generated offline) and a ModelNet ``.off`` reader.

``ProceduralPointClouds``: area-uniform surface samples of the procedural shape classes
(:data:`symplugins.geometry.SHAPE_CLASSES`: random proportions, smooth non-rigid
deformation; :func:`symplugins.datasets.meshes.generate_mesh`), centred, scaled into the
unit ball, jittered by Gaussian noise; ``y`` = class, ``part`` = per-point part label
(the mesh dataset's intrinsic global parts), ``normal`` = face normal at the sample. A
stand-in for ModelNet40 / ShapeNet-part, which cannot be downloaded here.

``ModelNetOFF``: the real ModelNet10/40 layout ``<root>/<class>/<train|test>/*.off``
(or under ``<root>/raw/``) for users who have the files, sampled the same way.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from ..geometry import SHAPE_CLASSES, sample_surface, transfer_vertex_labels
from ..io.points import read_off
from ..utils import require
from ._generated import GeneratedDataset
from .meshes import PART_NAMES, generate_mesh

_pyg = require("torch_geometric", purpose="the point-cloud datasets (symplugins.datasets.points)")

__all__ = ["generate_cloud", "normalize_cloud", "ProceduralPointClouds", "ModelNetOFF", "PART_NAMES"]


def normalize_cloud(pos: Tensor) -> Tensor:
    """Centre a cloud ``[N, 3]`` and scale it into the unit ball (ModelNet preprocessing)."""
    pos = pos - pos.mean(0)
    return pos / pos.norm(dim=1).max().clamp_min(1e-12)


def generate_cloud(index: int, *, seed: int = 0, num_points: int = 256, rotate: str = "none",
                   deform: float = 0.1, noise: float = 0.01) -> dict[str, Tensor]:
    """Sample ``index`` (class ``index % 7``) -> ``pos [P, 3]``, ``normal [P, 3]``, ``y [1]``, ``part [P]``."""
    if not isinstance(num_points, int) or num_points < 1:
        raise ValueError(f"'num_points' must be a positive int, got {num_points!r}")
    if noise < 0:
        raise ValueError(f"'noise' must be >= 0, got {noise}")
    mesh = generate_mesh(index, seed=seed, rotate=rotate, deform=deform)
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(index) + 99_991)
    faces = mesh["face"].T.contiguous()
    s = sample_surface(mesh["pos"].double(), faces, num_points, generator=gen)
    part = transfer_vertex_labels(mesh["part"], faces, s)
    pos = normalize_cloud(s.pos) + noise * torch.randn(num_points, 3, generator=gen, dtype=torch.float64)
    return dict(pos=pos.float(), normal=s.normal.float(), y=mesh["y"], part=part)


class ProceduralPointClouds(GeneratedDataset):
    prefix = "clouds"

    """PyG ``InMemoryDataset`` of :func:`generate_cloud` samples (classification + parts).

    Args:
        root: cache folder. split: "train", "val" or "test" (different seeds).
        num_per_class: samples per class (7 classes). num_points: points per cloud.
        rotate: "none" (aligned, for z/z and z/SO3), "z" or "so3" (random per cloud).
        deform: deformation strength. noise: Gaussian jitter (unit-ball scale). seed: base seed.
    """


    def __init__(self, root: str | Path, *, split: str = "train", num_per_class: int = 20,
                 num_points: int = 256, rotate: str = "none", deform: float = 0.1, noise: float = 0.01,
                 seed: int = 0, transform=None, pre_transform=None, log: bool = False):
        self.check_options(split, rotate, num_per_class)
        self.config = dict(split=split, num_per_class=num_per_class, num_points=num_points, rotate=rotate,
                           deform=deform, noise=noise, seed=seed)
        super().__init__(str(root), transform, pre_transform, log=log)
        self.load(self.processed_paths[0])

    @property
    def num_classes(self) -> int:
        return len(SHAPE_CLASSES)

    @property
    def num_parts(self) -> int:
        return len(PART_NAMES)

    def process(self) -> None:
        c = self.config
        seed = 1000 + c["seed"] * 10 + self.SPLIT_SEEDS[c["split"]]
        self._finish([_pyg.data.Data(**generate_cloud(i, seed=seed, num_points=c["num_points"], rotate=c["rotate"],
                                                      deform=c["deform"], noise=c["noise"]))
                      for i in range(c["num_per_class"] * len(SHAPE_CLASSES))])


class ModelNetOFF(GeneratedDataset):
    """ModelNet10/40 from extracted ``.off`` files (no download): ``<root>[/raw]/<class>/<split>/*.off``.

    Each mesh is sampled (area-uniform, ``num_points``, seeded per file), centred and scaled
    into the unit ball. ``y`` is the index of the class folder in sorted order.
    """

    prefix = "modelnet"

    def __init__(self, root: str | Path, *, split: str = "train", num_points: int = 1024, seed: int = 0,
                 transform=None, pre_transform=None, log: bool = False):
        if split not in ("train", "test"):
            raise ValueError(f"'split' must be 'train' or 'test', got {split!r}")
        base = Path(root) / "raw" if (Path(root) / "raw").is_dir() else Path(root)
        self.classes = sorted(p.name for p in base.iterdir() if (p / split).is_dir()) if base.is_dir() else []
        if not self.classes:
            raise ValueError(f"no ModelNet class folders '<class>/{split}/*.off' under {base}; "
                             "extract ModelNet10.zip or ModelNet40.zip there (it cannot be downloaded here)")
        self.base = base
        self.config = dict(split=split, num_points=num_points, seed=seed, classes=self.classes)
        super().__init__(str(root), transform, pre_transform, log=log)
        self.load(self.processed_paths[0])

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def process(self) -> None:
        split, items = self.config["split"], []
        for y, name in enumerate(self.classes):
            for i, f in enumerate(sorted((self.base / name / split).glob("*.off"))):
                pos, face = read_off(f, dtype=torch.float64)
                gen = torch.Generator().manual_seed(self.config["seed"] * 1_000_003 + 1000 * y + i)
                s = sample_surface(pos, face.T.contiguous(), self.config["num_points"], generator=gen)
                items.append(_pyg.data.Data(pos=normalize_cloud(s.pos).float(), normal=s.normal.float(),
                                            y=torch.tensor([y])))
        self._finish(items)
