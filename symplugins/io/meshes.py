"""Triangle-mesh file loaders: ``.off``, ``.obj``, ``.ply`` (and what meshio reads).

trimesh reads ``.off``/``.obj``/``.ply``/``.stl``/``.glb``; other formats go through
meshio. Polygons are triangulated, vertices are not merged or reordered (``process=False``),
so per-vertex labels stored next to the file still line up.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..utils import require

TRIMESH_FORMATS = (".off", ".obj", ".ply", ".stl", ".glb", ".gltf")


def load_mesh(path: str | Path, *, dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
    """Read a triangle mesh -> ``(pos [N, 3] dtype, face [3, F] long)`` (PyG layout).

    Raises FileNotFoundError for a missing file and ValueError for a file without
    vertices or triangle faces (point clouds, line sets).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"mesh file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in TRIMESH_FORMATS:
        verts, faces = _load_trimesh(path)
    else:
        verts, faces = _load_meshio(path)
    pos = torch.from_numpy(np.asarray(verts, dtype=np.float64).copy()).reshape(-1, 3)
    face = torch.from_numpy(np.asarray(faces, dtype=np.int64).copy()).reshape(-1, 3)
    if pos.shape[0] == 0 or face.shape[0] == 0:
        raise ValueError(f"{path.name}: no triangle faces found ({pos.shape[0]} vertices, "
                         f"{face.shape[0]} faces); EMNN needs a surface mesh, not a point cloud")
    if not bool(torch.isfinite(pos).all()):
        raise ValueError(f"{path.name}: vertex coordinates contain NaN or inf")
    if int(face.max()) >= pos.shape[0] or int(face.min()) < 0:
        raise ValueError(f"{path.name}: faces index vertex {int(face.max())} but the file has "
                         f"{pos.shape[0]} vertices")
    return pos.to(dtype), face.T.contiguous()


def _load_trimesh(path: Path):
    trimesh = require("trimesh", purpose=f"reading {path.suffix} meshes")
    try:
        mesh = trimesh.load(str(path), force="mesh", process=False)
    except Exception as err:  # trimesh raises many types for malformed files
        raise ValueError(f"{path.name}: could not parse the mesh ({type(err).__name__}: {err})") from err
    faces = getattr(mesh, "faces", None)
    return getattr(mesh, "vertices", []), ([] if faces is None else faces)


def _load_meshio(path: Path):
    meshio = require("meshio", purpose=f"reading {path.suffix} meshes")
    try:
        mesh = meshio.read(str(path))
    except Exception as err:
        raise ValueError(f"{path.name}: unsupported or malformed mesh file ({err})") from err
    tris = [c.data for c in mesh.cells if c.type == "triangle"]
    return mesh.points[:, :3], (np.concatenate(tris) if tris else np.zeros((0, 3), dtype=np.int64))
