"""Let a neural functional edit a live module's weights during its forward pass.

``handle = edit_weights(model, editor)`` registers a ``torch.nn.utils.parametrize``
parametrization on every parameter of the weight space and a forward pre-hook: before
each forward, ``editor(space)`` receives the weight space of the *original* (trainable)
parameters and returns a :class:`~symplugins.nfn.space.WeightSpace` (or a dict of
tensors by name); the forward then runs with the edited weights. Gradients flow into
the editor (e.g. an NFN) and the original parameters. Outside forward the module shows
its original weights. ``handle.remove()`` (or leaving a ``with`` block) restores the
module exactly. Editing is not function-preserving unless the editor is a symmetry.
"""
from __future__ import annotations

from typing import Callable, Mapping

from torch import Tensor, nn
from torch.nn.utils import parametrize

from .errors import ArgumentTypeError
from ..utils.checks import first_parameter
from .layers.features import NFN_FIX
from .space import WeightSpace, weight_space

__all__ = ["EditHandle", "edit_weights", "nfn_editor"]


class _Edited(nn.Module):
    """Parametrization returning the edited tensor while a forward is running."""

    def __init__(self, state: dict, name: str) -> None:
        super().__init__()
        self.state, self.name = state, name

    def forward(self, original: Tensor) -> Tensor:
        return self.state.get(self.name, original)


class EditHandle:
    """Removable handle of :func:`edit_weights` (also a context manager)."""

    def __init__(self, model: nn.Module, targets: list, hooks: list) -> None:
        self.model, self.targets, self.hooks, self.active = model, targets, hooks, True

    def remove(self) -> None:
        """Remove the hooks and parametrizations; the original parameters are put back."""
        if not self.active:
            return
        for h in self.hooks:
            h.remove()
        for module, attr in self.targets:
            parametrize.remove_parametrizations(module, attr, leave_parametrized=False)
        self.active = False

    def __enter__(self) -> "EditHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def edit_weights(model: nn.Module, editor: Callable[[WeightSpace], WeightSpace | Mapping[str, Tensor]],
                 *, example_inputs: tuple | None = None) -> EditHandle:
    """Run ``model`` with ``editor(weight_space)`` as its weights; returns an :class:`EditHandle`."""
    if not callable(editor):
        raise ArgumentTypeError(f"'editor' must be callable (WeightSpace -> WeightSpace or dict), "
                                f"got {type(editor).__name__}")
    spec = weight_space(model, example_inputs=example_inputs).spec
    state: dict = {}
    targets, originals = [], {}
    for name, _ in spec.tensors:
        if name in spec.buffers:
            continue
        path, _, attr = name.rpartition(".")
        module = model.get_submodule(path)
        parametrize.register_parametrization(module, attr, _Edited(state, name), unsafe=True)
        targets.append((module, attr))
        originals[name] = (module, attr)
    buffers = dict(model.named_buffers())

    def pre_hook(_module, _args):
        tensors = {n: m.parametrizations[a].original for n, (m, a) in originals.items()}
        tensors.update({n: buffers[n] for n in spec.buffers})
        new = editor(WeightSpace(spec, tensors))
        state.clear()
        state.update(new.tensors if isinstance(new, WeightSpace) else dict(new))

    def post_hook(_module, _args, _output):
        state.clear()

    hooks = [model.register_forward_pre_hook(pre_hook), model.register_forward_hook(post_hook)]
    return EditHandle(model, targets, hooks)


def nfn_editor(nfn: nn.Module, *, scale: float = 1.0) -> Callable[[WeightSpace], WeightSpace]:
    """An editor adding ``scale * nfn(features)`` to a chain network's weights.

    ``nfn`` maps :class:`~symplugins.nfn.layers.WeightSpaceFeatures` with one channel to
    features with one channel (e.g. a :class:`~symplugins.nfn.layers.MonomialEquivariant`
    with ``c_in = c_out = 1``), so the edit is equivariant: editing ``g . theta`` gives
    ``g . edit(theta)``.
    """
    def editor(space: WeightSpace) -> WeightSpace:
        f = space.to_features()
        p, w = first_parameter("nfn", nfn, NFN_FIX), f.weights[0]  # NFN and network may live on other devices / dtypes
        delta = nfn(f.map(lambda t: t.to(dtype=p.dtype, device=p.device)))
        if delta.channels != 1:
            raise ValueError(f"the NFN must output 1 channel to edit weights, got {delta.channels}")
        return space.from_features(f + delta.map(lambda t: scale * t.to(dtype=w.dtype, device=w.device)))
    return editor
