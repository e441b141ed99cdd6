"""CG-EGNN interatomic potential: per-atom energies from the invariant CG-EGNN output.

Energy model in the NequIP/Allegro form (Batzner et al., Nat. Commun. 2022) around the
Clifford-algebra network of Tran et al. (arXiv 2410.04692):

    E = sum_i [ s_{t_i} (eps_i - eps^0_{t_i}) + b_{t_i} ],   F_i = -dE/dx_i,

where ``eps_i`` is the scalar (grade-0) output of :class:`~symplugins.cgegnn.CGEGNN` on
the radius graph (cutoff ``r_max``, ``centroid=False``: positions enter only through edge
vectors, and the edge lengths through a Bessel radial basis as invariant edge attributes),
each edge weighted by the polynomial envelope ``u(r_ij)`` (divided by
``avg_num_neighbors`` if given) and each k-hop path by the product of its edge weights;
``eps^0_t`` is the output for an isolated atom of type ``t`` (so an isolated atom has
energy ``b_t``); ``s_t``, ``b_t`` are per-type scales and shifts (buffers that follow
``.to(dtype)``; the model dtype is ``scales.dtype``). Forces and stress come from autograd
(:mod:`symplugins.models.potential.forces`).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import torch
from torch import Tensor, nn

from ...utils.tracing import is_tracing
from .cutoff import PolynomialEnvelope, radius_edges


def _per_type(values: float | Mapping[str, float] | Sequence[float] | None,
              type_names: Sequence[str], default: float, name: str) -> Tensor:
    """Per-type values ``[T]`` from a float, a {type: value} dict or a sequence."""
    if values is None:
        values = default
    if isinstance(values, Mapping):
        missing = [t for t in type_names if t not in values]
        if missing:
            raise ValueError(f"'{name}' has no value for type(s) {missing}")
        values = [values[t] for t in type_names]
    elif isinstance(values, (int, float)):
        values = [float(values)] * len(type_names)
    if len(values) != len(type_names):
        raise ValueError(f"'{name}' needs {len(type_names)} values, got {len(values)}")
    return torch.tensor([float(v) for v in values], dtype=torch.get_default_dtype())


class CGEGNNEnergy(nn.Module):
    """Energy model ``(types [N], pos [N, 3], graph) -> per-atom energies [N]``.

    Args:
        type_names: atom type names (e.g. chemical symbols ``["H", "C", "O"]``); type index
            ``t`` of an atom is its position in this list.
        r_max: cutoff radius (A). hidden / layers / hops: CG-EGNN size and path order.
        mlp_products: geometric-product blocks in each CG-EGNN message / update MLP (2 is
            CGENN's n-body depth and the best n-body setting measured here).
        envelope_p: polynomial envelope exponent. avg_num_neighbors: if given, edge
            weights are ``u(r) / avg_num_neighbors`` (so k-hop paths get ``1/avg^k``,
            normalising neighbour and path sums). scales / shifts: per-type ``s_t``, ``b_t``.
    """

    def __init__(self, type_names: Sequence[str], *, r_max: float = 5.0, hidden: int = 16,
                 layers: int = 2, hops: int = 1, envelope_p: int = 6,
                 avg_num_neighbors: float | None = None, num_basis: int = 8,
                 scales: float | Mapping[str, float] | None = None,
                 shifts: float | Mapping[str, float] | None = None, mlp_products: int = 1) -> None:
        super().__init__()
        from symplugins.cgegnn import CGEGNN

        self.type_names = [str(t) for t in type_names]
        if not self.type_names or len(set(self.type_names)) != len(self.type_names):
            raise ValueError(f"'type_names' must be non-empty and unique, got {type_names}")
        self.config = dict(type_names=self.type_names, r_max=float(r_max), hidden=int(hidden),
                           layers=int(layers), hops=int(hops), envelope_p=int(envelope_p),
                           avg_num_neighbors=None if avg_num_neighbors is None
                           else float(avg_num_neighbors), num_basis=int(num_basis),
                           mlp_products=int(mlp_products))
        self.edge_norm = 1.0 if avg_num_neighbors is None else 1.0 / float(avg_num_neighbors)
        self.r_max, self.num_types = float(r_max), len(self.type_names)
        self.envelope = PolynomialEnvelope(r_max, p=envelope_p)
        # centroid=False: positions enter only through edge vectors (local, periodic-safe)
        self.core = CGEGNN(self.num_types, 0, hidden, 1, 0, layers=layers, hops=hops,
                           edge_in=num_basis, centroid=False, mlp_products=mlp_products)
        self.num_basis = int(num_basis)
        self.register_buffer("scales", _per_type(scales, self.type_names, 1.0, "scales"))
        self.register_buffer("shifts", _per_type(shifts, self.type_names, 0.0, "shifts"))

    def radial_basis(self, r: Tensor) -> Tensor:
        """Bessel basis ``sin(n pi r / r_max) / r`` (n = 1..num_basis) of DimeNet: ``[E, B]``."""
        n = torch.arange(1, self.num_basis + 1, dtype=r.dtype, device=r.device)
        x = r.unsqueeze(-1).clamp(min=1e-6)
        return (2.0 / self.r_max) ** 0.5 * torch.sin(n * torch.pi * x / self.r_max) / x

    def node_multivectors(self, types: Tensor, pos: Tensor, edge_index: Tensor, edge_vec: Tensor,
                          batch: Tensor | None = None, edge_reverse: Tensor | None = None) -> Tensor:
        """Hidden CG-EGNN multivectors ``[N, hidden, 8]`` (model dtype; no input checks).

        Edge inputs: envelope weights ``u(r) / avg_num_neighbors``, Bessel radial basis, and
        ``edge_vec = x_j - x_i`` (CG-EGNN's own convention is ``x_i - x_j``, hence the sign).
        """
        dtype = self.scales.dtype
        pos, edge_vec = pos.to(dtype), edge_vec.to(dtype)
        r = edge_vec.norm(dim=-1)
        onehot = nn.functional.one_hot(types, self.num_types).to(dtype)
        return self.core.multivectors(
            onehot, None, pos, edge_index, batch, edge_weight=self.envelope(r) * self.edge_norm,
            edge_attr=self.radial_basis(r) if self.num_basis else None, edge_vec=-edge_vec,
            edge_reverse=edge_reverse, check_inputs=False)

    def energy_from_multivectors(self, h: Tensor, types: Tensor) -> Tensor:
        """Per-atom energies ``[N]``: ``s_t (eps_i - eps^0_t) + b_t`` from hidden multivectors ``h``."""
        dtype = self.scales.dtype
        eps = self.core.readout(h)[0][:, 0]
        eps0 = self._isolated_cached(dtype, h.device).index_select(0, types)
        return self.scales[types].to(dtype) * (eps - eps0) + self.shifts[types].to(dtype)

    def isolated_outputs(self, dtype: torch.dtype, device: torch.device) -> Tensor:
        """``eps^0_t [T]``: the core's scalar output for one isolated atom of each type."""
        types = torch.arange(self.num_types, device=device)
        empty = torch.zeros(2, 0, dtype=torch.long, device=device)
        pos = torch.zeros(self.num_types, 3, dtype=dtype, device=device)
        h = self.node_multivectors(types, pos, empty, pos[:0])
        return self.core.readout(h)[0][:, 0]

    def _isolated_cached(self, dtype: torch.dtype, device: torch.device) -> Tensor:
        """``eps^0`` reused across calls while no parameter can change or needs a gradient.

        Inference (MD) with frozen parameters (``requires_grad_(False)``, as the ASE
        calculator does) skips the isolated-atom forward; the cache key holds the
        parameters' in-place version counters, so ``load_state_dict`` or an optimiser
        step invalidates it. Training, tracing and compiling always recompute.
        """
        params = list(self.core.parameters())
        if self.training or is_tracing() or any(p.requires_grad for p in params):
            return self.isolated_outputs(dtype, device)
        key = (dtype, device, tuple((id(p), p._version) for p in params))
        cached = self.__dict__.get("_eps0_cache")
        if cached is None or cached[0] != key:
            with torch.no_grad():
                cached = (key, self.isolated_outputs(dtype, device))
            self.__dict__["_eps0_cache"] = cached
        return cached[1]

    def per_atom_energy(self, types: Tensor, pos: Tensor, edge_index: Tensor,
                        edge_vec: Tensor, batch: Tensor | None = None,
                        edge_reverse: Tensor | None = None) -> Tensor:
        """Per-atom energies ``[N]`` (model dtype); no input checks (hot path).

        ``edge_index [2, E]``: row 0 = neighbour ``j``, row 1 = centre ``i``;
        ``edge_vec [E, 3] = x_j - x_i`` (plus the periodic image shift);
        ``edge_reverse [E]``: reverse edge ids for k-hop paths (``-1`` = none; default:
        paired by node pair, see :func:`symplugins.cgegnn.edge_reverse`).
        """
        h = self.node_multivectors(types, pos, edge_index, edge_vec, batch, edge_reverse)
        return self.energy_from_multivectors(h, types)

    def forward(self, types: Tensor, pos: Tensor, batch: Tensor | None = None,
                num_graphs: int | None = None) -> Tensor:
        """Total energies ``[B]`` of non-periodic structures (radius graph built here)."""
        from .validate import check_structure

        check_structure(types, pos, self.type_names, batch=batch)
        edge_index = radius_edges(pos, self.r_max, batch)
        edge_vec = pos[edge_index[0]] - pos[edge_index[1]]
        e = self.per_atom_energy(types, pos, edge_index, edge_vec, batch)
        if batch is None:
            return e.sum().unsqueeze(0)
        b = int(batch.max()) + 1 if num_graphs is None else num_graphs
        return e.new_zeros(b).index_add(0, batch, e)

    def extra_repr(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"types={self.type_names}, r_max={self.r_max:g}, "
                f"hops={self.config['hops']}, mlp_products={self.config['mlp_products']} | {n} parameters")
