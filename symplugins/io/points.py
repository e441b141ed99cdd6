"""Point-cloud and ModelNet readers: ``.off`` meshes, ``.xyz`` / ``.ply`` / ``.npy`` clouds.

Own small parsers (numpy only): ``read_off`` also reads ModelNet's malformed headers
(``OFF490 518 0`` on one line) and triangulates polygons as fans; ``read_ply`` reads the
``vertex`` element of ASCII and binary (little/big endian) PLY files.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

__all__ = ["read_off", "read_points", "read_ply", "read_xyz", "POINT_FORMATS"]

POINT_FORMATS = (".xyz", ".txt", ".ply", ".npy")
_PLY_TYPES = {"char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "i2", "int16": "i2",
              "ushort": "u2", "uint16": "u2", "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
              "float": "f4", "float32": "f4", "double": "f8", "float64": "f8"}


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    return path


def _finite(name: str, pos: np.ndarray) -> None:
    if not np.isfinite(pos).all():
        raise ValueError(f"{name}: coordinates contain NaN or inf")


def read_off(path: str | Path, *, dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
    """Read an OFF mesh -> ``(pos [V, 3], face [3, F] long)`` (PyG layout; polygons fan-triangulated)."""
    path = _existing(path)
    tokens = [ln.split("#")[0].split() for ln in path.read_text().splitlines()]
    tokens = [t for t in tokens if t]
    if not tokens or not tokens[0][0].upper().startswith("OFF"):
        raise ValueError(f"{path.name}: not an OFF file (first token must be 'OFF')")
    head = tokens[0][0][tokens[0][0].upper().index("OFF") + 3:]
    counts = ([head] if head else []) + tokens[0][1:]
    rows = tokens[1:]
    if len(counts) < 2:
        counts, rows = rows[0], rows[1:]
    nv, nf = int(counts[0]), int(counts[1])
    if len(rows) < nv + nf:
        raise ValueError(f"{path.name}: header announces {nv} vertices and {nf} faces, file has {len(rows)} rows")
    pos = np.asarray([[float(v) for v in r[:3]] for r in rows[:nv]], dtype=np.float64).reshape(-1, 3)
    _finite(path.name, pos)
    tris = []
    for r in rows[nv:nv + nf]:
        k, idx = int(r[0]), [int(v) for v in r[1:]]
        tris += [(idx[0], idx[i], idx[i + 1]) for i in range(1, k - 1)]
    face = np.asarray(tris, dtype=np.int64).reshape(-1, 3)
    if face.size and (face.max() >= nv or face.min() < 0):
        raise ValueError(f"{path.name}: a face indexes vertex {face.max()} but there are {nv} vertices")
    return torch.from_numpy(pos).to(dtype), torch.from_numpy(face).T.contiguous()


def read_xyz(path: str | Path) -> np.ndarray:
    """Whitespace (or comma) separated rows ``x y z [features...]`` -> ``[N, 3 + C]`` float64."""
    path = _existing(path)
    rows = [ln.replace(",", " ").split() for ln in path.read_text().splitlines()]
    rows = [r for r in rows if r and not r[0].startswith("#")]
    if rows and len(rows[0]) == 1:   # an XYZ-molecule style count line is not a point cloud
        raise ValueError(f"{path.name}: expected rows 'x y z [features]', got a single number on the first line")
    try:
        return np.asarray([[float(v) for v in r] for r in rows], dtype=np.float64)
    except ValueError as err:
        raise ValueError(f"{path.name}: rows must hold numbers 'x y z [features]' ({err})") from err


def read_ply(path: str | Path) -> np.ndarray:
    """The ``vertex`` element of a PLY file -> ``[N, P]`` float64 (x, y, z first, then the rest)."""
    path = _existing(path)
    raw = path.read_bytes()
    end = raw.find(b"end_header")
    if not raw.startswith(b"ply") or end < 0:
        raise ValueError(f"{path.name}: not a PLY file (missing 'ply' / 'end_header')")
    header = raw[:end].decode("ascii", "replace").splitlines()
    body = raw[raw.index(b"\n", end) + 1:]
    fmt = next((ln.split()[1] for ln in header if ln.startswith("format")), "ascii")
    elements, current = [], None
    for ln in header:
        parts = ln.split()
        if parts[:1] == ["element"]:
            current = (parts[1], int(parts[2]), [])
            elements.append(current)
        elif parts[:1] == ["property"] and current is not None:
            if parts[1] == "list":
                current[2].append((parts[-1], None))
            else:
                current[2].append((parts[-1], _PLY_TYPES.get(parts[1], "f4")))
    if not elements or elements[0][0] != "vertex" or any(t is None for _, t in elements[0][2]):
        raise ValueError(f"{path.name}: expected 'vertex' as the first PLY element with scalar properties")
    name, count, props = elements[0]
    names = [p for p, _ in props]
    if not {"x", "y", "z"} <= set(names):
        raise ValueError(f"{path.name}: vertex element lacks x, y, z properties (has {names})")
    if fmt == "ascii":
        lines = body.decode("ascii").split("\n")[:count]
        table = np.asarray([[float(v) for v in ln.split()[:len(names)]] for ln in lines], dtype=np.float64)
    else:
        order = "<" if fmt == "binary_little_endian" else ">"
        dt = np.dtype([(p, order + t) for p, t in props])
        rec = np.frombuffer(body, dtype=dt, count=count)
        table = np.stack([rec[p].astype(np.float64) for p in names], axis=1)
    first = [names.index(c) for c in "xyz"] + [i for i, p in enumerate(names) if p not in "xyz"]
    return table[:, first]


def read_points(path: str | Path, *, dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor | None]:
    """Read a point cloud (``.xyz``/``.txt``, ``.ply``, ``.npy``) -> ``(pos [N, 3], x [N, C] or None)``."""
    path = _existing(path)
    suffix = path.suffix.lower()
    if suffix in (".xyz", ".txt"):
        table = read_xyz(path)
    elif suffix == ".ply":
        table = read_ply(path)
    elif suffix == ".npy":
        table = np.asarray(np.load(path, allow_pickle=False), dtype=np.float64)
    else:
        raise ValueError(f"unsupported point-cloud format {suffix!r}; use one of {POINT_FORMATS}")
    if table.ndim != 2 or table.shape[1] < 3 or table.shape[0] == 0:
        raise ValueError(f"{path.name}: expected a non-empty [N, 3 + C] table of points, got shape {list(table.shape)}")
    _finite(path.name, table)
    t = torch.from_numpy(np.ascontiguousarray(table)).to(dtype)
    return t[:, :3].contiguous(), (t[:, 3:].contiguous() if t.shape[1] > 3 else None)
