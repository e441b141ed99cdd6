"""MAGEP-NFN polynomial layers (Tran et al., ICML 2025, arXiv 2410.04213), from the mathematics.

Written from the equations only (the reference code has a non-commercial licence).
Per channel ``c`` (products never mix channels; channel mixing happens afterwards) and
with ``W_i`` reduced to one number per entry by averaging its filter taps:

* chain product ``W^(s,t) = W_s W_{s-1} ... W_{t+1}`` (``W^(s,s) = I``), which moves like a
  weight from layer ``t`` to layer ``s``: ``g_s W^(s,t) g_t^{-1}`` (inner monomials cancel);
* ``[Wb]^(s,t) = W^(s,t) b_t`` (moves like ``b_s``);
* ``[bW]^(s)(L,t) = b_s Psi W^(L,t)`` with ``Psi [1, n_L]`` (moves like ``W^(s,t)``);
* ``[WW]^(s,0)(L,t) = W^(s,0) Psi' W^(L,t)`` with ``Psi' [n_0, n_L]`` (moves like ``W^(s,t)``).

Because ``g_0 = g_L = I`` and ``g^{-1} g = I`` for *any* monomial ``g = D P`` (any nonzero
diagonal), every term is equivariant under the full monomial group, hence under each
group :class:`NetSpec` allows (positive scalings, signs, permutations).

Normalisation (our choice, not the paper's): every contraction over a hidden axis of width
``n_k`` is divided by ``sqrt(n_k)``, and ``Psi``, ``Psi'`` have entries ``~ N(0, 1/n_L)``.
These are constants, so they change no symmetry; they keep products of ``O(1)`` entries
``O(1)`` for any width (``Psi'`` entries ``~ N(0, 1/(n_0 n_L))``).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .equivariant import MonomialEquivariant
from .features import NetSpec, WeightSpaceFeatures, predict_from_spaces
from .invariant import MonomialActivation, MonomialInvariant

__all__ = ["PolynomialEquivariant", "PolynomialInvariant", "MAGEPNFN", "chain_products", "check_features"]


def check_features(spec: NetSpec, f: WeightSpaceFeatures, channels: int, name: str = "features") -> None:
    """Raise ValueError unless ``f`` has the layout of ``spec`` with ``channels`` channels."""
    if not isinstance(f, WeightSpaceFeatures):
        raise ValueError(f"'{name}' must be WeightSpaceFeatures, got {type(f).__name__}")
    if len(f.weights) != spec.L or len(f.biases) != spec.L:
        raise ValueError(f"'{name}' has {len(f.weights)} weights/{len(f.biases)} biases but the NetSpec has "
                         f"L={spec.L} layers (dims={spec.dims}); build the layer from the matching NetSpec")
    d, k, bsz = spec.dims, spec.taps, f.weights[0].shape[0]
    for i, (w, b) in enumerate(zip(f.weights, f.biases)):
        want_w, want_b = (bsz, channels, d[i + 1], d[i], k[i]), (bsz, channels, d[i + 1])
        if tuple(w.shape) != want_w or tuple(b.shape) != want_b:
            raise ValueError(f"'{name}' layer {i + 1}: weight {list(w.shape)} / bias {list(b.shape)}, expected "
                             f"{list(want_w)} / {list(want_b)} ([B, channels, n_out, n_in, taps]); check the "
                             f"channel count ({channels}) and the NetSpec (dims={spec.dims}, taps={spec.taps})")


def _check_dtype(f: WeightSpaceFeatures, ref: Tensor) -> None:
    if f.weights[0].dtype != ref.dtype or f.weights[0].device != ref.device:
        raise ValueError(f"'features' are {f.weights[0].dtype} on {f.weights[0].device} but the layer is "
                         f"{ref.dtype} on {ref.device}; call layer.to(features dtype/device) first")


def chain_products(weights, *, normalize: bool = True) -> dict[tuple[int, int], Tensor]:
    """All chain products ``W^(s,t) = W_s ... W_{t+1}`` for ``0 <= t < s <= L``.

    ``weights[i-1]``: ``W_i [B, c, n_i, n_{i-1}, K_i]`` (taps averaged). Returns
    ``{(s, t): [B, c, n_s, n_t]}``; with ``normalize`` each hidden contraction over
    ``n_k`` is divided by ``sqrt(n_k)``.
    """
    ws = [w.mean(dim=-1) for w in weights]
    out: dict[tuple[int, int], Tensor] = {}
    for t in range(len(ws)):
        acc = ws[t]
        out[(t + 1, t)] = acc
        for s in range(t + 2, len(ws) + 1):
            acc = ws[s - 1] @ acc
            if normalize:
                acc = acc / math.sqrt(ws[s - 1].shape[-1])
            out[(s, t)] = acc
    return out


def _eye_like(ref: Tensor, n: int) -> Tensor:
    return torch.eye(n, dtype=ref.dtype, device=ref.device).expand(*ref.shape[:2], n, n)


def _chain(P: dict, s: int, t: int, ref: Tensor, n: int) -> Tensor:
    """``W^(s,t)``, with ``W^(s,s) = I_{n}``."""
    return P[(s, t)] if s > t else _eye_like(ref, n)


class PolynomialEquivariant(nn.Module):
    """MAGEP-NFN equivariant polynomial layer ``c_in -> c_out`` channels.

    Update (``mix`` = learned channel mix ``c_in -> c_out * K_i``, applied per entry):

    ``E(W)_i = Mono(W)_i + mix_i([WW]^(i,0)(L,i-1)) + mix'_i([bW]^(i)(L,i-1))``

    ``E(b)_i = Mono(b)_i + mix_i(sum_{t=1}^{i-1} [Wb]^(i,t)) + mix'_i(W^(i,0) Psi' [Wb]^(L,i))
    + mix''_i(b_i Psi [Wb]^(L,i))`` with ``[Wb]^(L,L) = b_L``.

    ``Mono`` is :class:`MonomialEquivariant` (the paper's linear part, including the
    fixed-axis mixing of ``W_1``, ``W_L``, ``b_L``). Following the paper, ``Psi`` and
    ``Psi'`` are fixed: here random buffers drawn from ``seed`` (our choice). The bias
    terms with ``[Wb]^(L,i)`` are our reading of the paper's "analogues" for biases.
    Shapes as :class:`WeightSpaceFeatures`; parameters ``O(c c' (L + n_0 + n_L) + c c' sum K_i)``.
    """

    def __init__(self, spec: NetSpec, c_in: int, c_out: int, *, seed: int = 0, normalize: bool = True) -> None:
        super().__init__()
        if c_in < 1 or c_out < 1:
            raise ValueError(f"'c_in' and 'c_out' must be >= 1, got {c_in}, {c_out}")
        self.spec, self.c_in, self.c_out, self.seed, self.normalize = spec, int(c_in), int(c_out), seed, normalize
        self.linear = MonomialEquivariant(spec, c_in, c_out)
        P = lambda *s: nn.Parameter(torch.empty(*s))  # noqa: E731
        self.ww_mix = nn.ParameterList([P(c_out * k, c_in) for k in spec.taps])
        self.bw_mix = nn.ParameterList([P(c_out * k, c_in) for k in spec.taps])
        self.wb_mix = nn.ParameterList([P(c_out, c_in) for _ in range(spec.L - 1)])  # layers 2..L
        self.wwb_mix = nn.ParameterList([P(c_out, c_in) for _ in range(spec.L)])
        self.bwb_mix = nn.ParameterList([P(c_out, c_in) for _ in range(spec.L)])
        g = torch.Generator().manual_seed(int(seed))
        n0, nl = spec.dims[0], spec.dims[-1]
        dt = torch.get_default_dtype()
        self.register_buffer("psi", (torch.randn(nl, generator=g, dtype=torch.float64) / math.sqrt(nl)).to(dt))
        self.register_buffer("psi_prime",
                             (torch.randn(n0, nl, generator=g, dtype=torch.float64) / math.sqrt(n0 * nl)).to(dt))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.linear.reset_parameters()
        for p in (*self.ww_mix, *self.bw_mix, *self.wb_mix, *self.wwb_mix, *self.bwb_mix):
            nn.init.uniform_(p, -1 / math.sqrt(p.shape[-1]), 1 / math.sqrt(p.shape[-1]))

    @staticmethod
    def _mix_w(m: Tensor, x: Tensor, c_out: int) -> Tensor:
        """``[B, c_in, n, m]`` -> ``[B, c_out, n, m, K]`` with ``m [c_out*K, c_in]``."""
        y = torch.einsum("oi,binm->bnmo", m, x)
        return y.reshape(*y.shape[:3], c_out, -1).permute(0, 3, 1, 2, 4)

    def forward(self, f: WeightSpaceFeatures) -> WeightSpaceFeatures:
        check_features(self.spec, f, self.c_in)
        _check_dtype(f, self.psi)
        out = self.linear(f)
        L, d, co = self.spec.L, self.spec.dims, self.c_out
        P = chain_products(f.weights, normalize=self.normalize)
        ref, bs = f.biases[0], f.biases
        wb_l = [(P[(L, i)] @ bs[i - 1][..., None])[..., 0] if i < L else bs[-1] for i in range(1, L + 1)]
        psi_w = {t: self.psi @ _chain(P, L, t, ref, d[t]) for t in range(L)}  # Psi W^(L,t): [B, c, n_t]
        ws, new_b = list(out.weights), list(out.biases)
        for i in range(1, L + 1):
            right = self.psi_prime @ _chain(P, L, i - 1, ref, d[i - 1])  # [B, c, n_0, n_{i-1}]
            ww = P[(i, 0)] @ right
            bw = bs[i - 1][..., :, None] * psi_w[i - 1][..., None, :]
            ws[i - 1] = ws[i - 1] + self._mix_w(self.ww_mix[i - 1], ww, co) + self._mix_w(self.bw_mix[i - 1], bw, co)
            x = (P[(i, 0)] @ (self.psi_prime @ wb_l[i - 1][..., None]))[..., 0]
            terms = [(self.wwb_mix[i - 1], x),
                     (self.bwb_mix[i - 1], bs[i - 1] * (wb_l[i - 1] @ self.psi)[..., None])]
            if i > 1:
                terms.append((self.wb_mix[i - 2],
                              sum((P[(i, t)] @ bs[t - 1][..., None])[..., 0] for t in range(1, i))))
            new_b[i - 1] = new_b[i - 1] + sum(torch.einsum("oi,bin->bon", m, t) for m, t in terms)
        return WeightSpaceFeatures(tuple(ws), tuple(new_b))

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"PolynomialEquivariant({self.c_in} -> {self.c_out} channels | dims={self.spec.dims}, "
                f"kinds={self.spec.kinds}, seed={self.seed} | {n} weights)")


class PolynomialInvariant(nn.Module):
    """MAGEP-NFN invariant layer: a learned linear map of polynomial invariants, ``[B, out_dim]``.

    Invariants (per channel; ``Psi``, ``Psi'`` learned, as in the paper):
    ``W^(L,0)`` (the end-to-end linear map), ``[Wb]^(L,t)`` (``t = 1..L-1``), ``b_L``,
    ``[WW]^(L,0)(L,0)`` and ``[bW]^(L)(L,0)`` (the terms landing on the fixed axes), and for
    hidden ``s`` the traces ``tr(W^(s,0) Psi' W^(L,s))`` and ``tr(b_s Psi W^(L,s))``; the
    linear map's bias is the constant. Our choice: the traces pair channels ``c`` (left
    factor) and ``c'`` (right factor), ``[B, c, c]`` each, because with ``c = c'`` the
    cyclic trace collapses to ``tr(Psi' W^(L,0))`` and ``Psi [Wb]^(L,s)``, already present.
    Input dimension ``3 c n_L n_0 + c n_L L + 2 (L-1) c^2``.
    """

    def __init__(self, spec: NetSpec, channels: int, *, out_dim: int = 16, normalize: bool = True) -> None:
        super().__init__()
        if channels < 1 or out_dim < 1:
            raise ValueError(f"'channels' and 'out_dim' must be >= 1, got {channels}, {out_dim}")
        self.spec, self.channels, self.out_dim, self.normalize = spec, int(channels), int(out_dim), normalize
        n0, nl, L, c = spec.dims[0], spec.dims[-1], spec.L, self.channels
        self.psi = nn.Parameter(torch.empty(nl))
        self.psi_prime = nn.Parameter(torch.empty(n0, nl))
        self.in_dim = 3 * c * nl * n0 + c * nl * L + 2 * (L - 1) * c * c
        self.linear = nn.Linear(self.in_dim, out_dim)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        n0, nl = self.spec.dims[0], self.spec.dims[-1]
        nn.init.normal_(self.psi, std=1 / math.sqrt(nl))
        nn.init.normal_(self.psi_prime, std=1 / math.sqrt(n0 * nl))
        self.linear.reset_parameters()

    def invariants(self, f: WeightSpaceFeatures) -> Tensor:
        """The concatenated invariants ``[B, in_dim]`` (before the linear map)."""
        check_features(self.spec, f, self.channels)
        _check_dtype(f, self.psi)
        L, bs = self.spec.L, f.biases
        P = chain_products(f.weights, normalize=self.normalize)
        e2e = P[(L, 0)]
        parts = [e2e, e2e @ self.psi_prime @ e2e, bs[-1][..., None] * (self.psi @ e2e)[..., None, :], bs[-1]]
        parts += [(P[(L, t)] @ bs[t - 1][..., None])[..., 0] for t in range(1, L)]
        for s in range(1, L):
            parts.append(torch.einsum("bcja,ar,bdrj->bcd", P[(s, 0)], self.psi_prime, P[(L, s)]))
            parts.append(torch.einsum("r,bdrj,bcj->bcd", self.psi, P[(L, s)], bs[s - 1]))
        return torch.cat([p.flatten(1) for p in parts], dim=1)

    def forward(self, f: WeightSpaceFeatures) -> Tensor:
        return self.linear(self.invariants(f))

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return f"PolynomialInvariant({self.channels} channels -> {self.in_dim} -> {self.out_dim} | {n} weights)"


class MAGEPNFN(nn.Module):
    """MAGEP-NFN invariant predictor on weight spaces of one chain architecture.

    Monomial layer ``1 -> hidden``, activation, ``depth`` polynomial layers, Monomial
    layer, activation, then the Monomial (HNP-style) pool concatenated with
    :class:`PolynomialInvariant`, then an MLP head (paper's typical model; the
    concatenated pool is our choice). Polynomial layer ``k`` draws its fixed ``Psi`` from
    ``seed + k``.

    Args:
        spec: the :class:`NetSpec` (``NetSpec.from_space(weight_space(model))``).
        hidden: channels; depth: number of polynomial layers (>= 1).
        poly_dim: output size of the polynomial invariant; mlp_hidden / out_dim: the head.
    """

    def __init__(self, spec: NetSpec, *, hidden: int = 8, depth: int = 1, poly_dim: int = 16,
                 mlp_hidden: int = 64, out_dim: int = 1, seed: int = 0) -> None:
        super().__init__()
        if depth < 1 or hidden < 1:
            raise ValueError(f"'depth' and 'hidden' must be >= 1, got depth={depth}, hidden={hidden}")
        self.spec = spec
        self.first = MonomialEquivariant(spec, 1, hidden)
        self.act = MonomialActivation(spec)
        self.polynomial = nn.ModuleList(PolynomialEquivariant(spec, hidden, hidden, seed=seed + k)
                                        for k in range(depth))
        self.last = MonomialEquivariant(spec, hidden, hidden)
        self.pool = MonomialInvariant(spec, hidden)
        self.poly_pool = PolynomialInvariant(spec, hidden, out_dim=poly_dim)
        self.head = nn.Sequential(nn.Linear(self.pool.out_dim + poly_dim, mlp_hidden), nn.ReLU(),
                                  nn.Linear(mlp_hidden, out_dim))

    def reset_parameters(self) -> None:
        for m in (self.first, *self.polynomial, self.last, self.poly_pool, self.head[0], self.head[2]):
            m.reset_parameters()

    def forward(self, f: WeightSpaceFeatures) -> Tensor:
        check_features(self.spec, f, 1)
        f = self.act(self.first(f))
        for layer in self.polynomial:
            f = layer(f)
        f = self.act(self.last(f))
        return self.head(torch.cat([self.pool(f), self.poly_pool(f)], dim=1))

    def predict(self, spaces) -> Tensor:
        """Predictions for a list of weight spaces of this architecture, ``[len(spaces), out_dim]``."""
        return predict_from_spaces(self, spaces)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"MAGEPNFN(dims={self.spec.dims}, kinds={self.spec.kinds}, depth={len(self.polynomial)} "
                f"| {n} weights)")
