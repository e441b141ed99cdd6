"""Lazy imports of host libraries with errors that name the extra to install."""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

# module name -> extra of ``pip install symplugins[extra]`` that provides it
EXTRAS = {
    "nequip": "nequip",
    "e3nn": "nequip",
    "ase": "ase",
    "torch_geometric": "pyg",
    "pytorch3d": "pytorch3d",
    "trimesh": "mesh",
    "meshio": "mesh",
    "tblite": "chem",
    "rdkit": "chem",
    "lightning": "bench",
    "tqdm": "bench",
    "matplotlib": "bench",
    "sklearn": "bench",
    "scipy": "pyg",
    "clifford": "test",
}


def available(module: str) -> bool:
    """True if ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, *, extra: str | None = None, purpose: str = "") -> ModuleType:
    """Import ``module`` or raise an ImportError naming ``pip install symplugins[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        extra = extra or EXTRAS.get(top, "all")
        why = f" (needed for {purpose})" if purpose else ""
        raise ImportError(
            f"'{module}' is not installed{why}. Install it with: "
            f"pip install 'symplugins[{extra}]'"
        ) from err


def optional_import(module: str) -> ModuleType | None:
    """Import ``module`` if it is installed, else return None (never hides other errors)."""
    if not available(module.split(".")[0]):
        return None
    return importlib.import_module(module)
