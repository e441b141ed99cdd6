"""Model zoos of small chain MLPs: one file per zoo, live models and weight spaces.

A zoo holds ``P`` networks of one architecture ``n_0 -> n_1 -> ... -> n_L`` (an
``nn.Sequential`` of Linear layers and one activation), a label per network (e.g. its
held-out test accuracy) and the hyperparameters it was trained with. Zoos of this kind
are the data sets of accuracy prediction from weights (Unterthiner et al. 2020,
arXiv 2002.11448; Monomial-NFN, arXiv 2409.11697).

File (``torch.save``; loads with ``torch.load(..., weights_only=True)``)::

    {"format": "symplugins-mlp-zoo/1", "dims": [n_0, ..., n_L], "activation": "relu",
     "weights": {"0.weight": [P, n_1, n_0], "0.bias": [P, n_1], ...},
     "labels": [P], "hparams": {name: [P]}}

>>> zoo = MLPZoo.load("zoo_relu.pt")
>>> spaces = zoo.spaces()                 # list of WeightSpace, one trace for all
>>> MonomialNFN(NetSpec.from_space(spaces[0])).predict(spaces)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from .space import WeightSpace, weight_space

__all__ = ["ZOO_FORMAT", "ACTIVATIONS", "zoo_mlp", "MLPZoo"]

ZOO_FORMAT = "symplugins-mlp-zoo/1"
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}
_FUNCTIONS = {"relu": torch.relu, "tanh": torch.tanh}


def zoo_mlp(dims: tuple[int, ...], activation: str = "relu") -> nn.Sequential:
    """``Linear(n_0, n_1), act, ..., Linear(n_{L-1}, n_L)``: the architecture of a zoo."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"'activation' must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if len(dims) < 2 or any(int(d) < 1 for d in dims):
        raise ValueError(f"'dims' must list at least two positive widths (n_0, ..., n_L), got {tuple(dims)}")
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims, dims[1:])):
        layers += [nn.Linear(int(a), int(b))] + ([ACTIVATIONS[activation]()] if i < len(dims) - 2 else [])
    return nn.Sequential(*layers)


def _param_names(dims: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """``[(name, shape)]`` of :func:`zoo_mlp` parameters (Sequential index ``2 i``)."""
    out = []
    for i, (a, b) in enumerate(zip(dims, dims[1:])):
        out += [(f"{2 * i}.weight", (b, a)), (f"{2 * i}.bias", (b,))]
    return out


@dataclass
class MLPZoo:
    """``P`` trained MLPs of one architecture with labels and hyperparameters (see module doc)."""

    dims: tuple[int, ...]
    activation: str
    weights: dict[str, Tensor]
    labels: Tensor
    hparams: dict[str, Tensor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.dims = tuple(int(d) for d in self.dims)
        zoo_mlp(self.dims, self.activation)  # validates dims and activation
        n = self.labels.shape[0] if self.labels.dim() == 1 else -1
        for name, shape in _param_names(self.dims):
            t = self.weights.get(name)
            if t is None or tuple(t.shape) != (n, *shape):
                got = "missing" if t is None else list(t.shape)
                raise ValueError(f"'weights[{name!r}]' must have shape {[n, *shape]} (P networks x "
                                 f"parameter shape, P = len(labels)), got {got}")
        for k, v in self.hparams.items():
            if v.shape[:1] != (n,):
                raise ValueError(f"'hparams[{k!r}]' needs one value per network ({n}), got shape {list(v.shape)}")

    def __len__(self) -> int:
        return self.labels.shape[0]

    def subset(self, index) -> "MLPZoo":
        """The networks ``index`` (a slice, list or index tensor) as a new zoo."""
        idx = torch.arange(len(self))[index] if isinstance(index, slice) else torch.as_tensor(index)
        return self._map(lambda v: v[idx.to(v.device)])

    def _map(self, fn) -> "MLPZoo":
        """A zoo of the same architecture with ``fn`` applied to every weight, label and hyper-parameter tensor."""
        each = lambda d: {k: fn(v) for k, v in d.items()}  # noqa: E731
        return MLPZoo(self.dims, self.activation, each(self.weights), fn(self.labels), each(self.hparams))

    @classmethod
    def concat(cls, zoos: list["MLPZoo"]) -> "MLPZoo":
        """One zoo from several zoos of the same architecture and activation."""
        if not zoos or any((z.dims, z.activation) != (zoos[0].dims, zoos[0].activation) for z in zoos):
            raise ValueError("'zoos' must be a non-empty list of zoos with one architecture and activation")
        def cat(key: str) -> dict[str, Tensor]:
            return {k: torch.cat([getattr(z, key)[k] for z in zoos]) for k in getattr(zoos[0], key)}
        return cls(zoos[0].dims, zoos[0].activation, cat("weights"),
                   torch.cat([z.labels for z in zoos]), cat("hparams"))

    def model(self, i: int, dtype: torch.dtype = torch.float64, device=None) -> nn.Sequential:
        """Network ``i`` as a live ``nn.Sequential`` in eval mode (on ``device``; default: the zoo's)."""
        device = self.weights["0.weight"].device if device is None else device
        m = zoo_mlp(self.dims, self.activation).to(device=device, dtype=dtype).eval()
        with torch.no_grad():
            for name, p in m.named_parameters():
                p.copy_(self.weights[name][i])
        return m

    def spaces(self, index=None) -> list[WeightSpace]:
        """Weight spaces of the networks ``index`` (all by default); traced once."""
        template = weight_space(self.model(0, self.weights["0.weight"].dtype))
        idx = range(len(self)) if index is None else torch.arange(len(self))[index].tolist()
        return [WeightSpace(template.spec, {n: self.weights[n][i] for n, _ in template.spec.tensors}) for i in idx]

    @torch.no_grad()
    def outputs(self, x: Tensor) -> Tensor:
        """All networks on inputs ``x [N, n_0]`` at once: ``[P, N, n_L]`` (batched matmuls)."""
        if x.dim() != 2 or x.shape[1] != self.dims[0]:
            raise ValueError(f"'x' must have shape [N, {self.dims[0]}], got {list(x.shape)}")
        act, L = _FUNCTIONS[self.activation], len(self.dims) - 1
        w = self.weights["0.weight"]
        h = x.to(device=w.device, dtype=w.dtype).expand(len(self), -1, -1)
        for i in range(L):
            h = h @ self.weights[f"{2 * i}.weight"].mT + self.weights[f"{2 * i}.bias"][:, None]
            h = act(h) if i < L - 1 else h
        return h

    def save(self, path: str | Path) -> Path:
        """Write the zoo file (atomically: a temporary file, then a rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save({"format": ZOO_FORMAT, "dims": list(self.dims), "activation": self.activation,
                    "weights": self.weights, "labels": self.labels, "hparams": self.hparams}, tmp)
        tmp.replace(path)
        return path

    def to(self, device) -> "MLPZoo":
        """The zoo with its weights, labels and hyper-parameters on ``device``."""
        return self._map(lambda v: v.to(device))

    @classmethod
    def load(cls, path: str | Path, map_location="cpu") -> "MLPZoo":
        """Read a zoo file written by :meth:`save` (``weights_only=True``; onto ``map_location``, like
        ``torch.load``: a zoo saved from a GPU loads on a CPU-only machine)."""
        data = torch.load(Path(path), weights_only=True, map_location=map_location)
        if not isinstance(data, dict) or data.get("format") != ZOO_FORMAT:
            raise ValueError(f"'path' {str(path)!r} is not a {ZOO_FORMAT} file; write zoos with MLPZoo.save")
        return cls(tuple(data["dims"]), data["activation"], data["weights"], data["labels"], data["hparams"])

    def __repr__(self) -> str:
        return (f"MLPZoo({len(self)} networks, dims={self.dims}, activation={self.activation!r}, "
                f"hparams={sorted(self.hparams)})")
