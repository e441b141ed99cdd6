"""CG-EGNN family façade: Clifford algebra, Clifford layers and the CG-EGNN model.

``from symplugins.cgegnn import CGEGNN`` (Tran et al., arXiv 2410.04692; layers after
CGENN, Ruhe et al. 2023). See :mod:`symplugins.models.cgegnn` for what follows the
papers and what is our construction.
"""
from .clifford import CliffordAlgebra, Multivector
from .models.cgegnn import CGEGNN, graph_centroid
from .models.cgegnn.layers import CliffordGraphConv, CliffordMLP
from .models.cgegnn.paths import edge_reverse, enumerate_paths, reverse_edges
from .nn.clifford import MVLayerNorm, MVLinear, MVNormalize, MVSiLU, SteerableGeometricProduct

__all__ = [
    "CGEGNN", "CliffordAlgebra", "Multivector", "CliffordGraphConv", "CliffordMLP", "MVLinear",
    "MVNormalize", "MVSiLU", "MVLayerNorm", "SteerableGeometricProduct", "enumerate_paths",
    "reverse_edges", "edge_reverse", "graph_centroid",
]
