"""The general procedure: make any point-cloud backbone exactly equivariant to a finite group.

Group averaging (the Reynolds operator of the "G-PointX" procedure; Li, Bi & Lee, ICRA
2019 for rotate-and-pool): for a backbone ``f``,

    invariant (per-cloud logits, per-point scalars):  f_G(X) = 1/|G| sum_g f(R_g^{-1} X)
    vector (per-point vectors):                        f_G(X) = 1/|G| sum_g R_g f(R_g^{-1} X)

Lifted G-CNN mode: keep the group axis ``F(g) = f(R_g^{-1} X)``, mix along it with
:class:`~symplugins.nn.points.GroupConv` (``out[g] = sum_h W[h^{-1} g] in[h]``), then pool
over ``G``. Both are exact for every finite group of :mod:`symplugins.groups`.

The ``|G|`` rotated copies are stacked into one PyG-style batch (copy ``g`` of cloud
``b`` becomes cloud ``g B + b``) and sent through the backbone ``chunk_size`` copies at a
time; ``checkpoint=True`` recomputes each chunk in the backward pass, so training memory
is that of one chunk.
"""
from __future__ import annotations

import inspect
from typing import Callable

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint as _checkpoint

from ...groups import FiniteGroup, get_group
from ...nn.points import GroupConv, GroupPool, group_matrices
from ...utils import check_batch, check_finite, check_same_device_dtype, check_shape
from ._common import check_matches_model

__all__ = ["make_equivariant", "GroupAveraged", "GroupLifted", "detect_signature"]

OUTPUTS = ("invariant", "scalar", "vector")


def detect_signature(backbone: Callable) -> str:
    """``"x_pos"`` for ``f(x, pos, batch)``, ``"pos"`` for ``f(pos, batch)`` (by parameter names)."""
    fn = backbone.forward if isinstance(backbone, nn.Module) else backbone
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError) as err:
        raise ValueError("cannot read the backbone's signature; pass signature='pos' or 'x_pos'") from err
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params if p.kind in kinds]
    if "pos" in names:
        return "x_pos" if names.index("pos") >= 1 else "pos"
    return "x_pos" if len(names) >= 3 else "pos"


class GroupAveraged(nn.Module):
    """``f_G(X) = mean_g f(R_g^{-1} X)`` (or ``mean_g R_g f(R_g^{-1} X)`` for vectors).

    Args:
        backbone: a module or function ``f(pos, batch)`` or ``f(x, pos, batch)`` returning
            one tensor: per-cloud ``[B, *]`` or per-point ``[N, *]`` (vectors: last axis 3).
            ``x`` holds invariant point features and is passed unchanged to every copy.
        group: a :class:`~symplugins.groups.FiniteGroup` or a name ("octahedral", "C4", ...).
        output: "invariant" / "scalar" (average) or "vector" (rotate back, then average).
        chunk_size: copies per backbone call (None = all ``|G|`` at once).
        checkpoint: recompute each chunk in backward (activation memory of one chunk).
        signature: "pos" or "x_pos" (default: detected from the parameter names).

    Forward: the backbone's own signature, ``(pos, batch=None)`` or ``(x, pos, batch=None)``.
    The backbone must treat clouds independently (true in eval mode; a training-mode
    BatchNorm pools statistics over a call, which stays exact only with ``chunk_size=None``).
    """

    def __init__(self, backbone: Callable, group: "str | FiniteGroup", *, output: str = "invariant",
                 chunk_size: int | None = None, checkpoint: bool = False, signature: str | None = None):
        super().__init__()
        if not callable(backbone):
            raise ValueError(f"backbone must be a module or function f(pos, batch) or f(x, pos, batch), "
                             f"got {type(backbone).__name__}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
            raise ValueError(f"chunk_size must be a positive int or None, got {chunk_size!r}")
        if signature not in (None, "pos", "x_pos"):
            raise ValueError(f"signature must be 'pos', 'x_pos' or None (detect), got {signature!r}")
        self.backbone = backbone
        self.group = get_group(group)
        self.output, self.chunk_size, self.checkpoint = output, chunk_size, checkpoint
        self.signature = signature or detect_signature(backbone)

    def _parse(self, args, kwargs) -> tuple[Tensor | None, Tensor, Tensor | None]:
        names = ("x", "pos", "batch") if self.signature == "x_pos" else ("pos", "batch")
        if len(args) > len(names):
            raise ValueError(f"expected at most {len(names)} positional inputs {names}, got {len(args)}")
        vals = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names or k in vals:
                raise ValueError(f"unexpected or repeated input {k!r}; the inputs are {names}")
            vals[k] = v
        if "pos" not in vals:
            raise ValueError("missing 'pos' (point coordinates [N, 3])")
        return vals.get("x"), vals["pos"], vals.get("batch")

    def _check(self, x, pos, batch) -> None:
        check_shape("pos", pos, (None, 3))
        if pos.shape[0] == 0:
            raise ValueError("'pos' is empty: pass at least one point")
        check_finite("pos", pos)
        check_batch("batch", batch, pos.shape[0])
        if x is not None:
            if not isinstance(x, Tensor) or x.dim() == 0 or x.shape[0] != pos.shape[0]:
                raise ValueError(f"'x' must be a tensor with one row per point ({pos.shape[0]}), "
                                 f"got {getattr(x, 'shape', type(x).__name__)}")
            check_finite("x", x)
            check_same_device_dtype(x=x, pos=pos)
        check_matches_model(self, pos)  # the backbone's (if a module) and the group convs' parameters

    def _call(self, idx: Tensor, x, pos, batch, b: int) -> Tensor:
        mats = group_matrices(self.group, pos.dtype, pos.device)[idx]
        c, n = idx.numel(), pos.shape[0]
        pos_c = (pos @ mats).reshape(c * n, 3)          # copy g: R_g^{-1} pos
        copy = torch.arange(c, device=pos.device).repeat_interleave(n)
        batch_c = copy * b + (batch.repeat(c) if batch is not None else 0)   # copy g of cloud k -> g B + k
        x_c = None if x is None else x.repeat(c, *([1] * (x.dim() - 1)))
        out = self.backbone(pos_c, batch_c) if self.signature == "pos" else self.backbone(x_c, pos_c, batch_c)
        if not isinstance(out, Tensor) or out.dim() == 0 or out.shape[0] % c:
            raise ValueError(f"the backbone must return one tensor with a first axis of clouds or points "
                             f"(a multiple of {c} copies), got {getattr(out, 'shape', type(out).__name__)}")
        out = out.reshape(c, out.shape[0] // c, *out.shape[1:])
        if self.output == "vector":
            if out.shape[-1] != 3:
                raise ValueError(f"output='vector' needs a last axis of size 3, got {list(out.shape[1:])}")
            out = torch.einsum("gij,g...j->g...i", mats.to(out.dtype), out)
        return out

    def lifted(self, *args, **kwargs) -> Tensor:
        """All copies ``F(g) = f(R_g^{-1} X)`` (vectors: ``R_g f(R_g^{-1} X)``), ``[|G|, M, *]``."""
        x, pos, batch = self._parse(args, kwargs)
        self._check(x, pos, batch)
        b = int(batch.max()) + 1 if batch is not None and batch.numel() else 1
        n = len(self.group)
        step = self.chunk_size or n
        outs = []
        for start in range(0, n, step):
            idx = torch.arange(start, min(start + step, n), device=pos.device)
            if self.checkpoint and torch.is_grad_enabled():
                outs.append(_checkpoint(self._call, idx, x, pos, batch, b, use_reentrant=False))
            else:
                outs.append(self._call(idx, x, pos, batch, b))
        return torch.cat(outs, 0)

    def forward(self, *args, **kwargs) -> Tensor:
        return self.lifted(*args, **kwargs).mean(0)

    def extra_repr(self) -> str:
        return f"group={self.group.name} (order {len(self.group)}), output={self.output}, chunk_size={self.chunk_size}"


class GroupLifted(GroupAveraged):
    """Lifted G-CNN: ``F(g) = f(R_g^{-1} X)`` -> GroupConv layers over ``G`` -> pool over ``G``.

    Args (besides :class:`GroupAveraged`'s):
        channels: size of the backbone output's last axis (default: ``backbone.out_channels``);
            for vectors ``[N, C, 3]`` the number ``C`` of vectors (1 for ``[N, 3]``).
        out_channels: output channels (default ``channels``).
        hidden: hidden channels of the group convolutions (default ``channels``).
        num_layers: number of GroupConv layers (ReLU between them; vectors: linear only).
        pool: "mean" or "max" over the group axis (vectors: "mean").
    """

    def __init__(self, backbone: Callable, group, *, channels: int | None = None, out_channels: int | None = None,
                 hidden: int | None = None, num_layers: int = 2, pool: str = "mean", **kwargs):
        super().__init__(backbone, group, **kwargs)
        channels = channels if channels is not None else getattr(backbone, "out_channels", None)
        if not isinstance(channels, int) or channels < 1:
            raise ValueError("mode='lift' needs channels= (size of the backbone output's last axis) "
                             "or a backbone with an int attribute out_channels")
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        if self.output == "vector" and pool != "mean":
            raise ValueError("vector outputs are pooled with pool='mean' (max is not equivariant)")
        out_channels, hidden = out_channels or channels, hidden or channels
        sizes = [channels] + [hidden] * (num_layers - 1) + [out_channels]
        vec = self.output == "vector"
        self.convs = nn.ModuleList(GroupConv(a, c, self.group, bias=not vec) for a, c in zip(sizes[:-1], sizes[1:]))
        self.pool = GroupPool(pool)
        self.out_channels = out_channels

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()

    def forward(self, *args, **kwargs) -> Tensor:
        h = self.lifted(*args, **kwargs)
        vec = self.output == "vector"
        single = vec and h.dim() == 3               # [G, N, 3]: one vector per point
        h = (h.unsqueeze(-2) if single else h).transpose(-1, -2) if vec else h
        for i, conv in enumerate(self.convs):
            h = conv(h)
            if i < len(self.convs) - 1 and not vec:
                h = torch.relu(h)
        h = h.transpose(-1, -2) if vec else h
        h = h.squeeze(-2) if single and self.out_channels == 1 else h
        return self.pool(h)


def make_equivariant(backbone: Callable, group: "str | FiniteGroup", mode: str = "average", *,
                     output: str = "invariant", chunk_size: int | None = None, **kwargs) -> GroupAveraged:
    """Wrap ``backbone`` so its output is exactly invariant/equivariant to a finite group.

    Args:
        backbone: ``f(pos, batch)`` or ``f(x, pos, batch)`` (module or function).
        group: a finite group or its name ("octahedral", "O", "I", "C4", "D6", "V4", "T").
        mode: "average" (Reynolds operator) or "lift" (group axis + GroupConv + pool).
        output: "invariant" (per-cloud logits, per-point scalars), "scalar" (same) or
            "vector" (per-point vectors ``[N, 3]`` / ``[N, C, 3]``).
        chunk_size: rotated copies per backbone call (memory); None = all at once.
        **kwargs: ``checkpoint``, ``signature``; for "lift" also ``channels``,
            ``out_channels``, ``hidden``, ``num_layers``, ``pool``.

    Returns:
        a :class:`GroupAveraged` or :class:`GroupLifted` module with the backbone's signature.
    """
    lift_only = sorted(set(kwargs) & {"channels", "out_channels", "hidden", "num_layers", "pool"})
    if mode == "average" and lift_only:
        raise ValueError(f"{', '.join(lift_only)} only apply to mode='lift'")
    if mode == "average":
        return GroupAveraged(backbone, group, output=output, chunk_size=chunk_size, **kwargs)
    if mode == "lift":
        return GroupLifted(backbone, group, output=output, chunk_size=chunk_size, **kwargs)
    raise ValueError(f"mode must be 'average' or 'lift', got {mode!r}")
