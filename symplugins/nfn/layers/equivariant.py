"""Monomial-NFN equivariant linear layer (Tran et al., NeurIPS 2024, arXiv 2409.11697).

With ``x`` the channel (times filter tap) vector of one entry, ``g_i = D_i P_i``:

* hidden weights ``1 < i < L``: ``E(W)_i[j,k] = Phi_i W_i[j,k]`` (pointwise channel mix);
* first weight: ``E(W)_1[j,k] = A_k W_1[j,k] + B_k sum_q W_1[j,q] + C_k b_1[j]`` (input axis fixed);
* last weight: ``E(W)_L[i,j] = A'_i W_L[i,j] + B'_i sum_r W_L[r,j]`` (output axis fixed),
  plus ``G_i b_{L-1}[j]`` when ``D_{L-1}^{-1} = D_{L-1}`` (sign/permutation groups);
* biases: ``E(b)_i = psi_i b_i``; ``E(b)_1 += sum_k D_k W_1[:,k]``;
  ``E(b)_{L-1} += sum_i F_i W_L[i,:]`` (sign groups); ``E(b)_L[i] = a_i b_L[i] + m sum b_L + c_i``.

Parameters: ``O(c c' (L + n_0 + n_L))`` (times ``K_i^2`` for conv taps).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .features import NetSpec, WeightSpaceFeatures

__all__ = ["MonomialEquivariant"]


def _merge(w: Tensor) -> Tensor:
    """``[B, c, n, m, K] -> [B, n, m, c*K]``."""
    b, c, n, m, k = w.shape
    return w.permute(0, 2, 3, 1, 4).reshape(b, n, m, c * k)


def _split(x: Tensor, c: int) -> Tensor:
    """``[B, n, m, c*K] -> [B, c, n, m, K]``."""
    b, n, m, ck = x.shape
    return x.reshape(b, n, m, c, ck // c).permute(0, 3, 1, 2, 4)


class MonomialEquivariant(nn.Module):
    """Equivariant linear map between weight-space features with ``c_in -> c_out`` channels."""

    def __init__(self, spec: NetSpec, c_in: int, c_out: int) -> None:
        super().__init__()
        self.spec, self.c_in, self.c_out = spec, int(c_in), int(c_out)
        n0, nl, ks, L = spec.dims[0], spec.dims[-1], spec.taps, spec.L
        ci, co = self.c_in, self.c_out
        P = lambda *s: nn.Parameter(torch.empty(*s))  # noqa: E731
        self.first_a, self.first_b = P(n0, co * ks[0], ci * ks[0]), P(n0, co * ks[0], ci * ks[0])
        self.first_c = P(n0, co * ks[0], ci)
        self.mid = nn.ParameterList([P(co * ks[i], ci * ks[i]) for i in range(1, L - 1)])
        self.last_a, self.last_b = P(nl, co * ks[-1], ci * ks[-1]), P(nl, co * ks[-1], ci * ks[-1])
        self.bias_mix = nn.ParameterList([P(co, ci) for _ in range(L - 1)])
        self.bias_first = P(n0, co, ci * ks[0])
        self.bias_last_a, self.bias_last_m, self.bias_last_c = P(nl, co, ci), P(co, ci), P(nl, co)
        self.sign_terms = spec.allows(L - 1)[0] is False
        if self.sign_terms:
            self.last_g = P(nl, co * ks[-1], ci)
            self.bias_pen = P(nl, co, ci * ks[-1])
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for name, p in self.named_parameters():
            fan = p.shape[-1] * (self.spec.dims[0] if name.startswith(("first", "bias_first")) else 1)
            nn.init.uniform_(p, -1 / math.sqrt(fan), 1 / math.sqrt(fan)) if name != "bias_last_c" \
                else nn.init.zeros_(p)

    def forward(self, f: WeightSpaceFeatures) -> WeightSpaceFeatures:
        ws, bs, co = list(f.weights), list(f.biases), self.c_out
        L = self.spec.L
        w1, wl = _merge(ws[0]), _merge(ws[-1])
        b1 = bs[0].transpose(1, 2)  # [B, n_1, c]
        out_w = [None] * L
        out_w[0] = (torch.einsum("koi,bjki->bjko", self.first_a, w1)
                    + torch.einsum("koi,bji->bjko", self.first_b, w1.sum(2))
                    + torch.einsum("koi,bji->bjko", self.first_c, b1))
        for i, phi in enumerate(self.mid, start=1):
            out_w[i] = _merge(ws[i]) @ phi.T
        last = torch.einsum("roi,brji->brjo", self.last_a, wl) + torch.einsum("roi,bji->brjo", self.last_b, wl.sum(1))
        if self.sign_terms:
            last = last + torch.einsum("roi,bji->brjo", self.last_g, bs[-2].transpose(1, 2))
        out_w[-1] = last
        out_b = [torch.einsum("oi,bin->bon", m, b) for m, b in zip(self.bias_mix, bs[:-1])]
        out_b[0] = out_b[0] + torch.einsum("koi,bjki->boj", self.bias_first, w1)
        if self.sign_terms:
            out_b[-1] = out_b[-1] + torch.einsum("roi,brji->boj", self.bias_pen, wl)
        bl = bs[-1]
        out_b.append(torch.einsum("roi,bir->bor", self.bias_last_a, bl)
                     + torch.einsum("oi,bi->bo", self.bias_last_m, bl.sum(2))[..., None] + self.bias_last_c.T)
        return WeightSpaceFeatures(tuple(_split(w, co) for w in out_w), tuple(out_b))

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (f"MonomialEquivariant({self.c_in} -> {self.c_out} channels | dims={self.spec.dims}, "
                f"kinds={self.spec.kinds} | {n} weights)")
