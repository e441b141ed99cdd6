"""Lifting to, mixing along and pooling over a finite rotation group.

Convention (left regular representation): the lifted copy ``g`` of a cloud ``X`` is
``R_g^{-1} X``, so features ``F(g) = f(R_g^{-1} X)`` of any network ``f`` transform as
``F(g) -> F(h^{-1} g)`` when the input is rotated by ``R_h``. ``GroupConv`` is the group
convolution ``out[g] = sum_h W[h^{-1} g] in[h]`` (Cohen & Welling, ICML 2016), equivariant
to that action; ``GroupPool`` (mean or max over ``g``) is invariant. Vector features
``R_g f(R_g^{-1} X)`` transform as ``F(g) -> R_h F(h^{-1} g)`` and are mixed with the same
``GroupConv`` (no bias, no pointwise nonlinearity) and mean-pooled.
"""
from __future__ import annotations

import math
from functools import lru_cache

import torch
from torch import Tensor, nn

from ...groups import FiniteGroup, get_group

__all__ = ["group_matrices", "rotate_copies", "GroupLift", "GroupConv", "GroupPool"]


@lru_cache(maxsize=128)
def group_matrices(group: FiniteGroup, dtype: torch.dtype, device: torch.device) -> Tensor:
    """``group.matrices`` cast from float64 once per (group, dtype, device) (a cache, not state)."""
    return group.matrices.to(dtype=dtype, device=device)


def rotate_copies(pos: Tensor, matrices: Tensor, *, inverse: bool = True) -> Tensor:
    """All rotated copies ``[G, N, 3]`` of ``pos [N, 3]``: ``R_g^{-1} x`` (or ``R_g x``)."""
    mats = matrices.to(dtype=pos.dtype, device=pos.device)
    return pos @ mats if inverse else pos @ mats.transpose(-1, -2)


class GroupLift(nn.Module):
    """Lift a cloud to the group: ``pos [N, 3] -> [G, N, 3]`` with copy ``g = R_g^{-1} pos``."""

    def __init__(self, group: "str | FiniteGroup"):
        super().__init__()
        self.group = get_group(group)

    def forward(self, pos: Tensor) -> Tensor:
        return rotate_copies(pos, group_matrices(self.group, pos.dtype, pos.device))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(point [N, 3] -> [{len(self.group)}, N, 3] | group {self.group.name})"


class GroupConv(nn.Module):
    """Group convolution on the regular representation of a finite group.

    ``out[g] = sum_h in[h] @ W[h^{-1} g] + b`` with ``W [|G|, C_in, C_out]``.

    Args:
        in_channels / out_channels: channel sizes of the last axis.
        group: a :class:`FiniteGroup` or its name.
        bias: a bias shared by all ``g`` (must be False for vector features).

    Shapes: ``x [|G|, *, C_in] -> [|G|, *, C_out]``. Small layers use one matmul with the
    ``[|G| C_in, |G| C_out]`` block matrix; above ``max_block_weights`` entries, a loop of
    ``|G|`` matmuls over permuted inputs (same result, less memory).
    """

    max_block_weights: int = 1 << 22

    def __init__(self, in_channels: int, out_channels: int, group: "str | FiniteGroup", *, bias: bool = True):
        super().__init__()
        self.group = get_group(group)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        n = len(self.group)
        self.weight = nn.Parameter(torch.empty(n, self.in_channels, self.out_channels))
        self.bias = nn.Parameter(torch.empty(self.out_channels)) if bias else None
        # table[h, g] = index of h^{-1} g (block weight); perm[j, g] = index of g j^{-1} (loop)
        self.register_buffer("table", self.group.cayley[self.group.inverse].contiguous(), persistent=False)
        self.register_buffer("perm", self.group.cayley[:, self.group.inverse].T.contiguous(), persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.in_channels * len(self.group))
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        n = len(self.group)
        if x.dim() < 2 or x.shape[0] != n or x.shape[-1] != self.in_channels:
            raise ValueError(f"GroupConv expects x of shape [{n}, *, {self.in_channels}] "
                             f"(group axis first, channels last), got {list(x.shape)}")
        if n * n * self.in_channels * self.out_channels <= self.max_block_weights:
            out = self._block(x)
        else:                                    # |G| matmuls, no |G|^2 weight block in memory
            out = 0
            for j in range(n):
                out = out + x[self.perm[j]] @ self.weight[j]
        return out if self.bias is None else out + self.bias

    def _block(self, x: Tensor) -> Tensor:
        """One matmul with the ``[|G| C_in, |G| C_out]`` block matrix ``W[h^{-1} g]``."""
        n, ci, co = len(self.group), self.in_channels, self.out_channels
        block = self.weight[self.table].permute(0, 2, 1, 3).reshape(n * ci, n * co)
        flat = x.movedim(0, -2).reshape(*x.shape[1:-1], n * ci)
        return (flat @ block).reshape(*x.shape[1:-1], n, co).movedim(-2, 0)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"{self.__class__.__name__}({self.in_channels}x{self.group.name}reg -> "
                f"{self.out_channels}x{self.group.name}reg | {n} weights)")


class GroupPool(nn.Module):
    """Pool over the group axis (dim 0): ``[|G|, *] -> [*]`` by mean or max (invariant)."""

    def __init__(self, reduce: str = "mean"):
        super().__init__()
        if reduce not in ("mean", "max"):
            raise ValueError(f"GroupPool reduce must be 'mean' or 'max', got {reduce!r}")
        self.reduce = reduce

    def forward(self, x: Tensor) -> Tensor:
        return x.mean(dim=0) if self.reduce == "mean" else x.amax(dim=0)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.reduce} over group axis)"
