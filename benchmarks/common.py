"""Helpers shared by benchmark scripts: recording results with command, hardware, date."""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shlex
import sys
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def hardware() -> str:
    dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU only"
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, {dev}, torch {torch.__version__}, {torch.get_num_threads()} threads"


def command() -> str:
    return "python " + " ".join(shlex.quote(a) for a in sys.argv)


def stamp() -> dict:
    """``{"command", "hardware", "date"}`` for a result record."""
    return {"command": command(), "hardware": hardware(), "date": _dt.datetime.now().isoformat(timespec="seconds")}


def write_results(name: str, data, section_md: str) -> Path:
    """Write ``results/<name>.json`` and ``results/<name>.md`` and re-render RESULTS.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=float) + "\n")
    (RESULTS / f"{name}.md").write_text(section_md.strip() + "\n")
    from render_results import HERE, render  # same folder
    (HERE / "RESULTS.md").write_text(render())
    return path
