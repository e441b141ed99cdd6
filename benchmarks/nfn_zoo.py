"""Predict the test accuracy of zoo networks from their weights, under weight-space symmetries.

Zoos: ``benchmarks/nfn_zoo_train.py`` (MLPs 64-32-32-10 on sklearn digits, ReLU and Tanh).
Predictors, trained with Lightning on the unaugmented train split (MSE on the
standardised accuracy), scored by Kendall tau on the test split:

* Monomial-NFN (``symplugins.nfn.layers.MonomialNFN``: invariant to permutations x
  positive scalings for ReLU, x sign flips for Tanh);
* STATNN (Unterthiner et al. 2020): 7 statistics per tensor -> MLP;
* HNP (Zhou et al. 2023) from the PyPI package ``nfn`` 0.1.2 (permutation invariant only).

Protocol (Monomial-NFN, arXiv 2409.11697): every test network is moved by a random
group element of its own weight space (``space.spec.factors``, ``space.act``): hidden
permutations times positive scalings from U[1, 10^k] (ReLU) or random signs (Tanh). The
function is unchanged (checked on live float64 models); a predictor that respects the
symmetry keeps its tau.

    python benchmarks/nfn_zoo.py               # ~15-25 min on a loaded 2-core CPU
"""
from __future__ import annotations

import argparse
import time

import lightning as L
import torch
from scipy.stats import kendalltau
from torch import Tensor, nn

from common import stamp, write_results
from nfn_zoo_train import build_zoo, digits
from symplugins.nfn import GroupElement, NeuronElement, WeightSpace, statnn_features, weight_space
from symplugins.nfn.layers import MonomialNFN, NetSpec, features_from_spaces


def augment(space: WeightSpace, kind: str, k: float, gen: torch.Generator) -> WeightSpace:
    """Random hidden permutations times scalings U[1, 10^k] (``kind="scale"``) or signs ("sign")."""
    parts = {}
    for f in space.spec.factors:
        if not (f.scale if kind == "scale" else f.sign):
            raise ValueError(f"factor {f.name!r} ({f.describe()}) does not allow {kind} augmentation")
        u = torch.rand(f.size, generator=gen, dtype=torch.float64)
        diag = 1 + u * (10.0 ** k - 1) if kind == "scale" else torch.where(u < 0.5, -1.0, 1.0).double()
        parts[f.name] = NeuronElement(torch.randperm(f.size, generator=gen), diag.to(space.dtype))
    return space.act(GroupElement(parts))


def check_function(zoo, kind: str, k: float, n: int = 5) -> float:
    """Max relative output change of ``n`` live float64 networks moved by :func:`augment`."""
    x, worst, gen = digits()[2], 0.0, torch.Generator().manual_seed(7)
    for i in range(n):
        model = zoo.model(i, torch.float64)
        ref = model(x.double())
        augment(weight_space(model), kind, k, gen).load_into(model)
        worst = max(worst, float((model(x.double()) - ref).abs().max() / ref.abs().max()))
    return worst


class StatNN(nn.Module):
    """STATNN: standardised per-tensor statistics ``[B, 7 T]`` -> MLP -> ``[B]``."""

    def __init__(self, train_features: Tensor, hidden: int = 64) -> None:
        super().__init__()
        self.register_buffer("mu", train_features.mean(0))
        self.register_buffer("sd", train_features.std(0).clamp_min(1e-8))
        d = train_features.shape[1]
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.mlp((x - self.mu) / self.sd)[:, 0]


class NFNHead(nn.Module):
    """``MonomialNFN`` on flat feature tensors ``(W_1, b_1, ..., W_L, b_L)`` -> ``[B]``."""

    def __init__(self, spec: NetSpec, hidden: int) -> None:
        super().__init__()
        self.net = MonomialNFN(spec, hidden=hidden, depth=2, mlp_hidden=64)

    def forward(self, *flat: Tensor) -> Tensor:
        from symplugins.nfn.layers import WeightSpaceFeatures
        return self.net(WeightSpaceFeatures.from_flat(flat))[:, 0]


class HNPHead(nn.Module):
    """HNP baseline from PyPI ``nfn``: two HNPLinear layers, HNPPool, MLP -> ``[B]``."""

    def __init__(self, flat: tuple[Tensor, ...], hidden: int) -> None:
        super().__init__()
        from nfn.common import WeightSpaceFeatures as NFNFeatures, network_spec_from_wsfeat
        from nfn.layers import HNPLinear, HNPPool, TupleOp
        self.wrap = NFNFeatures
        spec = network_spec_from_wsfeat(self._features(flat[:, :1] if False else tuple(t[:1] for t in flat)))
        self.layers = nn.Sequential(HNPLinear(spec, 1, hidden), TupleOp(nn.ReLU()), HNPLinear(spec, hidden, hidden),
                                    TupleOp(nn.ReLU()), HNPPool(spec), nn.Flatten(),
                                    nn.Linear(HNPPool.get_num_outs(spec) * hidden, 64), nn.ReLU(), nn.Linear(64, 1))

    def _features(self, flat):
        return self.wrap([w[..., 0] for w in flat[0::2]], list(flat[1::2]))

    def forward(self, *flat: Tensor) -> Tensor:
        return self.layers(self._features(flat))[:, 0]


class Regressor(L.LightningModule):
    """MSE on standardised accuracy for any head ``net(*inputs) -> [B]``."""

    def __init__(self, net: nn.Module, lr: float = 1e-3) -> None:
        super().__init__()
        self.net, self.lr = net, lr

    def training_step(self, batch, _idx) -> Tensor:
        *x, y = batch
        return nn.functional.mse_loss(self.net(*x), y)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=1e-4)


def inputs(name: str, spaces: list[WeightSpace]) -> tuple[Tensor, ...]:
    """Model inputs of a list of weight spaces: STATNN statistics or flat NFN features."""
    if name == "STATNN":
        return (torch.stack([statnn_features(s) for s in spaces]).float(),)
    return tuple(t.float() for t in features_from_spaces(spaces).flat())


def fit(name: str, train: list[WeightSpace], y: Tensor, *, epochs: int, hidden: int, seed: int) -> nn.Module:
    """Train predictor ``name`` on the (unaugmented) train spaces; returns the head in eval mode."""
    L.seed_everything(seed, verbose=False)
    x = inputs(name, train)
    net = {"STATNN": lambda: StatNN(x[0]), "Monomial-NFN": lambda: NFNHead(NetSpec.from_space(train[0]), hidden),
           "HNP": lambda: HNPHead(x, hidden)}[name]()
    z = (y - y.mean()) / y.std()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*x, z.float()), batch_size=32, shuffle=True)
    trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Regressor(net), loader)
    return net.eval()


@torch.no_grad()
def tau(net: nn.Module, name: str, spaces: list[WeightSpace], y: Tensor) -> float:
    pred = net(*inputs(name, spaces))
    return float(kendalltau(pred.numpy(), y.numpy())[0]) if torch.isfinite(pred).all() else float("nan")
