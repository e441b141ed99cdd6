"""Shared helpers of the NFN layer tests: random weight-space features and flat wrappers."""
from __future__ import annotations

import torch

from symplugins.nfn.layers import NetSpec, WeightSpaceFeatures


def random_features(spec: NetSpec, c: int, batch: int = 2, seed: int = 0) -> tuple:
    """Flat tuple of random features ``[batch, c, ...]`` with the layout of ``spec``."""
    g = torch.Generator().manual_seed(seed)
    d, k = spec.dims, spec.taps
    ws = [torch.randn(batch, c, d[i + 1], d[i], k[i], generator=g) for i in range(spec.L)]
    bs = [torch.randn(batch, c, d[i + 1], generator=g) for i in range(spec.L)]
    return WeightSpaceFeatures(tuple(ws), tuple(bs)).flat()


def flat_fn(module):
    """``module`` as a function of flat feature tensors returning flat feature tensors."""
    return lambda *ts: module(WeightSpaceFeatures.from_flat(ts)).flat()
