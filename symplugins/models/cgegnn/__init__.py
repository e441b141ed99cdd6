"""CG-EGNN: Clifford group equivariant GNN with k-hop message passing (model, layers, paths)."""
from .layers import CliffordGraphConv, CliffordMLP
from .model import CGEGNN, graph_centroid
from .paths import edge_reverse, enumerate_paths, reverse_edges

__all__ = ["CGEGNN", "graph_centroid", "CliffordGraphConv", "CliffordMLP", "edge_reverse", "enumerate_paths",
           "reverse_edges"]
