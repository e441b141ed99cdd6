"""A PyG ``Data`` type that carries a precomputed EMNN pooling hierarchy (needs PyG).

Imported lazily by :class:`symplugins.adapters.pyg.MeshHierarchyPlan`. Per stage ``s`` it
stores ``hier_pool_s [M_s]`` (indices into level ``s``), ``hier_down_s [2, E_s]`` (rows:
level ``s + 1``, level ``s``) and ``hier_up_s [2, k N_s]`` (rows: level ``s``, level
``s + 1``); level 0 are the vertices. :meth:`HierarchyData.__inc__` offsets every row by
the size of the level it indexes, so ``Batch.from_data_list`` yields the plan of the
batch, identical to the one computed on the whole batch at once.
"""
from __future__ import annotations

import re
from typing import Any

import torch
from torch_geometric.data import Data

_KEY = re.compile(r"^hier_(pool|down|up)_(\d+)$")


class HierarchyData(Data):
    """``Data`` with ``hier_*`` pooling-plan attributes that batch correctly."""

    def _level_size(self, level: int) -> int:
        return int(self.num_nodes) if level == 0 else int(self[f"hier_pool_{level - 1}"].numel())

    def __inc__(self, key: str, value: Any, *args, **kwargs) -> Any:
        match = _KEY.match(key)
        if match is None:
            return super().__inc__(key, value, *args, **kwargs)
        kind, s = match.group(1), int(match.group(2))
        fine, coarse = self._level_size(s), self._level_size(s + 1)
        if kind == "pool":
            return fine
        rows = (coarse, fine) if kind == "down" else (fine, coarse)
        return torch.tensor(rows, dtype=torch.long).view(2, 1)

    def __cat_dim__(self, key: str, value: Any, *args, **kwargs) -> Any:
        if _KEY.match(key) is not None:
            return -1
        if key == "hier_settings":
            return 0
        return super().__cat_dim__(key, value, *args, **kwargs)


# datasets saved with HierarchyData (pre_transform) reload with torch.load(weights_only=True)
torch.serialization.add_safe_globals([HierarchyData])
