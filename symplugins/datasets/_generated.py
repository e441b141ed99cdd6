"""Base class of the datasets that generate their samples instead of downloading them."""
from __future__ import annotations

import hashlib
import json

from ..utils import require

_pyg = require("torch_geometric", purpose="the generated datasets (symplugins.datasets)")


class GeneratedDataset(_pyg.data.InMemoryDataset):
    """A PyG ``InMemoryDataset`` with one processed file per configuration.

    Subclasses set ``self.config`` (a JSON-serialisable dict with a ``"split"`` key)
    before ``super().__init__`` and implement ``process`` by calling :meth:`_finish`
    with the list of generated ``Data`` objects. The file name hashes the config, so a
    changed configuration regenerates instead of silently reusing stale samples.
    """

    prefix = "generated"
    SPLIT_SEEDS = {"train": 0, "val": 1, "test": 2}
    ROTATIONS = ("none", "z", "so3")

    @classmethod
    def check_options(cls, split: str, rotate: str, num_per_class: int) -> None:
        """Validate the options shared by the procedural datasets (ValueError naming the fix)."""
        if split not in cls.SPLIT_SEEDS:
            raise ValueError(f"'split' must be one of {tuple(cls.SPLIT_SEEDS)}, got {split!r}")
        if rotate not in cls.ROTATIONS:
            raise ValueError(f"'rotate' must be 'none', 'z' or 'so3', got {rotate!r}")
        if not isinstance(num_per_class, int) or num_per_class < 1:
            raise ValueError(f"'num_per_class' must be a positive int, got {num_per_class!r}")

    @property
    def raw_file_names(self) -> list[str]:
        return []

    @property
    def processed_file_names(self) -> list[str]:
        key = hashlib.sha1(json.dumps(self.config, sort_keys=True).encode()).hexdigest()[:10]
        return [f"{self.prefix}_{self.config['split']}_{key}.pt"]

    def download(self) -> None:
        """Nothing to download: samples are generated in ``process``."""

    def _finish(self, items: list) -> None:
        if self.pre_transform is not None:
            items = [self.pre_transform(d) for d in items]
        self.save(items, self.processed_paths[0])
