"""Fixtures: the zoo of tiny live networks (see nfn_zoo.py)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from nfn_zoo import _zoo

ZOO_NAMES = list(_zoo())


@pytest.fixture(params=ZOO_NAMES)
def zoo_model(request):
    """(name, float64 model in eval mode, inputs, example_inputs or None)."""
    torch.manual_seed(1)
    model, inputs, needs_shapes = _zoo()[request.param]
    model = model.double().eval()
    with torch.no_grad():  # random BatchNorm statistics so they matter
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2.0)
                m.weight.normal_()
                m.bias.normal_()
    return request.param, model, inputs, (inputs if needs_shapes else None)
