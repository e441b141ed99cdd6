"""The ``symplugins`` command line.

Subcommands live one per module in this folder; each module defines
``register(subparsers)`` which adds its parser and sets ``func`` (called with the parsed
arguments, returns an exit code). Modules are discovered, so adding a subcommand means
adding a file. Heavy imports happen inside ``func``, never at discovery.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def build_parser() -> argparse.ArgumentParser:
    from symplugins import __version__

    parser = argparse.ArgumentParser(
        prog="symplugins", description="Symmetry-aware neural networks for NequIP, ASE, PyG, PyTorch3D and torch.")
    parser.add_argument("--version", action="version", version=f"symplugins {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, ImportError) as err:
        print(f"symplugins {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
