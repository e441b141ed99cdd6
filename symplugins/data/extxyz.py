"""Append-only extended-XYZ files that survive interruption.

Each frame is rendered in memory and appended with one ``write`` + ``fsync``; on reopen a
partially written last frame (a job killed mid-write) is cut off, so counting frames and
resuming never loses a complete frame and never duplicates one.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from symplugins.utils import require


def complete_frames(path: str | os.PathLike) -> tuple[int, int]:
    """``(frames, nbytes)``: number of complete XYZ frames and the byte size they occupy."""
    count, good = 0, 0
    with open(path, "rb") as f:
        while True:
            head = f.readline()
            if not head.strip():
                break
            try:
                n = int(head.strip())
            except ValueError:
                break
            lines = [f.readline() for _ in range(n + 1)]
            if not all(line.endswith(b"\n") for line in lines):
                break
            count, good = count + 1, f.tell()
    return count, good


def repair(path: str | os.PathLike) -> int:
    """Truncate ``path`` after its last complete frame; return the number of frames kept."""
    path = Path(path)
    if not path.exists():
        return 0
    count, good = complete_frames(path)
    if path.stat().st_size != good:
        with open(path, "r+b") as f:
            f.truncate(good)
    return count


def append_frame(path: str | os.PathLike, atoms) -> None:
    """Append one ``ase.Atoms`` frame (with its calculator results) atomically-ish."""
    aio = require("ase.io", purpose="writing extxyz")
    buf = io.StringIO()
    aio.write(buf, atoms, format="extxyz")
    with open(path, "a") as f:
        f.write(buf.getvalue())
        f.flush()
        os.fsync(f.fileno())


def read_frames(path: str | os.PathLike, index: str | int = ":"):
    """Read frames of an extxyz file (``ase.io.read`` with ``format="extxyz"``)."""
    aio = require("ase.io", purpose="reading extxyz")
    if not Path(path).exists():
        raise FileNotFoundError(f"dataset file {str(path)!r} does not exist")
    return aio.read(path, index=index, format="extxyz")
