"""Groups, their elements and representations (core math; imports torch only)."""
from .o3 import E3, O3, SE3, SO3, Isometry, random_o3, random_rotation
from .finite import (
    GROUP_NAMES, FiniteGroup, axis_angle, cyclic, dihedral, get_group, icosahedral,
    klein_four, octahedral, tetrahedral,
)
from .indexed import AxisPermutation, GroupIndex, IndexedGroup
from .permutation import Perm, Permutation
from .reps import (
    Composite, NodeAxis, NodeIndex, Point, Pseudoscalar, Pseudovector, RegularRep, Rep, Scalar,
    Vector, rotation_of, translation_of,
)

__all__ = [
    "E3", "O3", "SE3", "SO3", "Isometry", "random_o3", "random_rotation",
    "GROUP_NAMES", "FiniteGroup", "axis_angle", "cyclic", "dihedral", "get_group",
    "icosahedral", "klein_four", "octahedral", "tetrahedral", "Perm", "Permutation",
    "Composite", "NodeAxis", "NodeIndex", "Point", "Pseudoscalar", "Pseudovector", "Rep",
    "Scalar", "Vector", "rotation_of", "translation_of", "RegularRep", "GroupIndex",
    "IndexedGroup", "AxisPermutation",
]
