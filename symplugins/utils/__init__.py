"""Small shared utilities: lazy optional imports and input validation."""
from .imports import optional_import, require
from .checks import (
    check_finite,
    check_index,
    check_shape,
    check_same_device_dtype,
    check_batch,
    first_parameter,
)

__all__ = [
    "optional_import", "require", "check_finite", "check_index", "check_shape",
    "check_same_device_dtype", "check_batch", "first_parameter",
]
