"""Transformer-NFN invariant layer for live ``nn.TransformerEncoderLayer`` / ``nn.TransformerEncoder``.

Transformer-NFN (Tran et al., ICLR 2025, arXiv 2410.04209). Per block and head ``h``
(paper convention, row vectors ``x W``): ``W_Q^h, W_K^h [D, D_k]``, ``W_V^h [D, D_v]``,
``W_O^h [D_v, D]``. The derived group (:func:`symplugins.nfn.weight_space`) acts by head
permutations and ``W_Q -> W_Q M``, ``W_K -> W_K M^{-T}``, ``W_V -> W_V N``,
``W_O -> N^{-1} W_O``, plus monomials of the MLP hidden axis (ReLU: positive scalings).

Invariant features per block (D, the residual-stream axis, is NOT permuted: in a
residual encoder one D permutation would be shared by the input, every block and the
LayerNorms, and the bare blocks' derived group fixes it, so D-indexed entries are kept):

- ``sum_h W_Q^h W_K^hT`` and ``sum_h W_V^h W_O^h`` ``[D, D]`` (GL-invariant degree 2,
  head sums); per-head statistics (Frobenius norms, traces, bias couplings) pooled by
  mean and max over heads; bias couplings ``sum_h W_Q^h b_K^h``, ``sum_h W_K^h b_Q^h``,
  ``sum_h b_Q^h . b_K^h``, ``sum_h b_V^h W_O^h`` and ``b_O``;
- MLP (HNP-like, sums over the hidden axis): ``W_2 W_1``, ``W_2 b_1``, ``b_2`` and the
  hidden-mean of the per-neuron canonicalised ``(W_1[j], b_1[j]) / n_j`` and
  ``W_2[:, j] n_j`` (``n_j`` their norm when scalings act; ``|.|`` when signs act);
- the LayerNorm affine parameters (fixed axis D).

Blocks are concatenated and fed to an MLP head: ``[B, F] -> [B, out_dim]``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..group import slot_rows
from ..space import weight_space
from ..statnn import row_stats

__all__ = ["TransformerArch", "TransformerBlockWeights", "TransformerWeights", "transformer_weights",
           "block_invariants", "invariant_statistics", "TransformerNFNInvariant"]


@dataclass(frozen=True)
class TransformerArch:
    """What must agree across a batch: sizes, block count and the MLP hidden group."""

    d_model: int
    heads: int
    d_k: int
    d_v: int
    d_ff: int
    n_blocks: int
    mlp_scale: bool
    mlp_sign: bool
    final_norm: bool
    detail: str  # module type, norm_first and activation (functionally relevant, not featurised)


@dataclass(frozen=True)
class TransformerBlockWeights:
    """One block, batch axis first: ``wq, wk [B,H,D,Dk]``, ``wv [B,H,D,Dv]``, ``wo [B,H,Dv,D]``,
    ``bq, bk [B,H,Dk]``, ``bv [B,H,Dv]``, ``bo [B,D]``, ``w1 [B,DA,D]``, ``b1 [B,DA]``,
    ``w2 [B,D,DA]``, ``b2 [B,D]``, ``norms [B,4,D]`` (norm1 w, b, norm2 w, b)."""

    wq: Tensor
    wk: Tensor
    wv: Tensor
    wo: Tensor
    bq: Tensor
    bk: Tensor
    bv: Tensor
    bo: Tensor
    w1: Tensor
    b1: Tensor
    w2: Tensor
    b2: Tensor
    norms: Tensor


@dataclass(frozen=True)
class TransformerWeights:
    """Per-block weights of ``B`` same-architecture encoders; ``final_norm [B,2,D]`` or None."""

    arch: TransformerArch
    blocks: tuple[TransformerBlockWeights, ...]
    final_norm: Tensor | None

    @property
    def batch_size(self) -> int:
        return self.blocks[0].wq.shape[0]


def _get(live: dict, name: str, fallback: Tensor) -> Tensor:
    t = live.get(name)
    return fallback if t is None else t.detach()


def _norm(live: dict, p: str, d: int, like: Tensor) -> list[Tensor]:
    one, zero = torch.ones(d, dtype=like.dtype, device=like.device), like.new_zeros(d)
    return [_get(live, f"{p}.weight", one), _get(live, f"{p}.bias", zero)]


def _one_block(space, live: dict, p: str, layer: nn.TransformerEncoderLayer) -> tuple[dict, tuple]:
    """Per-head slices cut with the derived group's own slots (so conventions match ``act``)."""
    heads = next((f for f in space.spec.factors if f.name == f"{p}self_attn.heads"), None)
    if heads is None:
        raise ValueError(f"block '{p or 'layer'}' has no head symmetry (add_bias_kv=True or an untraceable "
                         "attention); use a plain nn.MultiheadAttention inside the encoder layer")
    h, dk, dv, d = heads.size, heads.dim_qk, heads.dim_v, layer.self_attn.embed_dim
    out = {}
    for s in heads.slots:
        rows = slot_rows(live[s.param].detach(), s)
        if s.param.endswith("bias"):
            out[f"b{s.role}"] = rows
        elif s.role == "o":
            out["wo"] = rows.reshape(h, dv, d)
        else:
            out[f"w{s.role}"] = rows.reshape(h, -1, d).mT
    ref = out["wq"]
    out.setdefault("bq", ref.new_zeros(h, dk)), out.setdefault("bk", ref.new_zeros(h, dk))
    out.setdefault("bv", ref.new_zeros(h, dv))
    out["bo"] = _get(live, f"{p}self_attn.out_proj.bias", ref.new_zeros(d))
    out["w1"], out["w2"] = live[f"{p}linear1.weight"].detach(), live[f"{p}linear2.weight"].detach()
    d_ff = out["w1"].shape[0]
    out["b1"] = _get(live, f"{p}linear1.bias", ref.new_zeros(d_ff))
    out["b2"] = _get(live, f"{p}linear2.bias", ref.new_zeros(d))
    out["norms"] = torch.stack(_norm(live, f"{p}norm1", d, ref) + _norm(live, f"{p}norm2", d, ref))
    mlp = next((f for f in space.spec.factors if f.name == f"{p}linear1"), None)
    act = {1: "relu", 2: "gelu"}.get(getattr(layer, "activation_relu_or_gelu", 0)) or repr(layer.activation)
    sig = (d, h, dk, dv, d_ff, bool(mlp and mlp.scale), bool(mlp and mlp.sign), f"norm_first={layer.norm_first}, "
           f"activation={act}")
    return out, sig


def _one_model(model, argname: str) -> tuple[list[dict], Tensor | None, TransformerArch]:
    if isinstance(model, nn.TransformerEncoderLayer):
        layers, prefixes, final = [model], [""], None
    elif isinstance(model, nn.TransformerEncoder):
        layers, prefixes, final = list(model.layers), [f"layers.{i}." for i in range(len(model.layers))], model.norm
    else:
        raise ValueError(f"'{argname}' is a {type(model).__name__}; Transformer-NFN features need an "
                         "nn.TransformerEncoderLayer or nn.TransformerEncoder (pass the encoder itself, "
                         "not the surrounding model, e.g. model.encoder)")
    space = weight_space(model)
    live = dict(model.named_parameters())
    blocks, sigs = zip(*(_one_block(space, live, p, m) for p, m in zip(prefixes, layers)))
    if len(set(sigs)) != 1:
        raise ValueError(f"'{argname}' has blocks of different shapes {sorted(set(sigs))}; Transformer-NFN "
                         "features need identical blocks")
    d, h, dk, dv, d_ff, scale, sign, detail = sigs[0]
    fn = None if final is None else torch.stack(_norm(live, "norm", d, blocks[0]["wq"]))
    arch = TransformerArch(d, h, dk, dv, d_ff, len(blocks), scale, sign, final is not None,
                           f"{type(model).__name__}({detail})")
    return list(blocks), fn, arch


def transformer_weights(models) -> TransformerWeights:
    """Stack the per-head and MLP weights of one or several same-architecture encoders.

    Args:
        models: an ``nn.TransformerEncoderLayer`` / ``nn.TransformerEncoder`` or a
            non-empty list/tuple of them (batch_first either way), all of one architecture,
            dtype and device.
    """
    models = [models] if isinstance(models, nn.Module) else models
    if not isinstance(models, (list, tuple)) or not models:
        raise ValueError("'models' must be an encoder module or a non-empty list of them")
    parsed = [_one_model(m, f"models[{i}]") for i, m in enumerate(models)]
    arch = parsed[0][2]
    for i, (blocks, _, a) in enumerate(parsed):
        if a != arch:
            raise ValueError(f"'models[{i}]' has architecture {a} but 'models[0]' has {arch}; batch only "
                             "models of one architecture (split the list by architecture)")
        t = blocks[0]["wq"]
        if (t.dtype, t.device) != (parsed[0][0][0]["wq"].dtype, parsed[0][0][0]["wq"].device):
            raise ValueError(f"'models[{i}]' has dtype/device {t.dtype}/{t.device} unlike 'models[0]'; "
                             "cast all models with .to(dtype, device) first")
    blocks = tuple(TransformerBlockWeights(**{k: torch.stack([p[0][b][k] for p in parsed])
                                              for k in parsed[0][0][b]}) for b in range(arch.n_blocks))
    final = torch.stack([p[1] for p in parsed]) if arch.final_norm else None
    return TransformerWeights(arch, blocks, final)


def _mlp_units(bw: TransformerBlockWeights, scale: bool, sign: bool) -> tuple[Tensor, Tensor]:
    """Per-neuron canonical rows ``u_j = (W_1[j], b_1[j]) / n_j`` and columns ``v_j = W_2[:, j] n_j``."""
    u, v = torch.cat([bw.w1, bw.b1[..., None]], dim=-1), bw.w2.mT  # [B, DA, D+1], [B, DA, D]
    if scale:
        n = u.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(u.dtype).tiny ** 0.5)
        u, v = u / n, v * n
    return (u.abs(), v.abs()) if sign else (u, v)


def block_invariants(bw: TransformerBlockWeights, arch: TransformerArch) -> dict[str, Tensor]:
    """Named invariant features of one block, each ``[B, ...]`` (see the module docstring)."""
    qk = bw.wq @ bw.wk.mT  # [B, H, D, D]
    vo = bw.wv @ bw.wo
    q_bk = (bw.wq @ bw.bk[..., None])[..., 0]  # [B, H, D]
    k_bq = (bw.wk @ bw.bq[..., None])[..., 0]
    bqk = (bw.bq * bw.bk).sum(-1)  # [B, H]
    bvo = (bw.bv[..., None, :] @ bw.wo)[..., 0, :]  # [B, H, D]
    diag = lambda m: m.diagonal(dim1=-2, dim2=-1).sum(-1)  # noqa: E731
    stats = torch.stack([qk.norm(dim=(-2, -1)), diag(qk), vo.norm(dim=(-2, -1)), diag(vo),
                         q_bk.norm(dim=-1), bqk], dim=-1)  # [B, H, 6]
    u, v = _mlp_units(bw, arch.mlp_scale, arch.mlp_sign)
    return {"qk": qk.sum(1), "vo": vo.sum(1), "head_mean": stats.mean(1), "head_max": stats.amax(1),
            "q_bk": q_bk.sum(1), "k_bq": k_bq.sum(1), "bqk": bqk.sum(1, keepdim=True), "bvo": bvo.sum(1),
            "bo": bw.bo, "w2w1": bw.w2 @ bw.w1, "w2b1": (bw.w2 @ bw.b1[..., None])[..., 0], "b2": bw.b2,
            "u_mean": u.mean(1), "v_mean": v.mean(1), "norms": bw.norms}


def invariant_statistics(w: TransformerWeights) -> Tensor:
    """A compact invariant vector ``[B, 7 (16 L (+ 1))]``: STATNN statistics of invariants.

    Per block, the 7 statistics of every :func:`block_invariants` tensor and of the per-neuron
    MLP gains ``|W_2[:, j]| |(W_1[j], b_1[j])|`` (unchanged by the neuron's scaling, and the
    statistics by its permutation); then of the final LayerNorm, if any. Invariant to the
    derived group because every input is; unlike STATNN on the raw tensors, which changes under
    head GL and neuron scalings. Differentiable.
    """
    if not isinstance(w, TransformerWeights):
        raise ValueError(f"'w' must be TransformerWeights (transformer_weights(models)), got {type(w).__name__}")
    parts = []
    for bw in w.blocks:
        parts += [row_stats(t) for t in block_invariants(bw, w.arch).values()]
        gain = bw.w2.norm(dim=-2) * torch.cat([bw.w1, bw.b1[..., None]], dim=-1).norm(dim=-1)  # [B, DA]
        parts.append(row_stats(gain))
    if w.final_norm is not None:
        parts.append(row_stats(w.final_norm))
    return torch.cat(parts, dim=1)


def invariant_dim(arch: TransformerArch) -> int:
    """Length of the concatenated feature vector: ``L (3 D^2 + 12 D + 14) (+ 2 D)``."""
    d = arch.d_model
    return arch.n_blocks * (3 * d * d + 12 * d + 14) + (2 * d if arch.final_norm else 0)


class TransformerNFNInvariant(nn.Module):
    """Invariant map from the weights of ``B`` encoders of architecture ``arch`` to ``[B, out_dim]``.

    ``features(w)`` concatenates :func:`block_invariants` over blocks (+ the final norm);
    ``forward(w)`` applies an MLP ``F -> hidden -> hidden -> out_dim`` (ReLU).
    """

    def __init__(self, arch: TransformerArch, out_dim: int = 1, *, hidden: int = 64) -> None:
        super().__init__()
        if not isinstance(arch, TransformerArch):
            raise ValueError(f"'arch' must be a TransformerArch (transformer_weights(models).arch), got "
                             f"{type(arch).__name__}")
        self.arch, self.in_dim, self.out_dim = arch, invariant_dim(arch), int(out_dim)
        self.head = nn.Sequential(nn.Linear(self.in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                  nn.ReLU(), nn.Linear(hidden, self.out_dim))

    def reset_parameters(self) -> None:
        for m in self.head:
            if isinstance(m, nn.Linear):
                m.reset_parameters()

    def features(self, w: TransformerWeights) -> Tensor:
        """Invariant features ``[B, in_dim]`` (no learned parameters)."""
        if not isinstance(w, TransformerWeights) or w.arch != self.arch:
            got = w.arch if isinstance(w, TransformerWeights) else type(w).__name__
            raise ValueError(f"'w' must be TransformerWeights of architecture {self.arch}, got {got}; build a "
                             "layer per architecture (TransformerNFNInvariant(w.arch))")
        parts = [t.flatten(1) for bw in w.blocks for t in block_invariants(bw, self.arch).values()]
        if w.final_norm is not None:
            parts.append(w.final_norm.flatten(1))
        return torch.cat(parts, dim=1)

    def forward(self, w: TransformerWeights) -> Tensor:
        x = self.features(w)
        p = self.head[0].weight
        if (x.dtype, x.device) != (p.dtype, p.device):
            raise ValueError(f"weights are {x.dtype}/{x.device} but the layer is {p.dtype}/{p.device}; "
                             "cast the layer or the encoders with .to(...) first")
        return self.head(x)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        a = self.arch
        return (f"TransformerNFNInvariant({a.n_blocks} blocks x (D={a.d_model}, {a.heads} heads, D_A={a.d_ff}) "
                f"-> {self.in_dim} invariants -> {self.out_dim} | {n} weights)")
