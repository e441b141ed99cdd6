"""Device paths: every model family on ``cpu`` and ``cuda`` (the cuda half skips without a GPU).

Each case builds its model and inputs on CPU in float64 (seeded), keeps the CPU output as
the reference, moves model and inputs with ``.to(device)`` and checks that (a) the
outputs live on ``device``, (b) they equal the CPU reference to 1e-9 (float64; the
float32 cases compare with a float64 CPU reference at 1e-4) and (c) the family's symmetry
holds *on the device* through the shared helper (:func:`symplugins.testing.assert_equivariant`
draws its group elements on the device of the inputs). On a CPU-only machine the
``cpu`` half runs the same code with ``device="cpu"`` (``.to("cpu")`` is a no-op).

TF32 (a 1e-3 rounding of float32 matmuls on Ampere and later) never applies here: every
CUDA comparison is float64, except the float32 CG-EGNN case, whose 1e-4 tolerance is
float32 rounding (it asks for "highest" float32 matmul precision, i.e. no TF32, while it runs).
"""
from __future__ import annotations

import copy
import os
import sys

import pytest
import torch
from torch import nn

from symplugins.clifford import CliffordAlgebra, Multivector
from symplugins.groups import Point, Vector
from symplugins.testing import assert_equivariant, assert_invariant, random_batched_graph

# shared helper modules of the test folders, imported the way their conftests do (tests/emnn/conftest.py)
for _sub in ("emnn", "nfn", "models", "points"):
    _path = os.path.join(os.path.dirname(os.path.abspath(__file__)), _sub)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from meshes import random_mesh_batch  # noqa: E402  (tests/emnn/meshes.py)
from nfn_features import flat_fn, random_features  # noqa: E402  (tests/nfn/nfn_features.py)
from test_cgegnn import _inputs as _cg_inputs  # noqa: E402  (tests/models/test_cgegnn.py)
from test_make_equivariant import FeatVectors  # noqa: E402  (tests/points/test_make_equivariant.py)

CUDA = pytest.mark.skipif(not torch.cuda.is_available(),
                          reason="needs a CUDA device (torch.cuda.is_available() is False)")
DEVICES = [pytest.param("cpu", id="cpu"), pytest.param("cuda", id="cuda", marks=CUDA)]
on_devices = pytest.mark.parametrize("device", DEVICES)

#: CPU vs device, float64 (reductions in another order: ~1e-15 relative in practice)
ATOL = RTOL = 1e-9


@pytest.fixture(autouse=True)
def _float64_one_thread():
    """Explicit dtypes below; float64 default for constructors that read it; one CPU thread (shared CI cores)."""
    old_dtype, old_threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_default_dtype(old_dtype)
        torch.set_num_threads(old_threads)


# --------------------------------------------------------------------------- helpers
def _to(x, device):
    """Move tensors inside (nested) tuples / lists / dicts; anything else unchanged."""
    if isinstance(x, torch.Tensor):
        return x.to(device)
    if isinstance(x, (tuple, list)):
        return type(x)(_to(t, device) for t in x)
    if isinstance(x, dict):
        return {k: _to(v, device) for k, v in x.items()}
    return x


def _tensors(x) -> list:
    if isinstance(x, torch.Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _tensors(item)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _tensors(v)]
    return []


def assert_on(out, device) -> None:
    """Every tensor of ``out`` lives on ``device`` (type compared: ``cuda`` == ``cuda:0``)."""
    want = torch.device(device).type
    ts = _tensors(out)
    assert ts, "no tensor output"
    bad = [(i, str(t.device)) for i, t in enumerate(ts) if t.device.type != want]
    assert not bad, f"outputs not on {device}: {bad}"


def assert_matches_cpu(out, ref, *, atol=ATOL, rtol=RTOL) -> None:
    got, want = _tensors(out), _tensors(ref)
    assert len(got) == len(want), f"{len(got)} outputs on the device, {len(want)} on CPU"
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype, f"output {k}: {g.dtype} on the device, {w.dtype} on CPU"
        torch.testing.assert_close(g.detach().cpu(), w.detach().cpu(), atol=atol, rtol=rtol,
                                   msg=lambda m, k=k: f"output {k} differs from the CPU reference: {m}")


def assert_model_on(model: nn.Module, device) -> None:
    want = torch.device(device).type
    bad = [n for n, t in list(model.named_parameters()) + list(model.named_buffers()) if t.device.type != want]
    assert not bad, f"parameters/buffers left off {device}: {bad[:5]}"


def cpu_then_device(model, inputs: tuple, device, call=None, ref=None):
    """CPU reference (or ``ref``, computed by the caller), then ``model.to(device)`` on
    ``inputs.to(device)``: checks (a) and (b).

    Returns ``(model, device inputs, device output)`` for the symmetry check (c).
    """
    call = call or (lambda m, *a: m(*a))
    ref = call(model, *inputs) if ref is None else ref
    model = model.to(device)
    assert_model_on(model, device)
    inputs = _to(inputs, device)
    out = call(model, *inputs)
    assert_on(out, device)
    assert_matches_cpu(out, ref)
    return model, inputs, out


def _perturb(module: nn.Module, scale: float = 0.1, seed: int = 0) -> nn.Module:
    """Move zero-initialised parameters (biases, gates) off zero so every path matters."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=gen, dtype=torch.float64).to(p))
    return module


# =========================================================================== 1. Clifford algebra
METRICS = {"Cl(3,0)": (1, 1, 1), "Cl(1,3)": (1, -1, -1, -1), "Cl(2,0,1)": (1, 1, 0)}


def _products(alg, a, b, w):
    bm = lambda t: t.movedim(-1, 0)  # noqa: E731
    return (alg.geometric_product(a, b), alg.weighted_product(a, b, w),
            alg.geometric_product(bm(a), bm(b), blade_major=True).movedim(0, -1),
            alg.reverse(a), alg.grade_involution(a), alg.grade_project(a, 1),
            alg.grade_quadratic(a), alg.grade_quadratic(bm(a), blade_major=True),
            alg.expand_grades(alg.grade_norms(a)), alg.bilinear_form(a, b))


@on_devices
@pytest.mark.parametrize("kernel", ["sparse", "fused-eager"])
@pytest.mark.parametrize("name", list(METRICS))
def test_clifford_products_match_cpu(name, kernel, device):
    """Products, involutions and grade norms (full table, and the sparse-entry path of a degenerate metric)."""
    alg = CliffordAlgebra(METRICS[name], kernel=kernel).double()
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 5, 3, alg.dim, generator=gen, dtype=torch.float64).unbind(0)
    w = torch.randn(3, alg.n_paths, generator=gen, dtype=torch.float64)
    alg, (a, b, w), _ = cpu_then_device(alg, (a, b, w), device, call=_products)
    gp = alg.geometric_product  # associativity on the device
    torch.testing.assert_close(gp(gp(a, b), a), gp(a, gp(b, a)), atol=1e-10, rtol=1e-10)


@pytest.mark.equivariance
@on_devices
def test_clifford_cl30_products_o3_equivariant(device):
    alg = CliffordAlgebra((1, 1, 1)).double().to(device)
    gen = torch.Generator().manual_seed(1)
    a, b = (t.to(device) for t in torch.randn(2, 4, 2, 8, generator=gen, dtype=torch.float64).unbind(0))
    w = torch.randn(2, alg.n_paths, generator=gen, dtype=torch.float64).to(device)
    mv = Multivector()
    assert_equivariant(alg.geometric_product, (a, b), [mv, mv], [mv], group="O3")
    assert_equivariant(lambda x, y: alg.weighted_product(x, y, w), (a, b), [mv, mv], [mv], group="O3")
    n = torch.nn.functional.normalize(torch.tensor([1.0, 2.0, -0.5], dtype=torch.float64), dim=0).to(device)
    assert_on(alg.versor_action(alg.embed(n), a), device)


@pytest.mark.equivariance
@on_devices
@pytest.mark.parametrize("name", ["linear", "gp", "normalize", "silu", "layernorm"])
def test_clifford_layers_o3_equivariant(name, device):
    """The layers of tests/nn/test_clifford_layers.py, blade-last and blade-major."""
    from symplugins.nn.clifford import MVLayerNorm, MVLinear, MVNormalize, MVSiLU, SteerableGeometricProduct
    torch.manual_seed(0)
    alg, c = CliffordAlgebra((1, 1, 1)), 4
    layer = {"linear": lambda: MVLinear(alg, c, 3), "gp": lambda: SteerableGeometricProduct(alg, c),
             "normalize": lambda: MVNormalize(alg, c), "silu": lambda: MVSiLU(alg, c),
             "layernorm": lambda: MVLayerNorm(alg, c)}[name]()
    layer = _perturb(layer.double(), 0.3)
    x = torch.randn(5, c, 8, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    both = lambda m, x: (m(x), m(x.movedim(-1, 0).contiguous(), blade_major=True).movedim(0, -1))  # noqa: E731
    layer, (x,), _ = cpu_then_device(layer, (x,), device, call=both)
    assert_equivariant(layer, [x], [layer.rep_in], [layer.rep_out], group="O3")


# =========================================================================== 2. CG-EGNN
CG_REPS_IN = [None, Vector(), Point(), None, None]


def _cg_model(hops, **kw):
    """tests/models/test_cgegnn.py ``_model``, with its zero-initialised parameters moved off zero."""
    from symplugins.cgegnn import CGEGNN
    torch.manual_seed(0)
    return _perturb(CGEGNN(2, 1, 6, 2, 2, layers=2, hops=hops, **kw).double())


def _outputs_and_forces(model, s, v, pos, ei, batch):
    """Outputs and ``d(sum of scalar outputs)/d pos`` (the kernels' first-order backward)."""
    pos = pos.detach().requires_grad_(True)
    scal, vec = model(s, v, pos, ei, batch)
    grad, = torch.autograd.grad(scal.sum(), pos)
    return scal.detach(), vec.detach(), grad


# "fused" = torch.compile of the kernel (inductor: C++/OpenMP on CPU, Triton on CUDA): one small case
CG_CASES = [("sparse", 1), ("sparse", 2), ("fused-eager", 1), ("fused-eager", 2), ("fused", 2)]


@pytest.mark.equivariance
@on_devices
@pytest.mark.parametrize("kernel,hops", CG_CASES, ids=[f"{k}-hops{h}" for k, h in CG_CASES])
def test_cgegnn_kernels_match_cpu_and_e3_equivariant(kernel, hops, device):
    if kernel == "fused" and device == "cpu":
        pytest.skip("compiling the kernels on CPU (C++ build of forward and backward) takes ~50 s on a 2-core "
                    "box; the compiled CPU kernel is checked in benchmarks/clifford_speed.py and the same "
                    "kernel source runs here as 'fused-eager'")
    model = _cg_model(hops)
    inputs = _cg_inputs(torch.float64)
    ref = _outputs_and_forces(model, *inputs)  # the CPU reference of every kernel: the sparse one
    model.algebra.set_kernel(kernel)
    if kernel == "fused":
        # graphs this small run the eager sparse code (FUSED_MIN_ROWS); force the compiled kernel.
        # 1e-9 still holds for it: per output blade the compiled (Triton) float64 kernel sums the
        # same 8 signed products as the eager code, at most in another order or with FMA contraction
        model.algebra.FUSED_MIN_ROWS = 0
    model, inputs, _ = cpu_then_device(model, inputs, device, call=_outputs_and_forces, ref=ref)
    assert_equivariant(model, inputs, CG_REPS_IN, [None, Vector()], group="E3")


@pytest.mark.equivariance
@on_devices
@pytest.mark.parametrize("kernel", ["sparse", "fused"])
def test_cgegnn_float32_on_device(kernel, device):
    if kernel == "fused" and device == "cpu":
        pytest.skip("compiling the kernel on CPU takes ~15 s on a 2-core box; "
                    "see test_cgegnn_kernels_match_cpu_and_e3_equivariant")
    model = _cg_model(2)
    inputs = _cg_inputs(torch.float64)
    ref = model(*inputs)  # float64, CPU
    model = model.float()
    model.algebra.set_kernel(kernel)
    model.algebra.FUSED_MIN_ROWS = 0
    model = model.to(device)
    inputs = _to(_cg_inputs(torch.float32), device)
    old_precision = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")  # float32 rounding only (no TF32, which needs ~1e-2)
    try:
        out = model(*inputs)
        assert_on(out, device)
        assert all(t.dtype == torch.float32 for t in out)
        for a, b in zip(out, ref):
            torch.testing.assert_close(a.detach().cpu().double(), b.detach(), atol=1e-4, rtol=1e-4)
        assert_equivariant(model, inputs, CG_REPS_IN, [None, Vector()], group="E3")  # float32 tolerances
    finally:
        torch.set_float32_matmul_precision(old_precision)


# =========================================================================== 3. EGNN baseline
@pytest.mark.equivariance
@on_devices
def test_egnn_matches_cpu_and_e3_equivariant(device):
    """tests/models/test_cgegnn_egnn.py on the device."""
    from symplugins.models.egnn import EGNN
    torch.manual_seed(0)
    model = EGNN(1, 8, layers=2, edge_in=1).double()
    for layer in model.layers:  # the paper's tiny phi_x init makes x' ~ x + v: make it non-trivial
        torch.nn.init.normal_(layer.phi_x[-1].weight, std=0.5)
    gen = torch.Generator().manual_seed(0)
    x, ei, _ = random_batched_graph((4, 3), dtype=torch.float64, generator=gen)
    h, v = torch.randn(7, 1, generator=gen), torch.randn(7, 3, generator=gen)
    a = torch.randn(ei.shape[1], 1, generator=gen)
    model, inputs, _ = cpu_then_device(model, (h, x, v, ei, a), device)
    assert_equivariant(model, inputs, [None, Point(), Vector(), None, None], [Point()], group="E3")


# =========================================================================== 4. energy / forces
# ethanol-like (tests/models/test_energy.py): 2 C, 1 O, 6 H (types H=0, C=1, O=2)
TYPES = [1, 1, 2, 0, 0, 0, 0, 0, 0]
POS = [[0.0, 0.0, 0.0], [1.52, 0.0, 0.0], [2.0, 1.35, 0.0], [-0.4, 1.0, 0.1],
       [-0.4, -0.5, 0.9], [-0.4, -0.5, -0.9], [1.9, -0.5, 0.9], [1.9, -0.5, -0.9], [2.9, 1.4, 0.2]]


def _potential(hops=2):
    from symplugins.models.potential.energy import CGEGNNEnergy
    torch.manual_seed(0)
    return CGEGNNEnergy(["H", "C", "O"], r_max=2.5, hidden=4, layers=2, hops=hops, scales=0.5,
                        shifts={"H": -1.0, "C": -2.0, "O": -3.0}).double()


@pytest.mark.equivariance
@on_devices
def test_energy_and_forces_match_cpu_and_rotate_with_the_molecule(device):
    from symplugins.models.potential.forces import energy_and_forces
    types, pos = torch.tensor(TYPES), torch.tensor(POS, dtype=torch.float64)
    ef = lambda m, t, x: energy_and_forces(m, t, x)  # noqa: E731
    model, (types, pos), out = cpu_then_device(_potential(), (types, pos), device, call=ef)
    assert set(out) == {"energy", "forces", "per_atom_energy"} and out["forces"].abs().max() > 1e-4
    assert_invariant(lambda x: model(types, x), (pos,), (Point(),), group="E3")
    assert_equivariant(lambda x: energy_and_forces(model, types, x)["forces"], (pos,), (Point(),), (Vector(),),
                       group="E3")


@on_devices
def test_energy_batched_and_frozen_isolated_cache_on_device(device):
    """Two molecules in one batch (radius graph per graph); eval + frozen reuses eps0 per device."""
    types = torch.tensor(TYPES + TYPES[:5])
    pos = torch.cat([torch.tensor(POS, dtype=torch.float64), torch.tensor(POS[:5], dtype=torch.float64) + 10.0])
    batch = torch.tensor([0] * 9 + [1] * 5)
    model = _potential().eval().requires_grad_(False)
    model, inputs, out = cpu_then_device(model, (types, pos, batch), device)  # CPU call fills the CPU cache
    assert out.shape == (2,)
    assert_matches_cpu(model(*inputs), out)  # second device call: the cached eps0 of this device


# =========================================================================== 5. EMNN
def _boosted_emnn(**cfg):
    """tests/emnn/test_model.py ``boosted(EMNN(...))``."""
    from symplugins.models.emnn.model import EMNN
    torch.manual_seed(0)
    model = EMNN(3, 8, 4, layers=2, task="graph", **cfg)
    torch.manual_seed(1)
    for conv in model.convs:
        for head in (conv.phi_x, conv.phi_xf):
            if head is not None:
                torch.nn.init.normal_(head[-1].weight, std=0.3)
    return model.double()


EMNN_CONFIGS = [dict(hierarchy=False, vector_channels=1), dict(hierarchy=True, vector_channels=2)]


@pytest.mark.equivariance
@on_devices
@pytest.mark.parametrize("cfg", EMNN_CONFIGS, ids=["flat", "hierarchy+normals"])
def test_emnn_matches_cpu_and_e3_equivariant(cfg, device):
    x, pos, ei, face, batch = random_mesh_batch(dtype=torch.float64)
    model, inputs, _ = cpu_then_device(_boosted_emnn(**cfg), (x, pos, ei, face, batch), device)
    assert_equivariant(model, inputs, [None, Point(), None, None, None], [None, Point()], group="E3")


# =========================================================================== 6. finite-group point backbones
PT_SIZES = (12, 15)


def _cloud():
    """tests/points/test_backbones.py ``_cloud``."""
    g = torch.Generator().manual_seed(0)
    pos = torch.randn(sum(PT_SIZES), 3, generator=g, dtype=torch.float64) * 0.6
    batch = torch.cat([torch.full((n,), i) for i, n in enumerate(PT_SIZES)])
    return pos, batch


def _g_backbone(name, group):
    from symplugins.points import GDGCNN, GPointNet, GPointNet2
    small = {  # tests/points/test_backbones.py SMALL
        "GPointNet": (GPointNet, dict(channels=(16, 32), head=(16,))),
        "GPointNet2": (GPointNet2, dict(channels=((16, 16), (16, 32)), global_channels=(32,), head=(16,),
                                        radii=(0.6, 1.2))),
        "GDGCNN": (GDGCNN, dict(k=5, channels=(16, 16), embed=32, head=(16,))),
    }
    cls, kw = small[name]
    torch.manual_seed(0)
    return cls(0, 3, group=group, chunk_size=8, **kw).eval().double()


@pytest.mark.equivariance
@on_devices
@pytest.mark.parametrize("name,group", [("GPointNet", "O"), ("GDGCNN", "O"), ("GPointNet2", "C4")])
def test_g_backbones_match_cpu_and_invariant(name, group, device):
    """Pure-torch fps / radius / k-NN on the device; invariance over all generators (+1 random element)."""
    pos, batch = _cloud()
    model, inputs, out = cpu_then_device(_g_backbone(name, group), (None, pos, batch), device)
    assert out.shape == (2, 3)
    assert_invariant(model, inputs, [None, Vector(), None], group=group, n_samples=1)


@pytest.mark.equivariance
@on_devices
@pytest.mark.parametrize("mode", ["average", "lift"])
def test_make_equivariant_vectors_on_device(mode, device):
    from symplugins.points import make_equivariant
    torch.manual_seed(0)
    pos, batch = _cloud()
    x = torch.randn(pos.shape[0], 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    model = make_equivariant(FeatVectors(), "O", mode, output="vector", chunk_size=10,
                             **({"channels": 2} if mode == "lift" else {})).double()
    model, inputs, out = cpu_then_device(model, (x, pos, batch), device)
    assert out.shape == (pos.shape[0], 2, 3)
    assert_equivariant(model, inputs, [None, Vector(), None], [Vector()], group="O")


# =========================================================================== 7. NFN on a live CUDA network
def _mlp():
    torch.manual_seed(0)  # ReLU: positive scalings x permutations; Tanh: signs x permutations
    return nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 2)).double()


def _live_runner(model, spec, inputs):
    """Weights (flat tensors) -> the live network's outputs: the weights are loaded into a copy of it."""
    from symplugins.nfn import WeightSpace
    live = copy.deepcopy(model)

    def fn(*tensors):
        WeightSpace(spec, dict(zip(spec.names, tensors))).load_into(live)
        with torch.no_grad():
            out = live(*inputs)
        return torch.cat([t.reshape(-1) for t in out if t is not None]) if isinstance(out, tuple) else out
    return fn


@pytest.mark.equivariance
@on_devices
def test_nfn_weight_space_symmetry_on_live_network(device):
    """The network lives on the device: space, group elements, action and load_into stay there."""
    from symplugins import nfn
    model = _mlp()
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y_cpu = model(x).detach()
    canon_cpu = nfn.canonicalize(copy.deepcopy(model)).state_dict()
    model, x = model.to(device), x.to(device)
    space = nfn.weight_space(model)
    assert_on(tuple(space.tensors.values()), device)
    assert {f.name: (f.scale, f.sign) for f in space.spec.factors} == {"0": (True, False), "2": (False, True)}
    g = space.group.sample(torch.Generator().manual_seed(0), max_scale=100.0, device=device)
    moved = space.act(g)
    assert_on(tuple(moved.tensors.values()), device)
    assert moved.distance(space) > 1e-2 * float(space.flat().norm())
    live = moved.load_into(copy.deepcopy(model))
    assert_on(live(x), device)
    assert_matches_cpu(live(x), y_cpu)
    # the shared helper: outputs of the live network are invariant under the weight-space group
    fn = _live_runner(model, space.spec, (x,))
    assert_invariant(fn, tuple(space.tensors.values()), space.reps(), group=space.group, n_samples=3)
    # canonical form computed on the device = the CPU one, same function
    canon = nfn.canonicalize(copy.deepcopy(model))
    assert_model_on(canon, device)
    assert_matches_cpu(canon.state_dict(), canon_cpu)
    assert_matches_cpu(canon(x), y_cpu)


@on_devices
def test_nfn_align_and_interpolate_on_device(device):
    """Weight matching (LAP on the host, permutations back on the device) undoes a hidden element."""
    pytest.importorskip("scipy", reason="nfn.align needs scipy (pip install 'symplugins[nfn]')")
    from symplugins import nfn
    model = _mlp()
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = model(x).detach()
    model, x = model.to(device), x.to(device)
    space = nfn.weight_space(model)
    g = space.group.sample(torch.Generator().manual_seed(1), max_scale=100.0, device=device)
    other = space.act(g).load_into(copy.deepcopy(model))
    mid = nfn.interpolate(model, other, 0.5)  # aligned first: same network, same function
    assert_model_on(mid, device)
    assert_matches_cpu(mid(x), y)
    aligned = nfn.align(other, to=model)
    assert aligned is other
    assert_model_on(aligned, device)
    assert_matches_cpu(aligned.state_dict(), model.state_dict())


def _nfn_case():
    """A live MLP, inputs, an NFN predictor and a (perturbed) equivariant editor NFN, all on CPU, float64."""
    from symplugins import nfn
    from symplugins.nfn.layers import MonomialEquivariant, NetSpec
    model = _mlp()
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    spec = NetSpec.from_space(nfn.weight_space(model))
    torch.manual_seed(3)
    return model, x, nfn.MonomialNFN(spec, hidden=4).double(), _perturb(MonomialEquivariant(spec, 1, 1).double())


@on_devices
def test_nfn_inspect_and_edit_hooks_on_device(device):
    from symplugins import nfn
    model, x, pred, editor_nfn = _nfn_case()

    def run(m, pred, editor_nfn, x):
        rep = nfn.inspect(m, predictor=pred)
        with nfn.edit_weights(m, nfn.nfn_editor(editor_nfn, scale=0.5)):
            edited = m(x)
        return (torch.tensor(rep.predictions), torch.tensor(rep.canonical_distance)), edited

    y = model(x).detach()
    stats, edited = run(model, pred, editor_nfn, x)
    model, pred, editor_nfn, x = (t.to(device) for t in (model, pred, editor_nfn, x))
    stats_d, edited_d = run(model, pred, editor_nfn, x)
    assert_on(edited_d, device)
    assert_matches_cpu((stats_d, edited_d), (stats, edited))
    assert (edited_d.detach().cpu() - y).abs().max() > 1e-3  # the edit did something
    assert "symmetry group" in str(nfn.inspect(model))
    assert_matches_cpu(model(x), y)  # hooks removed: the original network again
    edited_d.sum().backward()  # gradients reach the device-resident editor
    assert all(p.grad is not None and p.grad.device.type == torch.device(device).type
               for p in editor_nfn.parameters())


@CUDA  # on CPU it would compare CPU with CPU
def test_nfn_predictor_and_editor_may_live_elsewhere(device="cuda"):
    """An NFN kept on CPU analyses and edits a network on ``device`` (features follow the NFN; the edit
    comes back to the network's device), with the same numbers as when everything is on CPU."""
    from symplugins import nfn
    model, x, pred, editor_nfn = _nfn_case()
    want = nfn.inspect(model, predictor=pred).predictions
    with nfn.edit_weights(model, nfn.nfn_editor(editor_nfn, scale=0.5)):
        edited = model(x)
    model, x = model.to(device), x.to(device)
    assert nfn.inspect(model, predictor=pred).predictions == pytest.approx(want, rel=1e-9)
    with nfn.edit_weights(model, nfn.nfn_editor(editor_nfn, scale=0.5)):
        edited_d = model(x)
    assert_on(edited_d, device)
    assert_matches_cpu(edited_d, edited)


@CUDA  # on CPU it would compare CPU with CPU
def test_clifford_algebra_tables_follow_the_inputs(device="cuda"):
    """An algebra left on CPU works on inputs on ``device``: every table (signs, forms, grade
    indices) follows the inputs, as ``model.to(device)`` would have moved it."""
    alg = CliffordAlgebra((1, 1, 1))
    gen = torch.Generator().manual_seed(0)
    a, b, v = (torch.randn(4, 8, generator=gen, dtype=torch.float64) for _ in range(3))
    w = torch.randn(alg.n_paths, generator=gen, dtype=torch.float64)
    calls = {
        "gp": lambda a, b, v, w: alg.geometric_product(a, b),
        "weighted": lambda a, b, v, w: alg.weighted_product(a, b, w),
        "project": lambda a, b, v, w: alg.grade_project(a, 2),
        "norms": lambda a, b, v, w: alg.grade_norms(a),
        "norms_bm": lambda a, b, v, w: alg.grade_norms(a.T.contiguous(), blade_major=True),
        "expand": lambda a, b, v, w: alg.expand_grades(a[:, :4]),
        "versor": lambda a, b, v, w: alg.versor_action(v, a),
        "involutions": lambda a, b, v, w: alg.conjugate(alg.reverse(alg.grade_involution(a))),
    }
    for name, f in calls.items():
        ref = f(a, b, v, w)
        out = f(*(t.to(device) for t in (a, b, v, w)))
        assert_on(out, device)
        assert_matches_cpu(out, ref)


@pytest.mark.equivariance
@on_devices
def test_nfn_attention_heads_group_on_device(device):
    """Head factors (per-head GL matrices, inverted on the device) of a live nn.MultiheadAttention."""
    from symplugins import nfn
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(6, 3).double().eval()
    gen = torch.Generator().manual_seed(2)
    q, k, v = (torch.randn(n, 2, 6, generator=gen, dtype=torch.float64) for n in (4, 5, 5))
    mha, (q, k, v) = mha.to(device), _to((q, k, v), device)
    space = nfn.weight_space(mha, example_inputs=(q, k, v))
    assert [f.kind for f in space.spec.factors] == ["heads"]
    fn = _live_runner(mha, space.spec, (q, k, v))
    assert_on(fn(*space.tensors.values()), device)
    assert_invariant(fn, tuple(space.tensors.values()), space.reps(), group=space.group, n_samples=2)


@pytest.mark.equivariance
@on_devices
def test_nfn_monomial_layer_on_device(device):
    """tests/nfn/test_nfn_layers.py: a Monomial-NFN layer, equivariant on the device (factors up to 1e3)."""
    from symplugins.nfn.layers import MonomialEquivariant, MonomialGroup, NetSpec, feature_reps
    spec = NetSpec((3, 5, 4, 2), (1, 1, 1), ("scale", "sign"))
    torch.manual_seed(0)
    layer = MonomialEquivariant(spec, 2, 3).double()
    inputs = tuple(t.double() for t in random_features(spec, 2))
    layer, inputs, _ = cpu_then_device(layer, inputs, device, call=lambda m, *ts: flat_fn(m)(*ts))
    reps = feature_reps(spec)
    assert_equivariant(flat_fn(layer), inputs, reps, reps, group=MonomialGroup(spec, 1e3))


# =========================================================================== 8. ASE calculator, nequip model
@pytest.mark.equivariance
@on_devices
def test_ase_calculator_on_device(device):
    """``CGEGNNCalculator(..., device=)``: molecule and a periodic cell (k-hop reverse edges from cell shifts)."""
    pytest.importorskip("ase")
    import numpy as np
    from ase.build import bulk, molecule

    from symplugins.ase import CGEGNNCalculator
    from symplugins.models.potential.energy import CGEGNNEnergy
    torch.manual_seed(0)
    potential = CGEGNNEnergy(["H", "C", "O"], r_max=3.0, hidden=4, layers=1, hops=2, scales=0.05,
                             shifts={"H": -10.0, "C": -40.0, "O": -60.0})  # tests/ase/test_calculator.py
    mol = molecule("CH3CH2OH")
    cell = bulk("C", "diamond", a=3.57)
    cell.rattle(0.05, seed=2)

    def results(atoms, dev):
        atoms = atoms.copy()
        atoms.calc = CGEGNNCalculator(potential, device=dev)
        props = [atoms.get_potential_energy(), atoms.get_forces(), atoms.get_potential_energies()]
        if atoms.pbc.all():
            props.append(atoms.get_stress())
        return atoms.calc, [torch.as_tensor(np.asarray(p, dtype=np.float64)) for p in props]

    for atoms in (mol, cell):
        _, ref = results(atoms, "cpu")
        calc, got = results(atoms, device)
        assert_model_on(calc.model, device)
        assert calc.device.type == torch.device(device).type
        assert_matches_cpu(got, ref)
        assert got[1].abs().max() > 1e-4
    # forces rotate with the molecule; the calculator computes on the device
    mol.calc = CGEGNNCalculator(potential, device=device)

    def forces(pos):
        mol.positions = pos.detach().cpu().numpy()
        return torch.as_tensor(mol.get_forces(), dtype=pos.dtype, device=pos.device)
    assert_equivariant(forces, (torch.as_tensor(mol.positions.copy(), device=device),), (Point(),), (Vector(),),
                       group="E3")


@pytest.mark.equivariance
@on_devices
def test_nequip_model_on_device(device):
    """The nequip-registered model (``symplugins.nequip.CGEGNNModel``) and its data moved to the device."""
    pytest.importorskip("nequip", reason="nequip is not installed (pip install 'symplugins[nequip]')")
    pytest.importorskip("ase")
    from ase.build import molecule
    from nequip.data import AtomicDataDict, compute_neighborlist_, from_ase
    from nequip.utils.global_state import set_global_state

    from symplugins.nequip import CGEGNNModel
    set_global_state()  # nequip's global state (float64 default, TF32 off); the fixture restores the dtype
    model = CGEGNNModel(seed=3, model_dtype="float64", type_names=["H", "C", "O"], r_max=3.0,
                        hidden=3, layers=2, hops=2)  # tests/nequip/test_nequip_irreps.py ``_model``
    atoms = molecule("CH3CH2OH")
    atoms.rattle(0.05, seed=1)
    data = from_ase(atoms)
    data[AtomicDataDict.ATOM_TYPE_KEY] = torch.tensor(
        [["H", "C", "O"].index(s) for s in atoms.get_chemical_symbols()])
    data = compute_neighborlist_(data, r_max=3.0)
    keys = (AtomicDataDict.TOTAL_ENERGY_KEY, AtomicDataDict.FORCE_KEY, AtomicDataDict.NODE_FEATURES_KEY)

    def run(m, d):
        out = m(dict(d))  # a fresh dict: the model adds edge vectors to the one it gets
        return tuple(out[k].detach() for k in keys)

    ref = run(model, data)
    model = model.to(device)
    assert_model_on(model, device)
    data = AtomicDataDict.to_(dict(data), torch.device(device))
    out = run(model, data)
    assert_on(out, device)
    assert_matches_cpu(out, ref)

    def energy_forces(pos):
        d = dict(data)
        d[AtomicDataDict.POSITIONS_KEY] = pos
        o = model(d)
        return o[AtomicDataDict.TOTAL_ENERGY_KEY].detach(), o[AtomicDataDict.FORCE_KEY].detach()
    pos = data[AtomicDataDict.POSITIONS_KEY].detach()
    assert_equivariant(energy_forces, (pos,), (Point(),), (None, Vector()), group="E3")


def _prints_as_on_cpu(cmd, capsys, device) -> None:
    """``symplugins CMD --device DEVICE`` prints what the CPU run prints (4 / 3 decimals)."""
    from symplugins.cli import main
    assert main(cmd + ["--device", "cpu"]) == 0
    want = capsys.readouterr().out
    assert main(cmd + ["--device", device]) == 0
    assert capsys.readouterr().out == want


@pytest.fixture
def torus():
    from symplugins.geometry import make_shape
    return make_shape("torus", 16)


@CUDA  # on CPU it would compare CPU with CPU
def test_cli_points_on_device(tmp_path, capsys, torus, device="cuda"):
    """``symplugins points FILE --device DEV`` prints what the CPU run prints."""
    import numpy as np

    from symplugins.geometry import sample_surface
    pts = sample_surface(torus.verts.double(), torus.faces, 400, generator=torch.Generator().manual_seed(0)).pos
    np.save(tmp_path / "torus.npy", pts.numpy())
    cmd = ["points", str(tmp_path / "torus.npy")]
    _prints_as_on_cpu(cmd, capsys, device)


@CUDA
def test_cli_mesh_on_device(tmp_path, capsys, torus, device="cuda"):
    """``symplugins mesh FILE --device DEV`` prints what the CPU run prints (reading .off needs
    the mesh extra, which the device machine may lack)."""
    trimesh = pytest.importorskip("trimesh", reason="reading .off meshes needs symplugins[mesh]")
    trimesh.Trimesh(torus.verts.numpy(), torus.faces.numpy(), process=False).export(tmp_path / "torus.off")
    cmd = ["mesh", str(tmp_path / "torus.off")]
    _prints_as_on_cpu(cmd, capsys, device)


@on_devices
def test_mlp_zoo_on_device(device, tmp_path):
    """A zoo moved to ``device`` builds its live networks there, runs them all at once there, and a
    zoo saved from the device loads back onto CPU (``map_location``)."""
    from symplugins.nfn.zoo import MLPZoo, zoo_mlp
    gen = torch.Generator().manual_seed(0)
    dims = (5, 4, 2)
    weights = {n: torch.randn(3, *p.shape, generator=gen) for n, p in zoo_mlp(dims, "relu").named_parameters()}
    zoo = MLPZoo(dims, "relu", weights, torch.rand(3, generator=gen), {"lr": torch.rand(3, generator=gen)})
    x = torch.randn(6, 5, generator=gen)
    want = zoo.outputs(x)
    zd = zoo.to(device)
    out = zd.outputs(x)  # inputs follow the zoo
    assert_on(out, device)
    assert_matches_cpu(out, want)
    live = zd.model(1)
    assert_model_on(live, device)
    assert_matches_cpu(live(x.to(device)), want[1])
    back = MLPZoo.load(zd.save(tmp_path / "zoo.pt"))
    assert back.weights["0.weight"].device.type == "cpu" and back.labels.device.type == "cpu"
    assert_matches_cpu(back.outputs(x), want)
