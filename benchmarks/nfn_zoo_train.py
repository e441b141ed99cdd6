"""Train a zoo of small MLPs on scikit-learn's digits, a whole population at once.

Each network ``64 -> h -> h -> 10`` (stored at the maximal width, unused neurons zero)
gets its own hyperparameters: learning rate, hidden width, init scale, weight decay,
number of steps, dropout and the fraction of the training set it sees. One
LightningModule holds the population as stacked tensors ``[P, ...]`` and trains all of
them with batched matmuls (one shared minibatch stream, per-network sample weights) and
:class:`PopulationAdamW`, which applies per-network learning rate, decoupled weight decay
and step budget. Labels: final accuracy on the held-out digits test split.

    python benchmarks/nfn_zoo_train.py --activation relu --networks 500

Resumable: each chunk of networks is written to ``benchmarks/data/nfn_zoo/<act>/`` as
soon as it is trained; a rerun skips finished chunks.
"""
from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F
from torch import Tensor
from tqdm import tqdm

from symplugins.nfn.zoo import MLPZoo

DATA = Path(__file__).resolve().parent / "data" / "nfn_zoo"
DIMS = (64, 32, 32, 10)


def digits(seed: int = 0, test: int = 597) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Digits (1797 images of 8x8, pixels / 16) split into train / test with a fixed seed."""
    from sklearn.datasets import load_digits
    x, y = load_digits(return_X_y=True)
    x, y = torch.tensor(x, dtype=torch.float32) / 16.0, torch.tensor(y)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    return x[perm[test:]], y[perm[test:]], x[perm[:test]], y[perm[:test]]


def sample_hparams(n: int, seed: int, max_width: int = DIMS[1]) -> dict[str, Tensor]:
    """Random hyperparameters for ``n`` networks (log-uniform where a scale is natural)."""
    g = torch.Generator().manual_seed(seed)
    u = lambda: torch.rand(n, generator=g, dtype=torch.float64)  # noqa: E731
    logu = lambda lo, hi: torch.exp(math.log(lo) + u() * math.log(hi / lo))  # noqa: E731
    widths = torch.tensor([8, 16, 24, max_width])
    return {"lr": logu(3e-4, 3e-2), "init_scale": logu(0.3, 3.0), "weight_decay": logu(1e-5, 1e-1),
            "steps": (30 + u() * 370).round(), "dropout": torch.tensor([0.0, 0.0, 0.2, 0.5], dtype=torch.float64)[
                torch.randint(0, 4, (n,), generator=g)], "train_fraction": logu(0.03, 1.0),
            "width": widths[torch.randint(0, 4, (n,), generator=g)].double()}


class PopulationAdamW(torch.optim.Optimizer):
    """AdamW where dim 0 of every parameter indexes a network with its own lr, decay and budget.

    ``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g^2``,
    ``p <- p - lr_p (m_hat / (sqrt(v_hat) + eps) + wd_p p)`` while ``t < steps_p``.
    """

    def __init__(self, params, lr: Tensor, weight_decay: Tensor, steps: Tensor,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, {"betas": betas, "eps": eps})
        self.lr, self.wd, self.steps = lr.float(), weight_decay.float(), steps.float()

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            (b1, b2), eps = group["betas"], group["eps"]
            for p in group["params"]:
                st = self.state[p]
                if not st:
                    st["t"], st["m"], st["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                st["t"] += 1
                t, shape = st["t"], (-1,) + (1,) * (p.dim() - 1)
                st["m"].lerp_(p.grad, 1 - b1)
                st["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                upd = (st["m"] / (1 - b1 ** t)) / ((st["v"] / (1 - b2 ** t)).sqrt() + eps)
                live = (self.steps >= t).float().to(p)
                p.sub_((self.lr.to(p) * live).view(shape) * (upd + self.wd.to(p).view(shape) * p))
        return loss


class PopulationMLP(L.LightningModule):
    """``P`` MLPs trained at once; hidden neurons beyond each network's width are masked out."""

    def __init__(self, hp: dict[str, Tensor], *, activation: str, n_train: int, seed: int) -> None:
        super().__init__()
        self.hp, self.act = hp, {"relu": torch.relu, "tanh": torch.tanh}[activation]
        g, P = torch.Generator().manual_seed(seed), len(hp["lr"])
        self.params = torch.nn.ParameterList()
        for a, b in zip(DIMS, DIMS[1:]):
            std = hp["init_scale"].float().view(-1, 1, 1) / math.sqrt(a)
            self.params.append(torch.nn.Parameter(torch.randn(P, b, a, generator=g) * std))
            self.params.append(torch.nn.Parameter(torch.zeros(P, b)))
        self.register_buffer("mask", (torch.arange(DIMS[1])[None] < hp["width"][:, None]).float())
        self.register_buffer("seen", (torch.rand(P, n_train, generator=g) < hp["train_fraction"][:, None]).float())

    def forward(self, x: Tensor, train: bool = False) -> Tensor:
        """``x [N, 64] -> logits [P, N, 10]`` (dropout per network when ``train``)."""
        h, p = x.expand(self.mask.shape[0], -1, -1), self.params
        for i in range(0, len(p) - 2, 2):
            h = self.act(h @ p[i].mT + p[i + 1][:, None]) * self.mask[:, None]
            if train:
                keep = 1 - self.hp["dropout"].float().to(h).view(-1, 1, 1)
                h = h * (torch.rand_like(h) < keep) / keep
        return h @ p[-2].mT + p[-1][:, None]

    def training_step(self, batch, _idx) -> Tensor:
        x, y, idx = batch
        ce = F.cross_entropy(self(x, train=True).flatten(0, 1), y.repeat(self.mask.shape[0]), reduction="none")
        w = self.seen[:, idx]
        return ((ce.view_as(w) * w).sum(1) / w.sum(1).clamp_min(1.0)).sum()

    def configure_optimizers(self):
        return PopulationAdamW(self.parameters(), self.hp["lr"], self.hp["weight_decay"], self.hp["steps"])

    @torch.no_grad()
    def export(self, x_test: Tensor, y_test: Tensor, activation: str) -> MLPZoo:
        """Zero the masked neurons (function unchanged) and label by test accuracy."""
        m = self.mask
        ws = [p.detach().clone() for p in self.params]
        for i in range(0, len(ws) - 2, 2):
            ws[i] *= m[:, :, None]
            ws[i + 1] *= m
            ws[i + 2] *= m[:, None, :]
        names = [f"{2 * i}.{k}" for i in range(len(DIMS) - 1) for k in ("weight", "bias")]
        zoo = MLPZoo(DIMS, activation, dict(zip(names, ws)), torch.zeros(m.shape[0]), dict(self.hp))
        zoo.labels = (zoo.outputs(x_test).argmax(-1) == y_test).float().mean(1)
        return zoo


def train_chunk(activation: str, n: int, seed: int, batch_size: int = 256) -> MLPZoo:
    """Train ``n`` networks with hyperparameters drawn from ``seed``; returns the labelled zoo."""
    xtr, ytr, xte, yte = digits()
    hp = sample_hparams(n, seed)
    module = PopulationMLP(hp, activation=activation, n_train=len(ytr), seed=seed)
    data = torch.utils.data.TensorDataset(xtr, ytr, torch.arange(len(ytr)))
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True, drop_last=True,
                                         generator=torch.Generator().manual_seed(seed))
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    trainer = L.Trainer(max_steps=int(hp["steps"].max()), accelerator="cpu", logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    L.seed_everything(seed, verbose=False)
    trainer.fit(module, loader)
    return module.export(xte, yte, activation)


def build_zoo(activation: str, networks: int, chunk: int = 100, seed: int = 0) -> MLPZoo:
    """Train (or resume) ``networks`` networks in chunks under ``benchmarks/data/nfn_zoo/<act>/``."""
    folder, parts = DATA / activation, []
    for c in tqdm(range(math.ceil(networks / chunk)), desc=f"zoo {activation}", unit="chunk"):
        path = folder / f"chunk_{c:03d}.pt"
        if not path.exists():
            train_chunk(activation, min(chunk, networks - c * chunk), seed * 1000 + c).save(path)
        parts.append(MLPZoo.load(path))
    return MLPZoo.concat(parts).subset(slice(0, networks))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--activation", choices=["relu", "tanh"], default="relu")
    ap.add_argument("--networks", type=int, default=500)
    ap.add_argument("--chunk", type=int, default=100)
    args = ap.parse_args()
    torch.set_num_threads(1)
    zoo = build_zoo(args.activation, args.networks, args.chunk)
    print(zoo, f"accuracy: mean {zoo.labels.mean():.3f}, min {zoo.labels.min():.3f}, max {zoo.labels.max():.3f}")


if __name__ == "__main__":
    main()
