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


def forecast_module(model, mse, *, lr: float, weight_decay: float, steps: int):
    """Lightning module for trajectory forecasting: ``mse(model, batch)`` is the loss, logged as
    ``train_mse`` / ``val_mse`` / ``test_mse``; Adam with a 2 % linear warm-up then cosine decay
    over ``steps`` (stepped every optimizer step)."""
    import math

    import lightning as L

    class Forecast(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.model = model

        def training_step(self, batch, _):
            loss = mse(self.model, batch)
            self.log("train_mse", loss, prog_bar=True)
            return loss

        def validation_step(self, batch, _):
            self.log("val_mse", mse(self.model, batch), prog_bar=True, batch_size=len(batch[0]))

        def test_step(self, batch, _):
            self.log("test_mse", mse(self.model, batch), batch_size=len(batch[0]))

        def configure_optimizers(self):
            opt = torch.optim.Adam(self.parameters(), lr=lr, weight_decay=weight_decay)
            warm = max(1, steps // 50)
            lam = lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))  # noqa: E731
            return [opt], [{"scheduler": torch.optim.lr_scheduler.LambdaLR(opt, lam), "interval": "step"}]

    return Forecast()
