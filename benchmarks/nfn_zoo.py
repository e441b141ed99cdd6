"""Predict the test accuracy of zoo networks from their weights, under weight-space symmetries.

Zoos: ``benchmarks/nfn_zoo_train.py`` (MLPs 64-32-32-10 on sklearn digits, ReLU and Tanh).
Predictors, trained with Lightning on the unaugmented train split (MSE on the
standardised accuracy), scored by Kendall tau on the test split:

* Monomial-NFN (``symplugins.nfn.layers.MonomialNFN``: invariant to permutations x
  positive scalings for ReLU, x sign flips for Tanh);
* MAGEP-NFN (``symplugins.nfn.layers.MAGEPNFN``, Tran et al. ICML 2025: Monomial layers plus
  polynomial (chain-product) layers and invariants; same symmetry group, same training budget);
* STATNN (Unterthiner et al. 2020): 7 statistics per tensor -> MLP;
* HNP (Zhou et al. 2023) from the PyPI package ``nfn`` 0.1.2 (permutation invariant only).

Protocol (Monomial-NFN, arXiv 2409.11697): every test network is moved by a random
group element of its own weight space (``space.spec.factors``, ``space.act``): hidden
permutations times positive scalings from U[1, 10^k] (ReLU) or random signs (Tanh). The
function is unchanged (checked on live float64 models); a predictor that respects the
symmetry keeps its tau.

    python benchmarks/nfn_zoo.py     # ~7-13 min on a loaded 2-core CPU once the zoos exist
    python benchmarks/nfn_zoo.py --render-only   # rewrite the results section from the JSON
    python benchmarks/nfn_zoo.py --models MAGEP-NFN --merge   # rerun some models, keep the others' records
"""
from __future__ import annotations

import argparse
import json
import logging
import time

import lightning as L
import torch
from scipy.stats import kendalltau
from torch import Tensor, nn

from common import RESULTS, stamp, write_results
from nfn_zoo_train import build_zoo, digits
from symplugins.nfn import GroupElement, NeuronElement, WeightSpace, statnn_features, weight_space
from symplugins.nfn.layers import MAGEPNFN, MonomialNFN, NetSpec, WeightSpaceFeatures, features_from_spaces


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


@torch.no_grad()
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
        return self.net(WeightSpaceFeatures.from_flat(flat))[:, 0]


class MAGEPHead(nn.Module):
    """``MAGEPNFN`` (one polynomial layer) on flat feature tensors ``(W_1, b_1, ...)`` -> ``[B]``."""

    def __init__(self, spec: NetSpec, hidden: int, poly_dim: int) -> None:
        super().__init__()
        self.net = MAGEPNFN(spec, hidden=hidden, depth=1, poly_dim=poly_dim, mlp_hidden=64)

    def forward(self, *flat: Tensor) -> Tensor:
        return self.net(WeightSpaceFeatures.from_flat(flat))[:, 0]


class HNPHead(nn.Module):
    """HNP baseline from PyPI ``nfn``: two HNPLinear layers, HNPPool, MLP -> ``[B]``."""

    def __init__(self, flat: tuple[Tensor, ...], hidden: int) -> None:
        super().__init__()
        from nfn.common import WeightSpaceFeatures as NFNFeatures, network_spec_from_wsfeat
        from nfn.layers import HNPLinear, HNPPool, TupleOp
        self.wrap = NFNFeatures
        spec = network_spec_from_wsfeat(self._features(tuple(t[:1] for t in flat)))
        self.layers = nn.Sequential(HNPLinear(spec, 1, hidden), TupleOp(nn.ReLU()), HNPLinear(spec, hidden, hidden),
                                    TupleOp(nn.ReLU()), HNPPool(spec), nn.Flatten(),
                                    nn.Linear(HNPPool.get_num_outs(spec) * hidden, 64), nn.ReLU(), nn.Linear(64, 1))

    def _features(self, flat: tuple[Tensor, ...]):
        """Our ``[B, c, n_out, n_in, 1]`` features as the package's ``[B, c, n_out, n_in]``."""
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


def fit(name: str, train: list[WeightSpace], y: Tensor, *, epochs: int, hidden: int, seed: int,
        lr: float = 3e-3, magep: tuple[int, int] = (4, 4)) -> nn.Module:
    """Train predictor ``name`` on the (unaugmented) train spaces; returns the head in eval mode.

    ``magep``: ``(hidden, poly_dim)`` of MAGEP-NFN (chosen to match Monomial-NFN's parameter count).
    """
    L.seed_everything(seed, verbose=False)
    x = inputs(name, train)
    net = {"STATNN": lambda: StatNN(x[0]), "Monomial-NFN": lambda: NFNHead(NetSpec.from_space(train[0]), hidden),
           "MAGEP-NFN": lambda: MAGEPHead(NetSpec.from_space(train[0]), *magep),
           "HNP": lambda: HNPHead(x, hidden)}[name]()
    z = (y - y.mean()) / y.std()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*x, z.float()), batch_size=32, shuffle=True)
    trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Regressor(net, lr), loader)
    return net.eval()


@torch.no_grad()
def tau(net: nn.Module, name: str, spaces: list[WeightSpace], y: Tensor) -> float:
    pred = net(*inputs(name, spaces))
    return float(kendalltau(pred.numpy(), y.numpy())[0]) if torch.isfinite(pred).all() else float("nan")


MODELS = ("Monomial-NFN", "MAGEP-NFN", "STATNN", "HNP")


def levels(act: str) -> list[tuple[str, str | None, float]]:
    """``(label, kind, k)`` augmentation levels: scalings U[1, 10^k] for ReLU, signs for Tanh."""
    if act == "relu":
        return [(f"k={k}", "scale", k) for k in (0, 1, 2, 3, 4)]
    return [("none", None, 0.0), ("sign flips", "sign", 0.0)]


def moved(spaces: list[WeightSpace], kind: str | None, k: float) -> list[WeightSpace]:
    """Each test space moved by its own random group element (seeded by position)."""
    if kind is None:
        return spaces
    return [augment(s, kind, k, torch.Generator().manual_seed(100 + i)) for i, s in enumerate(spaces)]


def run_zoo(act: str, args) -> tuple[list[dict], dict]:
    """Train the predictors on one zoo and score them under each augmentation level."""
    zoo = build_zoo(act, args.networks)
    perm = torch.randperm(len(zoo), generator=torch.Generator().manual_seed(0))
    train, test = zoo.subset(perm[:args.train]), zoo.subset(perm[args.train:])
    sp_train, sp_test = train.spaces(), test.spaces()
    tests = {label: moved(sp_test, kind, k) for label, kind, k in levels(act)}
    checks = {label: check_function(zoo, kind, k) for label, kind, k in levels(act) if kind}
    records = []
    for name in args.models:
        for seed in range(args.seeds):
            t0 = time.time()
            net = fit(name, sp_train, train.labels, epochs=args.epochs[name], hidden=args.hidden,
                      seed=seed, lr=args.lr, magep=(args.magep_hidden, args.magep_poly_dim))
            n_par = sum(p.numel() for p in net.parameters())
            for label, kind, k in levels(act):
                records.append({"zoo": act, "model": name, "level": label, "seed": seed,
                                "tau": tau(net, name, tests[label], test.labels), "fit_s": round(time.time() - t0, 1),
                                "params": n_par, "date": args.date})
                print(records[-1], flush=True)
    info = {"networks": len(zoo), "train": len(train), "test": len(test), "acc_mean": float(zoo.labels.mean()),
            "acc_min": float(zoo.labels.min()), "acc_max": float(zoo.labels.max()),
            "max_rel_output_change_float64": checks}
    return records, info


def table(records: list[dict], act: str) -> str:
    """Markdown table: mean (± std over seeds) Kendall tau per model and augmentation level."""
    rows, labels = [r for r in records if r["zoo"] == act], [lv[0] for lv in levels(act)]
    out = ["| model | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for name in dict.fromkeys(r["model"] for r in rows):
        cells = []
        for lv in labels:
            t = torch.tensor([r["tau"] for r in rows if r["model"] == name and r["level"] == lv])
            cells.append(f"{t.mean():.3f}" + (f" ± {t.std():.3f}" if len(t) > 1 else ""))
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def mean_tau(records: list[dict], act: str, model: str, level: str) -> float:
    """Mean Kendall tau over seeds of one (zoo, model, level)."""
    taus = [r["tau"] for r in records if (r["zoo"], r["model"], r["level"]) == (act, model, level)]
    return float(torch.tensor(taus).mean())


def findings(records: list[dict], act: str) -> str:
    """One sentence per model, computed from the records: tau without and with the largest moves."""
    labels = [lv[0] for lv in levels(act)]
    out = []
    for name in dict.fromkeys(r["model"] for r in records if r["zoo"] == act):
        taus = [mean_tau(records, act, name, lv) for lv in labels]
        k3 = labels.index("k=3") if "k=3" in labels else -1
        out.append(f"{name}: {taus[0]:.3f} ({labels[0]}) -> {taus[k3]:.3f} ({labels[k3]}), "
                   f"largest change over all levels {max(taus) - min(taus):.3f}.")
    return "What it shows (from the table): " + " ".join(out)


def section(data: dict) -> str:
    """The human-readable results section from the JSON payload (tables, command, protocol)."""
    args, infos, records = data["args"], data["zoos"], data["records"]
    parts = ["## NFN zoo: accuracy prediction from weights under weight-space symmetries", "",
             f"Command: `{data['command']}` (zoos: `python benchmarks/nfn_zoo_train.py --activation relu|tanh "
             f"--networks {args['networks']}`, reused if present). Hardware: {data['hardware']}. "
             f"Date: {data['date']}. Wall time of this run: {data['wall_s'] / 60:.1f} min (zoo training "
             "not included: about 5-6 min per zoo on this box).", ""]
    if len(data.get("runs", [])) > 1:
        parts += ["Records merged from several runs (`--merge`); rows by run: " + "; ".join(
            f"`{r['command']}` on {r['date']} ({r['wall_s'] / 60:.1f} min): {', '.join(r['models'])}"
            for r in data["runs"]) + ".", ""]
    for act, info in infos.items():
        parts += [f"### {act.capitalize()} zoo: Kendall tau on {info['test']} test networks "
                  f"(trained on {info['train']}, mean ± std over {args['seeds']} seeds)", "", table(records, act), "",
                  findings(records, act), "",
                  f"Zoo: {info['networks']} MLPs 64-32-32-10 on sklearn digits, test accuracy "
                  f"{info['acc_min']:.3f}..{info['acc_max']:.3f} (mean {info['acc_mean']:.3f}). Max relative "
                  f"output change of live float64 networks moved by each augmentation (5 networks): "
                  + ", ".join(f"{k}: {v:.1e}" for k, v in info["max_rel_output_change_float64"].items()) + ".", ""]
    ep = args["epochs"]
    parts += [f"Settings: Monomial-NFN and HNP with {args['hidden']} channels (2 equivariant layers, pooling, "
              f"MLP 64), STATNN MLP 64-64; epochs NFN/STATNN/HNP {ep['Monomial-NFN']}/{ep['STATNN']}/{ep['HNP']}, "
              f"lr {args['lr']:g}; no hyperparameter search per model.", ""]
    if any(r["model"] == "MAGEP-NFN" for r in records):
        parts += [magep_settings(args, records), "", magep_comparison(records, infos, args), ""]
    return "\n".join(parts + [NOTES])


def params(records: list[dict], model: str, act: str) -> str:
    """Trainable parameter count of ``model`` on zoo ``act`` (``?`` for records without it)."""
    n = {r.get("params") for r in records if (r["model"], r["zoo"]) == (model, act)}
    return str(n.pop()) if len(n) == 1 and None not in n else "?"


def magep_settings(args: dict, records: list[dict]) -> str:
    """How MAGEP-NFN was sized and trained relative to Monomial-NFN."""
    pc = {m: params(records, m, "relu") for m in ("Monomial-NFN", "MAGEP-NFN", "HNP")}
    return (f"MAGEP-NFN: `MAGEPNFN(spec, hidden={args['magep_hidden']}, depth=1, poly_dim={args['magep_poly_dim']}, "
            f"mlp_hidden=64)` (Monomial layer, 1 polynomial layer, Monomial layer, Monomial pool + "
            f"polynomial invariants, MLP 64), sized to match Monomial-NFN's parameter count (ReLU zoo: "
            f"MAGEP-NFN {pc['MAGEP-NFN']}, Monomial-NFN {pc['Monomial-NFN']}, HNP {pc['HNP']} parameters); "
            f"trained exactly like Monomial-NFN (same splits, {args['epochs']['MAGEP-NFN']} epochs, "
            f"AdamW lr {args['lr']:g}, batch 32, same seeds).")


def _spread(records: list[dict], act: str, model: str, level: str) -> float:
    taus = [r["tau"] for r in records if (r["zoo"], r["model"], r["level"]) == (act, model, level)]
    return max(taus) - min(taus)


def _fit_s(records: list[dict], model: str) -> float:
    """Total training seconds of ``model`` over zoos and seeds (``fit_s`` is cumulative per fit)."""
    fits: dict = {}
    for r in records:
        if r["model"] == model:
            fits[(r["zoo"], r["seed"])] = max(fits.get((r["zoo"], r["seed"]), 0.0), r["fit_s"])
    return sum(fits.values())


def magep_comparison(records: list[dict], infos: dict, args: dict) -> str:
    """One paragraph, computed from the records: MAGEP-NFN vs Monomial-NFN and the papers' claims."""
    out, moves, signs, diffs = [], 0.0, [], {}
    for act in infos:
        labels = [lv[0] for lv in levels(act)]
        if not any((r["zoo"], r["model"]) == (act, "MAGEP-NFN") for r in records):
            continue
        mg = [mean_tau(records, act, "MAGEP-NFN", lv) for lv in labels]
        mo = mean_tau(records, act, "Monomial-NFN", labels[0])
        noise = max(_spread(records, act, m, labels[0]) for m in ("MAGEP-NFN", "Monomial-NFN"))
        diff, moves = mg[0] - mo, max(moves, max(mg) - min(mg))
        diffs[act] = (diff, noise)
        best = max((m for m in dict.fromkeys(r["model"] for r in records if r["zoo"] == act) if m != "MAGEP-NFN"),
                   key=lambda m: mean_tau(records, act, m, labels[0]))
        signs.append(0 if abs(diff) <= noise else (1 if diff > 0 else -1))
        out.append(f"{act.capitalize()} zoo: MAGEP-NFN {mg[0]:.3f} vs Monomial-NFN {mo:.3f} at {labels[0]} "
                   f"({diff:+.3f}; largest seed-to-seed spread of the two {noise:.3f}); best other model at "
                   f"{labels[0]}: {best} {mean_tau(records, act, best, labels[0]):.3f}.")
    beyond = [a.capitalize() for a, (d, n) in diffs.items() if abs(d) > n]
    if all(d > 0 for d, _ in diffs.values()):
        mixed = (f"MAGEP-NFN is ahead of the same-size Monomial-NFN on every zoo, but by more than the seed spread "
                 f"only on {', '.join(beyond) or 'none'}: this leans towards the paper's claimed gain without "
                 "establishing it")
    else:
        mixed = ("there is no consistent gap beyond the seed spread, so this run neither confirms nor refutes the "
                 "claimed gain")
    verdict = {1: "MAGEP-NFN is ahead of the same-size Monomial-NFN on every zoo by more than the seed spread, "
                  "in the direction of the paper's claim that polynomial terms add expressivity",
               -1: "MAGEP-NFN is behind the same-size Monomial-NFN on every zoo by more than the seed spread, "
                   "so the paper's claimed gain is not reproduced at this size and budget"}
    sym = (f"Its tau moves by at most {moves:.3f} over all augmentation levels, so the symmetry claim holds here "
           "as for Monomial-NFN (compare STATNN and HNP above)" if moves < 0.005 else
           f"Its tau moves by up to {moves:.3f} over augmentation levels, so the symmetry is NOT fully kept in "
           "this float32 run (the layer tests check invariance itself)")
    return ("Comparison with the papers (computed from the table): " + " ".join(out) + " The reference notes "
            "give no MAGEP-NFN number for this kind of zoo, only the claim that polynomial (chain-product) terms add "
            "expressivity over Monomial-NFN's linear layers at the same monomial symmetry. "
            + verdict.get(signs[0] if len(set(signs)) == 1 else 0, mixed[0].upper() + mixed[1:]) + f"; with {args['seeds']} seeds, {args['train']} training "
            f"networks, one size per model, a fixed {args['epochs']['MAGEP-NFN']}-epoch budget and no tuning this "
            "is a small-sample observation on MLP zoos, not a reproduction of the paper's CNN-zoo numbers. "
            + sym + f". Total training time over zoos and seeds: MAGEP-NFN {_fit_s(records, 'MAGEP-NFN'):.0f} s, "
            f"Monomial-NFN {_fit_s(records, 'Monomial-NFN'):.0f} s (shared, noisy 2-core CPU).")


NOTES = """Protocol: predictors are trained on unaugmented train networks (MSE on standardised
accuracy, AdamW lr 3e-3 (wd 1e-4), batch 32, Lightning, fixed epoch budget, no model selection) and
scored on test networks moved by random group elements of their own weight space: hidden
permutations times positive scalings U[1, 10^k] compensated in the next layer (ReLU zoo;
k=0 is permutations only) or random sign flips (Tanh zoo). Every moved network computes
the same function as before (checked above), so its true accuracy is unchanged.

Deviations from the paper protocol (Monomial-NFN, arXiv 2409.11697, Table: CNN zoo with
scale augmentation): the published Small CNN Zoo cannot be downloaded here, so the zoos
are locally trained MLPs (digits, 600 networks per zoo, not ~30k CNNs); hyperparameters
vary learning rate, width (8..32, unused neurons zero), init scale, weight decay, steps,
dropout and train-set fraction. Predictors are small and trained briefly on one shared
2-core CPU; absolute taus are not comparable with the paper's (0.922 Monomial-NFN,
0.926 HNP at k=0), only the trend under augmentation is. HNP is the NFN authors'
PyPI package `nfn` 0.1.2 (HNPLinear x2 + HNPPool + MLP). No loader for the published
Small CNN Zoo files is provided: without a copy to test against it would be unverified."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoos", nargs="+", default=["relu", "tanh"], choices=["relu", "tanh"])
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--networks", type=int, default=600)
    ap.add_argument("--train", type=int, default=400)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--epochs-nfn", type=int, default=40)
    ap.add_argument("--epochs-statnn", type=int, default=100)
    ap.add_argument("--epochs-hnp", type=int, default=30)
    ap.add_argument("--magep-hidden", type=int, default=4, help="MAGEP-NFN channels (4: ~Monomial-NFN's size)")
    ap.add_argument("--magep-poly-dim", type=int, default=4, help="MAGEP-NFN polynomial-invariant width")
    ap.add_argument("--merge", action="store_true",
                    help="keep the records of models/zoos not run now from results/nfn_zoo.json (marked by run)")
    ap.add_argument("--render-only", action="store_true", help="re-render the section from results/nfn_zoo.json")
    args = ap.parse_args()
    if args.render_only:
        data = json.loads((RESULTS / "nfn_zoo.json").read_text())
        write_results("nfn_zoo", data, section(data))
        return
    args.epochs = {"Monomial-NFN": args.epochs_nfn, "MAGEP-NFN": args.epochs_nfn, "STATNN": args.epochs_statnn,
                   "HNP": args.epochs_hnp}
    args.date = stamp()["date"]
    torch.set_num_threads(1)
    for name in ("lightning.pytorch", "lightning.pytorch.utilities.rank_zero"):
        logging.getLogger(name).setLevel(logging.ERROR)
    t0, records, infos = time.time(), [], {}
    for act in args.zoos:
        recs, infos[act] = run_zoo(act, args)
        records += recs
    run = {**stamp(), "wall_s": time.time() - t0, "models": list(args.models), "zoos": list(args.zoos)}
    data = {**{k: run[k] for k in ("command", "hardware", "date", "wall_s")}, "args": vars(args), "zoos": infos,
            "records": records, "runs": [run]}
    if args.merge:
        data = merge(json.loads((RESULTS / "nfn_zoo.json").read_text()), data)
    write_results("nfn_zoo", data, section(data))


def merge(old: dict, new: dict) -> dict:
    """``new`` plus the records of ``old`` for (zoo, model) pairs that ``new`` did not run.

    Old records keep their own run date; the run list says which command produced which rows.
    """
    done = {(r["zoo"], r["model"]) for r in new["records"]}
    runs = old.get("runs") or [{k: old[k] for k in ("command", "hardware", "date", "wall_s")}
                               | {"models": old["args"]["models"], "zoos": old["args"]["zoos"]}]
    kept = [r | {"date": r.get("date", runs[-1]["date"])} for r in old["records"] if (r["zoo"], r["model"]) not in done]
    order = list(dict.fromkeys(MODELS))
    records = sorted(kept + new["records"], key=lambda r: (r["zoo"] != "relu", order.index(r["model"]), r["seed"]))
    args = old["args"] | {k: v for k, v in new["args"].items() if k.startswith("magep")}
    args["epochs"] = old["args"]["epochs"] | new["args"]["epochs"]
    return new | {"args": args, "records": records, "zoos": old["zoos"] | new["zoos"], "runs": runs + new["runs"]}


if __name__ == "__main__":
    main()
