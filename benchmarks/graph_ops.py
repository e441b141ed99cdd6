"""Brute force vs cell list (``method="grid"``) for ``radius_graph`` and ``knn_graph``.

Clouds: one uniform cloud in the unit cube with N = 1k, 10k, 100k points, and a 100k
"mesh-like" surface sample (area-uniform points on a deformed procedural torus,
normalised into the unit ball). Radius chosen for ~24 neighbours in the bulk
(``4/3 pi r^3 N = 24`` in the cube, ``pi r^2 N / area = 24`` on the surface;
``max_num_neighbors=64``), k = 16. One CPU thread. Times are the best of ``--repeats``
runs (one run for brute force at 100k, which takes about a minute); both wall clock and
process CPU time are recorded because the benchmark box is shared. Every grid result is
compared with the brute-force result: ``identical`` = same tensor; ``same_distances`` =
same rows and the same neighbour distances in the same order (the documented contract:
k-NN neighbours at exactly equal float32 distances may come in either order).

    python benchmarks/graph_ops.py [--sizes 1000 10000 100000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import stamp, write_results  # noqa: E402

NEIGHBOURS, K, CAP, SEED = 24, 16, 64, 20240611


def clouds(sizes: list[int]) -> list[tuple[str, torch.Tensor, float]]:
    """``(name, points [N, 3], radius)`` for each benchmark cloud."""
    from symplugins.geometry import face_areas, make_shape, sample_surface

    gen = torch.Generator().manual_seed(SEED)
    out = []
    for n in sizes:
        r = (NEIGHBOURS / (4 / 3 * math.pi * n)) ** (1 / 3)
        out.append((f"cube {n // 1000}k", torch.rand(n, 3, generator=gen), r))
    shape = make_shape("torus", 32, torch.Generator().manual_seed(SEED))
    n = max(sizes)
    pos = sample_surface(shape.verts, shape.faces, n, generator=gen).pos.float()
    area = float(face_areas(shape.verts, shape.faces).sum())
    out.append((f"torus surface {n // 1000}k", pos, math.sqrt(NEIGHBOURS * area / (math.pi * n))))
    return out


def timed(fn: Callable[[], torch.Tensor], repeats: int) -> tuple[torch.Tensor, float, float]:
    """Result and best wall / CPU seconds over ``repeats`` calls."""
    wall, cpu = math.inf, math.inf
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return out, wall, cpu


def same_distances(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same centres row and the same neighbour distance sequence (ties may swap indices)."""
    dist = lambda e: (x[e[0]] - x[e[1]]).norm(dim=1)  # noqa: E731
    return a.shape == b.shape and bool(torch.equal(a[1], b[1]) and torch.equal(dist(a), dist(b)))


def run_cloud(name: str, x: torch.Tensor, r: float, repeats: int) -> list[dict]:
    from symplugins.graph import knn_graph, radius_graph

    ops = {"radius_graph": lambda m: radius_graph(x, r, max_num_neighbors=CAP, method=m),
           "knn_graph": lambda m: knn_graph(x, K, method=m)}
    records = []
    for op, fn in ops.items():
        rec = {"cloud": name, "op": op, "n": x.size(0), "r": r if op == "radius_graph" else None,
               "k": K if op == "knn_graph" else None}
        grid, rec["grid_wall_s"], rec["grid_cpu_s"] = timed(lambda: fn("grid"), repeats)
        brute, rec["brute_wall_s"], rec["brute_cpu_s"] = timed(
            lambda: fn("brute"), 1 if x.size(0) > 20_000 else repeats)
        rec["edges"], rec["mean_degree"] = grid.size(1), grid.size(1) / x.size(0)
        rec["identical"] = bool(torch.equal(grid, brute))
        rec["same_distances"] = same_distances(x, grid, brute)
        rec["speedup_wall"] = rec["brute_wall_s"] / rec["grid_wall_s"]
        records.append({**rec, **stamp()})
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in rec.items()}, flush=True)
    return records


def section(records: list[dict], wall: float) -> str:
    rows = ["| cloud | op | N | mean degree | brute wall s (cpu) | grid wall s (cpu) | "
            "speed-up | identical | same distances |", "|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        rows.append(f"| {r['cloud']} | {r['op']} | {r['n']} | {r['mean_degree']:.1f} | "
                    f"{r['brute_wall_s']:.3f} ({r['brute_cpu_s']:.3f}) | "
                    f"{r['grid_wall_s']:.3f} ({r['grid_cpu_s']:.3f}) | "
                    f"{r['speedup_wall']:.1f}x | {r['identical']} | {r['same_distances']} |")
    meta = records[0]
    return "\n".join([
        "## graph_ops: brute force vs cell-list neighbour search", "",
        "`symplugins.graph.radius_graph` (r for ~24 bulk neighbours, max_num_neighbors=64) "
        f"and `knn_graph` (k={K}) with `method=\"brute\"` (blockwise all pairs per graph) vs "
        "`method=\"grid\"` (cell list, 27 neighbouring cells; k-NN with expanding cells). "
        "One cloud per row: uniform in the unit cube, or area-uniform samples on a deformed "
        f"procedural torus (a stand-in for a 100k-vertex mesh). Seed {SEED}; "
        "`torch.set_num_threads(1)`; best of the repeats (brute force at 100k: one run). "
        "Wall and process CPU seconds (the box is shared by several jobs, so CPU time is "
        "the steadier number). `identical`: the grid's edge_index equals brute force's "
        "exactly (same pairs, same order); `same distances`: same centres and the same "
        "neighbour distances in order (k-NN ties at equal float32 distance may swap "
        "indices; both are valid).", "",
        *rows, "",
        f"Command: `{meta['command']}`  ", f"Hardware: {meta['hardware']}  ",
        f"Date: {meta['date']}; total wall time {wall:.0f} s.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    t0, records = time.perf_counter(), []
    for name, x, r in clouds(args.sizes):
        records += run_cloud(name, x, r, args.repeats)
    path = write_results("graph_ops", records, section(records, time.perf_counter() - t0))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
