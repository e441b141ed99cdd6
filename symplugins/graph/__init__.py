"""Pure-torch graph construction ops with PyG 2.8's exact signatures and orientation.

PyG 2.8 needs the compiled pyg-lib for ``knn``, ``knn_graph``, ``nearest``, ``radius``,
``radius_graph`` and ``fps`` (and so for ``knn_interpolate``). These functions take the
same positional arguments, return the same index layout, and dispatch to pyg-lib when it
is importable (``backend="auto"``); otherwise they run in pure torch on any device,
comparing query blocks only with points of their own graph, so memory never grows as
``N x N``. Neighbour search and weights run without autograd. For 1-3 dims,
``knn``/``knn_graph``/``radius``/``radius_graph`` also have a cell-list search
(keyword ``method="grid"``; ``"auto"`` picks it for large graphs) that runs in ~O(N)
instead of O(N^2) per graph and returns the same result as ``method="brute"``.

Orientation: ``knn``/``radius`` return ``[2, E]`` with row 0 = index into ``y``
(queries) and row 1 = index into ``x``; ``knn_graph``/``radius_graph`` return
``[source = neighbour j, target = centre i]`` for ``flow="source_to_target"``.
"""
from .fps import fps
from .interpolate import interpolate_pairs, knn_interpolate
from .knn import knn, knn_graph, nearest
from .radius import radius, radius_graph

__all__ = ["knn", "knn_graph", "nearest", "radius", "radius_graph", "fps", "knn_interpolate",
           "interpolate_pairs"]
