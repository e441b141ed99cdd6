"""Modules must stay picklable: nequip-package and torch.save of whole models pickle them."""
import io
import pickle

import torch

from symplugins.cgegnn import CGEGNN
from symplugins.clifford import CliffordAlgebra


def test_algebra_pickles_for_every_kernel():
    a, b = torch.randn(4, 8, dtype=torch.float64), torch.randn(4, 8, dtype=torch.float64)
    for kernel in CliffordAlgebra.KERNELS:
        alg = CliffordAlgebra((1, 1, 1), kernel=kernel)
        alg.geometric_product(a, b)  # populate any kernel caches first
        clone = pickle.loads(pickle.dumps(alg))
        assert torch.allclose(clone.geometric_product(a, b), alg.geometric_product(a, b))


def test_model_round_trips_through_torch_save():
    model = CGEGNN(1, 1, 4, 1, 1, layers=1, hops=2).double()
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    clone = torch.load(buf, weights_only=False)  # whole-module pickle (what packagers do)
    assert isinstance(clone, CGEGNN)
