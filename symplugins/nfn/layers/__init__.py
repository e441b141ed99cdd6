"""Monomial-NFN layers for the weight spaces of chain MLPs and CNNs."""
from .equivariant import MonomialEquivariant
from .features import (BiasRep, FeatureElement, MonomialGroup, NetSpec, WeightRep, WeightSpaceFeatures,
                       feature_reps, features_from_spaces, space_from_features)
from .invariant import MonomialActivation, MonomialInvariant, normalize_entries
from .model import MonomialNFN
from .polynomial import MAGEPNFN, PolynomialEquivariant, PolynomialInvariant, chain_products
from .transformer import (TransformerArch, TransformerBlockWeights, TransformerNFNInvariant, TransformerWeights,
                          block_invariants, invariant_statistics, transformer_weights)
from .transformer_equivariant import TransformerNFNEquivariant, weights_to_state

__all__ = ["MonomialEquivariant", "MonomialInvariant", "MonomialActivation", "MonomialNFN", "NetSpec",
           "WeightSpaceFeatures", "FeatureElement", "MonomialGroup", "WeightRep", "BiasRep", "feature_reps",
           "features_from_spaces", "space_from_features", "normalize_entries",
           "PolynomialEquivariant", "PolynomialInvariant", "MAGEPNFN", "chain_products",
           "TransformerArch", "TransformerBlockWeights", "TransformerWeights", "TransformerNFNInvariant",
           "block_invariants", "invariant_statistics", "transformer_weights", "TransformerNFNEquivariant", "weights_to_state"]
