"""Testing helpers shipped with the package (also a pytest plugin: ``symplugins.testing.plugin``).

Use :func:`assert_equivariant` / :func:`assert_invariant` for every equivariant layer,
model and adapter, and pair each with :func:`assert_sensitive` (a non-symmetry must
change the output).
"""
from .equivariance import (
    TOLERANCES, EquivarianceReport, assert_equivariant, assert_invariant,
    assert_permutation_equivariant, assert_sensitive, equivariance_error,
)
from .graphs import random_batched_graph

__all__ = [
    "TOLERANCES", "EquivarianceReport", "assert_equivariant", "assert_invariant",
    "assert_permutation_equivariant", "assert_sensitive", "equivariance_error",
    "random_batched_graph",
]
