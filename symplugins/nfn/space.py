"""Weight spaces of live modules: tensors by name, the group action, a bit-exact round trip.

>>> space = weight_space(model)            # traces model, derives its group
>>> g = space.group.sample()
>>> space.act(g).load_into(model)         # model computes the same function
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .errors import ArgumentTypeError, NotAModuleError
from .group import GroupElement, TensorRep, WeightSpaceGroup, apply_slot
from .spec import ArchSpec
from .trace import trace_module

__all__ = ["WeightSpace", "weight_space", "check_model"]


def check_model(model, argname: str = "model") -> None:
    """Raise ValueError for a non-module (:class:`NotAModuleError`), an empty model or mixed devices/dtypes."""
    if not isinstance(model, nn.Module):
        raise NotAModuleError(f"'{argname}' must be a torch.nn.Module, got {type(model).__name__}; "
                        "pass the live network (e.g. an nn.Sequential)")
    params = list(model.parameters())
    if not params:
        raise ValueError(f"'{argname}' ({type(model).__name__}) has no parameters; a weight space "
                         "needs at least one nn.Linear / nn.Conv / attention layer")
    devices = {p.device for p in params}
    if len(devices) > 1:
        raise ValueError(f"'{argname}' has parameters on several devices {sorted(map(str, devices))}; "
                         "move the model to one device first (model.to(device))")
    dtypes = {p.dtype for p in params if p.is_floating_point()}
    if len(dtypes) > 1:
        raise ValueError(f"'{argname}' mixes parameter dtypes {sorted(map(str, dtypes))}; "
                         "cast it to one dtype first (model.to(torch.float64))")


class WeightSpace:
    """The tensors of a network (detached copies, by qualified name) with its spec and group."""

    def __init__(self, spec: ArchSpec, tensors: dict[str, Tensor]) -> None:
        self.spec = spec
        self.tensors = tensors

    @property
    def group(self) -> WeightSpaceGroup:
        return WeightSpaceGroup(self.spec)

    def __getitem__(self, name: str) -> Tensor:
        return self.tensors[name]

    @property
    def dtype(self) -> torch.dtype:
        return next(iter(self.tensors.values())).dtype

    @property
    def device(self) -> torch.device:
        return next(iter(self.tensors.values())).device

    def replace(self, tensors: dict[str, Tensor]) -> "WeightSpace":
        """A weight space with the same spec and (some) tensors replaced."""
        new = dict(self.tensors)
        for k, v in tensors.items():
            if k not in new or tuple(v.shape) != tuple(new[k].shape):
                raise ValueError(f"tensor '{k}' is not in this weight space or has shape {list(v.shape)} "
                                 f"instead of {list(new[k].shape) if k in new else '-'}")
            new[k] = v
        return WeightSpace(self.spec, new)

    def act(self, g: GroupElement) -> "WeightSpace":
        """``g . space``: a new weight space (this one is unchanged)."""
        if not isinstance(g, GroupElement):
            raise ArgumentTypeError(f"'g' must be a GroupElement (from space.group.sample()), got {type(g).__name__}")
        out = dict(self.tensors)
        for f in self.spec.factors:
            e = g.parts.get(f.name)
            if e is None:
                continue
            for slot in f.slots:
                out[slot.param] = apply_slot(out[slot.param], slot, e)
        return WeightSpace(self.spec, out)

    def reps(self) -> list[TensorRep]:
        """One representation per tensor (in ``self.tensors`` order) for ``assert_equivariant``."""
        return [TensorRep(self.spec, n) for n in self.tensors]

    def load_into(self, model: nn.Module) -> nn.Module:
        """Copy every tensor into ``model`` (same names and shapes); bit exact. Returns the model."""
        check_model(model)
        live = dict(model.named_parameters()) | dict(model.named_buffers())
        for name, shape in self.spec.tensors:
            if name not in live or tuple(live[name].shape) != shape:
                raise ValueError(f"'model' does not match this weight space: tensor '{name}' "
                                 f"{'is missing' if name not in live else f'has shape {list(live[name].shape)}'}; "
                                 "load into the network the space was extracted from")
        with torch.no_grad():
            for name, t in self.tensors.items():
                live[name].copy_(t)
        return model

    def flat(self) -> Tensor:
        """All parameters (not buffers) concatenated into one vector."""
        return torch.cat([t.reshape(-1) for n, t in self.tensors.items() if n not in self.spec.buffers])

    def distance(self, other: "WeightSpace") -> float:
        """Euclidean distance between the parameter vectors of two spaces of one architecture."""
        return float((self.flat() - other.flat()).norm())

    @property
    def n_params(self) -> int:
        return sum(t.numel() for n, t in self.tensors.items() if n not in self.spec.buffers)

    def to_features(self):
        """Monomial-NFN features (batch 1, channel 1) of a chain MLP/CNN; see :mod:`.layers`."""
        from .layers.features import features_from_spaces
        return features_from_spaces([self])

    def from_features(self, features, index: int = 0) -> "WeightSpace":
        """The inverse of :meth:`to_features` for network ``index`` of a batch (channel 0)."""
        from .layers.features import space_from_features
        return space_from_features(self, features, index)

    def __repr__(self) -> str:
        return (f"WeightSpace({len(self.spec.tensors)} tensors, {self.n_params} parameters, "
                f"{len(self.spec.factors)} factors, {len(self.spec.issues)} issues)")


def weight_space(model: nn.Module, *, example_inputs: tuple | None = None) -> WeightSpace:
    """Extract the weight space of a live module and derive its symmetry group.

    Args:
        model: the network (nn.Sequential or a custom module with a traceable forward).
        example_inputs: optional inputs; with them tensor ranks are known, which
            lets reductions/indexing/flatten of features-last tensors keep symmetries.
    """
    check_model(model)
    spec = trace_module(model, example_inputs)
    live = dict(model.named_parameters()) | dict(model.named_buffers())
    return WeightSpace(spec, {n: live[n].detach().clone() for n, _ in spec.tensors})
