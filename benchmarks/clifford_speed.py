"""Speed: fused / sparse Cl(3,0) steerable geometric product vs the dense-einsum formulation.

Side by side in one run, interleaved (forward + backward, per-channel path weights, 28 channels):
(1) the product kernel alone, (2) the whole ``SteerableGeometricProduct`` layer,
(3) one CG-EGNN training step on an n-body batch. The dense reference is written
here as CGENN does it: the per-channel path weights are expanded into a dense
``[C, 8, 8, 8]`` table every forward and contracted with ``einsum("bci,cijk,bcj->bck")``.
Ours: ``"sparse"`` (eager, 64 entries) and ``"fused"`` (per-output-blade kernel with a
hand-written backward, compiled once by torch.compile; its compile time is reported
separately). Outputs and gradients of every variant are asserted equal to dense before timing.

    python benchmarks/clifford_speed.py            # 1k, 10k, 100k multivector channels
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
import types
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import stamp, write_results  # noqa: E402

from symplugins.clifford import CliffordAlgebra  # noqa: E402
from symplugins.nn.clifford import SteerableGeometricProduct  # noqa: E402

C = 28


def dense_table(alg: CliffordAlgebra, weight: torch.Tensor) -> torch.Tensor:
    """CGENN-style dense weighted Cayley table ``[C, 8, 8, 8]`` (rebuilt every call)."""
    table = weight.new_zeros(weight.shape[0], alg.dim, alg.dim, alg.dim)
    table[:, alg.left, alg.right, alg.out] = weight[:, alg.path_of_entry] * alg.sign.to(weight)
    return table


def dense_weighted(self, a, b, weight):
    return torch.einsum("...ci,cijk,...cj->...ck", a, dense_table(self, weight), b)


def dense_gp(self, a, b):
    table = a.new_zeros(self.dim, self.dim, self.dim)
    table[self.left, self.right, self.out] = self.sign.to(a)
    return torch.einsum("...i,ijk,...j->...k", a, table, b)


def use_dense(alg: CliffordAlgebra) -> CliffordAlgebra:
    """Switch an algebra instance (shared by a model's layers) to the dense formulation."""
    alg.weighted_product = types.MethodType(dense_weighted, alg)
    alg.geometric_product = types.MethodType(dense_gp, alg)
    return alg


def compare(fns: dict, repeat: int, budget_s: float = 30.0) -> dict:
    """Median ms of each ``fn()``, run round-robin (interleaved: fair on a noisy, shared CPU)."""
    for fn in fns.values():
        fn()  # warm-up
    times, start = {k: [] for k in fns}, time.perf_counter()
    for _ in range(repeat):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
        if time.perf_counter() - start > budget_s:
            break
    return {f"{k}_ms": 1e3 * sorted(v)[len(v) // 2] for k, v in times.items()}


def fwd_bwd(fn, inputs):
    """Forward + backward of ``sum(fn()**2)``; returns (output, grads) for equality checks."""
    out = fn()
    grads = torch.autograd.grad(out.square().sum(), inputs)
    return out.detach(), grads


def assert_same(got, ref, what: str) -> None:
    for g, r in zip([got[0], *got[1]], [ref[0], *ref[1]]):
        torch.testing.assert_close(g, r, atol=1e-3, rtol=1e-4, msg=lambda m: f"{what}: {m}")


def bench_kernel(m: int, repeat: int) -> dict:
    alg, fused = CliffordAlgebra((1, 1, 1)), CliffordAlgebra((1, 1, 1), kernel="fused")
    a, b = (torch.randn(m // C, C, 8, requires_grad=True) for _ in range(2))
    w = torch.randn(C, alg.n_paths, requires_grad=True)
    fns = {"dense": lambda: dense_weighted(alg, a, b, w), "sparse": lambda: alg.weighted_product(a, b, w),
           "fused": lambda: fused.weighted_product(a, b, w)}
    ref = fwd_bwd(fns["dense"], (a, b, w))
    for k in ("sparse", "fused"):
        assert_same(fwd_bwd(fns[k], (a, b, w)), ref, f"kernel {k} vs dense")
    run = {k: (lambda f=f: f().square().sum().backward()) for k, f in fns.items()}
    return {"what": "weighted GP kernel", "channels": m, **compare(run, repeat)}


def bench_layer(m: int, repeat: int) -> dict:
    torch.manual_seed(0)
    layers = {k: SteerableGeometricProduct(CliffordAlgebra((1, 1, 1), kernel=k), C) for k in ("sparse", "fused")}
    layers["fused"].load_state_dict(layers["sparse"].state_dict())
    layers["dense"] = copy.deepcopy(layers["sparse"])
    use_dense(layers["dense"].algebra)
    x = torch.randn(m // C, C, 8, requires_grad=True)
    params = {k: [x, *l.parameters()] for k, l in layers.items()}
    ref = fwd_bwd(lambda: layers["dense"](x), params["dense"])
    for k in ("sparse", "fused"):
        assert_same(fwd_bwd(lambda: layers[k](x), params[k]), ref, f"layer {k} vs dense")
    run = {k: (lambda l=l: l(x).square().sum().backward()) for k, l in layers.items()}
    return {"what": "SteerableGeometricProduct layer", "channels": m, **compare(run, repeat)}


def bench_step(graphs: int, repeat: int, hops: int) -> dict:
    from nbody import build_model, predict
    torch.manual_seed(0)
    models = {"sparse": build_model("cgegnn", hops, C, 3)}
    models["fused"] = copy.deepcopy(models["sparse"])
    models["fused"].algebra.set_kernel("fused")
    models["dense"] = copy.deepcopy(models["sparse"])
    use_dense(models["dense"].algebra)
    gen = torch.Generator().manual_seed(0)
    loc, vel, tgt = (torch.randn(graphs, 5, 3, generator=gen) for _ in range(3))
    q = torch.randn(graphs, 5, generator=gen).sign()
    ref = fwd_bwd(lambda: predict(models["dense"], loc, vel, q), list(models["dense"].parameters()))
    for k in ("sparse", "fused"):
        assert_same(fwd_bwd(lambda: predict(models[k], loc, vel, q), list(models[k].parameters())), ref,
                    f"step {k} vs dense")

    def step(model):
        model.zero_grad()
        ((predict(model, loc, vel, q) - tgt) ** 2).mean().backward()

    run = {k: (lambda m=m: step(m)) for k, m in models.items()}
    return {"what": f"CG-EGNN training step (hops={hops}, {graphs} graphs)", "channels": graphs * 20 * C,
            **compare(run, repeat)}


def block_mvlinear(layer):
    """MVLinear as ONE matmul with a block-diagonal ``[8 C_in, 8 C_out]`` weight (no permutes)."""
    alg = layer.algebra
    eye = torch.eye(alg.dim)

    def forward(x):
        w = (layer.weight[..., alg.grades].unsqueeze(-1) * eye).permute(1, 2, 0, 3)
        y = (x.reshape(-1, layer.in_channels * alg.dim) @ w.reshape(layer.in_channels * alg.dim, -1))
        y = y.view(*x.shape[:-2], layer.out_channels, alg.dim)
        if layer.bias is not None:
            y = y + torch.nn.functional.pad(layer.bias.unsqueeze(-1), (0, alg.dim - 1))
        return y
    return forward


def bench_variants(m: int, repeat: int) -> list[dict]:
    """Two ways tried to speed up the rest of the layer (neither kept): the whole layer
    under ``torch.compile(dynamic=True)``, and MVLinear as one block-diagonal matmul."""
    from symplugins.nn.clifford import MVLinear
    torch.manual_seed(0)
    eager = SteerableGeometricProduct(CliffordAlgebra((1, 1, 1), kernel="fused"), C)
    dense = copy.deepcopy(eager)
    use_dense(dense.algebra)
    compiled = torch.compile(eager, dynamic=True)
    x = torch.randn(m // C, C, 8, requires_grad=True)
    ref = fwd_bwd(lambda: dense(x), [x, *dense.parameters()])
    assert_same(fwd_bwd(lambda: compiled(x), [x, *eager.parameters()]), ref, "compiled layer vs dense")
    run = {k: (lambda f=f: f(x).square().sum().backward()) for k, f in
           (("dense", dense), ("eager_fused", eager), ("compiled", compiled))}
    rows = [{"what": "SteerableGeometricProduct layer, whole layer torch.compile'd", "channels": m,
             **compare(run, repeat)}]
    lin = MVLinear(CliffordAlgebra((1, 1, 1)), C, C)
    blk = block_mvlinear(lin)
    assert_same(fwd_bwd(lambda: blk(x), [x, *lin.parameters()]), fwd_bwd(lambda: lin(x), [x, *lin.parameters()]),
                "block MVLinear vs einsum")
    run = {"einsum": lambda: lin(x).square().sum().backward(), "block_matmul": lambda: blk(x).square().sum().backward()}
    rows.append({"what": "MVLinear: einsum vs one block-diagonal matmul", "channels": m, **compare(run, repeat)})
    return rows


def compile_seconds() -> float:
    """Wall time of the first ``"fused"`` forward + backward in this process (torch.compile)."""
    alg = CliffordAlgebra((1, 1, 1), kernel="fused")
    a, b = (torch.randn(alg.FUSED_MIN_ROWS // C + 1, C, 8, requires_grad=True) for _ in range(2))
    w = torch.randn(C, alg.n_paths, requires_grad=True)
    t = time.perf_counter()
    alg.weighted_product(a, b, w).square().sum().backward()
    return time.perf_counter() - t


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000,100000", help="multivector channels (batch x 28)")
    p.add_argument("--graphs", default="5,50,100", help="n-body graphs per training step")
    p.add_argument("--hops", default="1,2", help="CG-EGNN path orders for the training-step rows")
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--variants", action="store_true",
                   help="only time the speed-up variants tried and not kept (results/clifford_speed_variants.*)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.variants:
        rows = [r for m in map(int, args.sizes.split(",")) for r in bench_variants(m, args.repeat)]
        for r in rows:
            print(r, flush=True)
        table = ["| what | multivector channels | times (ms, fwd + bwd, median) |", "|---|---|---|"]
        table += [f"| {r['what']} | {r['channels']} | " + ", ".join(
            f"{k[:-3]} {v:.2f}" for k, v in r.items() if k.endswith("_ms")) + " |" for r in rows]
        data = {**stamp(), "records": rows}
        write_results("clifford_speed_variants", data, "\n".join([
            "## Clifford layer: speed-up variants tried and not kept (CPU)", "", *table, "",
            f"Command: `{data['command']}`. Hardware: {data['hardware']}. Date: {data['date']}.", "",
            VARIANT_NOTES]))
        return
    compile_s = compile_seconds()
    print(f"fused kernel: first call (torch.compile) {compile_s:.1f} s", flush=True)
    rows = []
    for m in map(int, args.sizes.split(",")):
        rows += [bench_kernel(m, args.repeat), bench_layer(m, args.repeat)]
        print(rows[-2], rows[-1], flush=True)
    for hops in map(int, args.hops.split(",")):
        for g in map(int, args.graphs.split(",")):
            rows.append(bench_step(g, max(5, args.repeat // 2), hops=hops))
            print(rows[-1], flush=True)
    for r in rows:
        r["speedup_fused"] = r["dense_ms"] / r["fused_ms"]
        r["speedup_sparse"] = r["dense_ms"] / r["sparse_ms"]
    render({**stamp(), "compile_s": compile_s, "records": rows})


def render(data: dict) -> None:
    """Write ``results/clifford_speed.{json,md}`` from a run's records (also re-renders notes)."""
    rows, compile_s = data["records"], data["compile_s"]
    table = ["| what | multivector channels | dense einsum (ms) | sparse eager (ms) | fused (ms) | "
             "fused speed-up | sparse speed-up |", "|---|---|---|---|---|---|---|"]
    table += [f"| {r['what']} | {r['channels']} | {r['dense_ms']:.2f} | {r['sparse_ms']:.2f} | {r['fused_ms']:.2f} | "
              f"**{r['speedup_fused']:.2f}x** | {r['speedup_sparse']:.2f}x |" for r in rows]
    md = "\n".join(["## Clifford geometric product: fused / sparse vs dense einsum (CPU)", "", *table, "",
                    f"Fused kernel compile time (first call in the process, torch.compile/inductor, not in the "
                    f"timings): {compile_s:.1f} s.", "",
                    f"Command: `{data['command']}`. Hardware: {data['hardware']}. Date: {data['date']}.", "", NOTES])
    write_results("clifford_speed", data, md)


NOTES = """Forward + backward, median of interleaved repeats, float32, 28 channels, per-channel
weights on the 20 grade paths. dense = CGENN's formulation rebuilt here (dense weighted
8x8x8 table per channel + einsum); sparse = `CliffordAlgebra(kernel="sparse")` (eager:
64 entries, left operand broadcast, right operand and reduction as 0/1-table matmuls);
fused = `CliffordAlgebra(kernel="fused")`: `symplugins/clifford/fused.py`, the 64 entries
written with static blade indices grouped by output blade (forward), by left / right blade
(input gradients) and as a batch reduction (weight gradient), in a custom autograd.Function;
the three pieces are compiled once by `torch.compile(dynamic=True)` (inductor emits fused
C++ loops on CPU), so no 64-wide intermediate is formed. Below
`CliffordAlgebra.FUSED_MIN_ROWS` = 4096 multivectors per call the compiled call's fixed
overhead (~0.3-0.5 ms here) exceeds the work, so "fused" runs the sparse eager code there
(rows with 1,000 channels: fused = sparse code, any difference between the two columns is noise). Layer and step rows differ from the
kernel rows only in the product kernel; the rest of the layer / model (MVLinear einsums,
normalisations, gathers, scatter) is the same eager code in all three columns, so it bounds
the step speed-up. Equal outputs and gradients are asserted (atol 1e-3, rtol 1e-4, float32)
before timing. The box is a shared 2-core CPU (load 5-10 from other jobs during the run):
absolute times are noisy, the interleaved ratios less so. No GPU was available.

The compile time above is with inductor's on-disk cache warm; a cold first compile took
90-250 s on this loaded box (measured in separate runs). Step rows: "channels" = edges x 28
(20 edges per 5-body graph); node-level products there have 4x fewer rows.

Verdict against the issue's goals (this run): the fused *kernel* is >= 3x faster than dense
from 10k channels up (3.3x at 10k, 7x at 100k) but only 1.8x at 1k (the sparse eager code
runs there); the *layer* reaches 3x only at 100k (3.3x; 2.3x at 10k, 1.5x at 1k) because
its eager MVLinear einsums and grade normalisation, identical in all columns, now dominate;
the *training step* is 1.2-2.1x (2x only for hops=2 at 100 graphs), NOT the 2x goal, for
the same reason (eager MVLinear/bmm, gathers, scatters, cat of the message inputs). Never
slower than dense at any size measured (all ratios >= 1.17x). Earlier run of the
previous sparse-only code (same script, heavier load): kernel 1.8-2.1x, layer 1.0-1.6x,
step 1.0-2.1x. What would close the gap: compiling the whole layer / model (tried:
whole-model torch.compile did not finish compiling within 12 minutes on this loaded box),
or a hand-fused MVLinear + normalisation kernel; on a GPU, the same fused kernel through
Triton (not measured here)."""


VARIANT_NOTES = """Same protocol as `clifford_speed` (float32, 28 channels, interleaved
repeats, outputs and gradients asserted equal first). Whole-layer `torch.compile` (inductor,
dynamic shapes) vs the eager layer with the fused product kernel and vs dense; and MVLinear
written as one `[R, 8 C] @ [8 C, 8 C]` matmul with a block-diagonal weight (no permutes, 8x
the flops) vs the einsum MVLinear. Neither beats the eager code, so neither is used. At 1k
channels the two einsum MVLinears of the layer alone take ~0.9 ms forward + backward, more
as much as the whole ~0.7-1.0 ms a 3x-faster layer may take (dense layer 2.2-2.9 ms): with this
layer structure, eager PyTorch on CPU cannot reach the 3x layer goal at 1k. The box ran two
n-body trainings during this run (2 cores, 3 jobs)."""


if __name__ == "__main__":
    main()
