"""pytest plugin (entry point ``pytest11``): dtype fixture and equivariance markers.

Any test that takes the ``dtype`` fixture runs twice, under float32 and float64, with
torch's default dtype set accordingly. ``@pytest.mark.equivariance`` marks symmetry tests
(select them with ``-m equivariance``).
"""
from __future__ import annotations

import pytest
import torch

DTYPES = (torch.float32, torch.float64)


def pytest_configure(config):
    config.addinivalue_line("markers", "equivariance: symmetry test using symplugins.testing")


def pytest_generate_tests(metafunc):
    if "dtype" in metafunc.fixturenames:
        metafunc.parametrize("dtype", DTYPES, ids=["float32", "float64"], indirect=True)


@pytest.fixture
def dtype(request):
    """float32 and float64 in turn; sets torch's default dtype for the test."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(request.param)
    try:
        yield request.param
    finally:
        torch.set_default_dtype(old)


@pytest.fixture
def torch_generator():
    """A seeded ``torch.Generator`` (seed 1234) for reproducible random inputs."""
    return torch.Generator().manual_seed(1234)
