"""Neural functionals on live torch modules: weight spaces, their symmetry groups, editing.

>>> from symplugins import nfn
>>> space = nfn.weight_space(model)          # traced by module name and type
>>> g = space.group.sample()                 # hidden-neuron perms, scalings, signs, heads
>>> space.act(g).load_into(model)            # same function, different weights
>>> nfn.canonicalize(model); nfn.align(model_b, to=model_a); nfn.interpolate(a, b, 0.5)
>>> print(nfn.inspect(model))                # layer table, group, STATNN stats, issues

The import name ``nfn`` of the unrelated PyPI package is untouched: this is
``symplugins.nfn``. Monomial-NFN, MAGEP-NFN (polynomial) and Transformer-NFN layers live
in :mod:`symplugins.nfn.layers`.
"""
from . import layers
from .align import align, match, weight_matching
from .canonical import canonical_distance, canonical_form, canonicalize
from .errors import ArgumentTypeError, NotAModuleError
from .group import GroupElement, HeadElement, NeuronElement, WeightSpaceGroup
from .hooks import EditHandle, edit_weights, nfn_editor
from .interpolate import interpolate
from .layers import (MAGEPNFN, MonomialEquivariant, MonomialInvariant, MonomialNFN, NetSpec,
                     PolynomialEquivariant, PolynomialInvariant, TransformerNFNEquivariant,
                     TransformerNFNInvariant, WeightSpaceFeatures, invariant_statistics,
                     transformer_weights)
from .report import InspectReport, inspect
from .space import WeightSpace, weight_space
from .spec import ArchSpec, FactorSpec, Issue, Slot
from .statnn import statnn_features, statnn_table
from .zoo import MLPZoo, zoo_mlp

__all__ = [
    "weight_space", "WeightSpace", "WeightSpaceGroup", "GroupElement", "NeuronElement", "HeadElement",
    "canonicalize", "canonical_form", "canonical_distance", "align", "match", "weight_matching",
    "interpolate", "edit_weights", "nfn_editor", "EditHandle", "inspect", "InspectReport",
    "statnn_features", "statnn_table", "layers", "MonomialEquivariant", "MonomialInvariant",
    "MonomialNFN", "MAGEPNFN", "PolynomialEquivariant", "PolynomialInvariant", "TransformerNFNInvariant",
    "TransformerNFNEquivariant", "transformer_weights", "invariant_statistics", "NetSpec", "WeightSpaceFeatures", "ArchSpec", "FactorSpec", "Issue", "Slot",
    "MLPZoo", "zoo_mlp", "NotAModuleError", "ArgumentTypeError",
]
