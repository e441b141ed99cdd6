"""Fixtures of nequip's shipped model test suite, imported (not exec'd), plus our settings.

nequip's suite (``nequip.utils.unittests``) expects torch's default dtype to be float64
(it loops ``model_dtype`` over float32 and float64 itself); we set it for this folder only.
The AOTI/compile/LAMMPS subset is slow (minutes) and runs in ``integration/nequip``
(``SYMPLUGINS_NEQUIP_COMPILE=1``); in CI it is skipped with that reason.
"""
import os

import pytest
import torch

from nequip.utils.unittests.conftest import (  # noqa: F401  (fixtures)
    BENCHMARK_ROOT, CH3CHO, CH3CHO_no_typemap, Cu_bulk, atomic_batch, default_dtype,
    diamond_carbon, model_dtype, molecules, nequip_dataset, temp_data,
)

COMPILE_TESTS = ("test_ase_compile", "test_train_time_compile", "test_mliap_integration")


_OLD_DTYPES = []


def pytest_runtest_setup(item):
    """float64 default (and one torch thread) while a test of this folder runs."""
    _OLD_DTYPES.append((torch.get_default_dtype(), torch.get_num_threads()))
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if _OLD_DTYPES:
        dtype, threads = _OLD_DTYPES.pop()
        torch.set_default_dtype(dtype)
        torch.set_num_threads(threads)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SYMPLUGINS_NEQUIP_COMPILE") == "1":
        return
    skip = pytest.mark.skip(reason="compile subset (minutes): run integration/nequip/run.sh "
                                   "or SYMPLUGINS_NEQUIP_COMPILE=1 pytest tests/nequip")
    for item in items:
        if item.originalname in COMPILE_TESTS and "tests/nequip" in str(item.fspath):
            item.add_marker(skip)
