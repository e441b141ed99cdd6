"""Transformer-NFN equivariant linear layer (one channel in, one out) and the way back to a live encoder.

Transformer-NFN (ICLR 2025, arXiv 2410.04209): per block, with ``D`` fixed (see
:mod:`.transformer`) and shared across heads,

- ``[W_Q^h; b_Q^h] -> A_Q [W_Q^h; b_Q^h]`` (``A_Q [(D+1), (D+1)]``; likewise K and V):
  left multiplication commutes with ``W_Q -> W_Q M``; nothing mixes across Q, K, V or heads;
- ``W_O^h -> W_O^h A_O`` (``[D, D]``, right side: ``W_O -> N^{-1} W_O`` acts on the left);
- MLP (monomial-safe, so equivariant to hidden permutations AND ReLU scalings):
  ``W_1' = [W_1 | b_1] C_1``, ``b_1' = [W_1 | b_1] c_1``, ``W_2' = C_2 W_2``;
- invariant outputs ``b_O' = b_O E_O + (sum_h b_V^h W_O^h) F_O + inv G_O`` and
  ``b_2' = b_2 E_2 + inv G_2`` with ``inv = vec(sum_h W_Q W_K^T, sum_h W_V W_O)`` (the
  degree-2 invariants feed the invariant outputs); LayerNorm affines by a ``[4D, 4D]`` map.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .transformer import TransformerArch, TransformerBlockWeights, TransformerWeights

__all__ = ["TransformerNFNEquivariant", "weights_to_state"]

_SHAPES = {"qkv": lambda d: (3, d + 1, d + 1), "o": lambda d: (d, d), "w1": lambda d: (d + 1, d),
           "b1": lambda d: (d + 1,), "w2": lambda d: (d, d), "bo": lambda d: (2, d, d), "b2": lambda d: (d, d),
           "inv": lambda d: (2, 2 * d * d, d), "norms": lambda d: (4 * d, 4 * d)}


def _mix(a: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """``a @ [w; b]`` split back into ``(w', b')`` for ``w [..., D, k]``, ``b [..., k]``."""
    out = a @ torch.cat([w, b[..., None, :]], dim=-2)
    return out[..., :-1, :], out[..., -1, :]


class TransformerNFNEquivariant(nn.Module):
    """Equivariant ``TransformerWeights -> TransformerWeights`` (same architecture), per-block weights."""

    def __init__(self, arch: TransformerArch) -> None:
        super().__init__()
        if not isinstance(arch, TransformerArch):
            raise ValueError(f"'arch' must be a TransformerArch (transformer_weights(models).arch), got "
                             f"{type(arch).__name__}")
        self.arch, d, n = arch, arch.d_model, arch.n_blocks
        self.weights = nn.ParameterDict({k: nn.Parameter(torch.empty(n, *s(d))) for k, s in _SHAPES.items()})
        self.final = nn.Parameter(torch.empty(2 * d, 2 * d)) if arch.final_norm else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Near-identity maps plus noise of std ``0.1 / sqrt(fan_in)``."""
        with torch.no_grad():
            for p in list(self.weights.values()) + ([self.final] if self.final is not None else []):
                p.normal_(0.0, 0.1 / math.sqrt(p.shape[-2] if p.dim() > 2 else p.shape[-1]))
            for k in ("qkv", "o", "w1", "w2", "b2", "norms"):
                self.weights[k].diagonal(dim1=-2, dim2=-1).add_(1.0)
            self.weights["bo"][:, 0].diagonal(dim1=-2, dim2=-1).add_(1.0)
            if self.final is not None:
                self.final.diagonal().add_(1.0)

    def _block(self, i: int, bw: TransformerBlockWeights) -> TransformerBlockWeights:
        p = {k: v[i] for k, v in self.weights.items()}
        (wq, bq), (wk, bk), (wv, bv) = (_mix(p["qkv"][j], w, b) for j, (w, b) in
                                        enumerate(((bw.wq, bw.bq), (bw.wk, bw.bk), (bw.wv, bw.bv))))
        inv = torch.cat([(bw.wq @ bw.wk.mT).sum(1).flatten(1), (bw.wv @ bw.wo).sum(1).flatten(1)], dim=1)
        bvo = (bw.bv[..., None, :] @ bw.wo)[..., 0, :].sum(1)
        u = torch.cat([bw.w1, bw.b1[..., None]], dim=-1)  # [B, DA, D+1]
        return TransformerBlockWeights(
            wq=wq, wk=wk, wv=wv, wo=bw.wo @ p["o"], bq=bq, bk=bk, bv=bv,
            bo=bw.bo @ p["bo"][0] + bvo @ p["bo"][1] + inv @ p["inv"][0],
            w1=u @ p["w1"], b1=u @ p["b1"], w2=p["w2"] @ bw.w2, b2=bw.b2 @ p["b2"] + inv @ p["inv"][1],
            norms=(bw.norms.flatten(1) @ p["norms"]).reshape(bw.norms.shape))

    def forward(self, w: TransformerWeights) -> TransformerWeights:
        if not isinstance(w, TransformerWeights) or w.arch != self.arch:
            got = w.arch if isinstance(w, TransformerWeights) else type(w).__name__
            raise ValueError(f"'w' must be TransformerWeights of architecture {self.arch}, got {got}; build a "
                             "layer per architecture (TransformerNFNEquivariant(w.arch))")
        p = self.weights["o"]
        if (w.blocks[0].wq.dtype, w.blocks[0].wq.device) != (p.dtype, p.device):
            raise ValueError(f"weights are {w.blocks[0].wq.dtype}/{w.blocks[0].wq.device} but the layer is "
                             f"{p.dtype}/{p.device}; cast the layer or the encoders with .to(...) first")
        final = None if w.final_norm is None else (w.final_norm.flatten(1) @ self.final).reshape(w.final_norm.shape)
        return TransformerWeights(self.arch, tuple(self._block(i, b) for i, b in enumerate(w.blocks)), final)

    def __repr__(self) -> str:
        a, n = self.arch, sum(p.numel() for p in self.parameters())
        return (f"TransformerNFNEquivariant({a.n_blocks} blocks x (D={a.d_model}, {a.heads} heads) -> same "
                f"| {n} weights)")


def weights_to_state(w: TransformerWeights, space, index: int = 0) -> dict[str, Tensor]:
    """Model ``index`` of ``w`` as named tensors of ``space`` (from ``weight_space(encoder)``), the inverse
    of :func:`~.transformer.transformer_weights` (absent biases/affines are skipped)."""
    out = {k: t.clone() for k, t in space.tensors.items()}
    multi = w.arch.detail.startswith("TransformerEncoder(")
    for i, bw in enumerate(w.blocks):
        p = f"layers.{i}." if multi else ""
        heads = space.spec.factor(f"{p}self_attn.heads")
        for s in heads.slots:
            x = out[s.param].movedim(s.dim, 0)
            if s.role == "o":
                x[s.offset:] = bw.wo[index].reshape(-1, x.shape[1])
            elif s.param.endswith("bias"):
                x[s.offset:s.offset + s.length] = getattr(bw, f"b{s.role}")[index].reshape(-1)
            else:
                x[s.offset:s.offset + s.length] = getattr(bw, f"w{s.role}")[index].mT.reshape(-1, x.shape[1])
        nrm = bw.norms[index]
        pairs = {"self_attn.out_proj.bias": bw.bo, "linear1.weight": bw.w1, "linear1.bias": bw.b1,
                 "linear2.weight": bw.w2, "linear2.bias": bw.b2}
        for k, t in pairs.items():
            if p + k in out:
                out[p + k] = t[index].clone()
        for j, k in enumerate(("norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias")):
            if p + k in out:
                out[p + k] = nrm[j].clone()
    if w.final_norm is not None:
        for j, k in enumerate(("norm.weight", "norm.bias")):
            if k in out:
                out[k] = w.final_norm[index, j].clone()
    return out
