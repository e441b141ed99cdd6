"""PointNet / PointNet++ / DGCNN, their G-versions and the VN baseline."""
import pytest
import torch

from symplugins.groups import NodeAxis, Vector, random_rotation
from symplugins.points import DGCNN, GDGCNN, GPointNet, GPointNet2, PointNet, PointNet2, VNPointNet
from symplugins.testing import assert_invariant, assert_permutation_equivariant, assert_sensitive

SIZES = (12, 15)
SMALL = {
    PointNet: dict(channels=(16, 32), head=(16,)),
    PointNet2: dict(channels=((16, 16), (16, 32)), global_channels=(32,), head=(16,), radii=(0.6, 1.2)),
    DGCNN: dict(k=5, channels=(16, 16), embed=32, head=(16,)),
    VNPointNet: dict(k=5, channels=(4, 8), head=(16,)),
}


def _cloud(in_channels=0, seed=0):
    g = torch.Generator().manual_seed(seed)
    pos = torch.randn(sum(SIZES), 3, generator=g, dtype=torch.float64).to(torch.get_default_dtype()) * 0.6
    batch = torch.cat([torch.full((n,), i) for i, n in enumerate(SIZES)])
    x = torch.randn(pos.shape[0], in_channels, generator=g, dtype=torch.float64).to(pos.dtype) if in_channels else None
    return x, pos, batch


@pytest.mark.parametrize("cls", list(SMALL))
@pytest.mark.parametrize("task", ["classification", "segmentation"])
def test_shapes_batching_and_dtype(cls, task):
    torch.manual_seed(0)
    c = 0 if cls is VNPointNet else 2
    model = cls(c, 4, task=task, **SMALL[cls]).eval()
    x, pos, batch = _cloud(c)
    out = model(x, pos, batch)
    assert out.shape == ((2, 4) if task == "classification" else (pos.shape[0], 4))
    n = SIZES[0]
    parts = torch.cat([model(None if x is None else x[:n], pos[:n]), model(None if x is None else x[n:], pos[n:])])
    torch.testing.assert_close(out, parts, atol=1e-5, rtol=1e-5)
    out64 = model.double()(None if x is None else x.double(), pos.double(), batch)
    assert out64.dtype == torch.float64
    torch.testing.assert_close(out64.float(), out, atol=1e-4, rtol=1e-4)
    assert f"-> 4 [{task}]" in repr(model) and "parameters)" in repr(model)


@pytest.mark.parametrize("cls", [PointNet, DGCNN, VNPointNet])
def test_segmentation_is_permutation_equivariant(cls):
    torch.manual_seed(0)
    model = cls(0, 3, task="segmentation", **SMALL[cls]).eval().double()
    _, pos, batch = _cloud()
    fn = lambda pos: model(None, pos, batch)  # noqa: E731
    assert_permutation_equivariant(fn, (pos.double(),), [NodeAxis()], [NodeAxis()], num_nodes=pos.shape[0], batch=batch)


@pytest.mark.equivariance
@pytest.mark.parametrize("gcls,cls", [(GPointNet, PointNet), (GPointNet2, PointNet2), (GDGCNN, DGCNN)])
@pytest.mark.parametrize("task", ["classification", "segmentation"])
def test_g_backbones_invariant(gcls, cls, task, dtype):
    torch.manual_seed(0)
    group = "O" if task == "classification" else "C4"
    model = gcls(0, 3, group=group, task=task, chunk_size=8, **SMALL[cls]).eval()
    _, pos, batch = _cloud()
    reps = [None, Vector(), None]
    assert_invariant(model, (None, pos, batch), reps, group=group, dtype=dtype, n_samples=1)
    r = random_rotation(generator=torch.Generator().manual_seed(5), dtype=dtype)
    assert_sensitive(model, (None, pos, batch), reps, [None], element=r, dtype=dtype)
    assert_sensitive(model.backbone, (None, pos, batch), reps, [None], element=r, dtype=dtype)


@pytest.mark.equivariance
def test_g_lift_mode_and_icosahedral():
    torch.manual_seed(0)
    model = GPointNet(0, 3, group="icosahedral", mode="lift", lift_channels=8, **SMALL[PointNet]).eval()
    _, pos, batch = _cloud()
    assert_invariant(model, (None, pos, batch), [None, Vector(), None], group="I", n_samples=1)
    assert "GPointNet(I|60: 0+pos -> 3 [classification], lift" in repr(model)


@pytest.mark.equivariance
@pytest.mark.parametrize("task", ["classification", "segmentation"])
def test_vn_baseline_so3_invariant(task, dtype):
    torch.manual_seed(0)
    model = VNPointNet(0, 3, task=task, **SMALL[VNPointNet]).eval()
    _, pos, batch = _cloud()
    reps = [None, Vector(), None]
    assert_invariant(model, (None, pos, batch), reps, group="SO3", dtype=dtype)
    squash = torch.diag(torch.tensor([1.0, 2.0, 0.5], dtype=dtype))   # not a rotation
    assert_sensitive(model, (None, pos, batch), reps, [None], element=squash, dtype=dtype)


def test_bad_inputs():
    x, pos, batch = _cloud()
    with pytest.raises(ValueError, match=r"cloud 0 has 12 points but at least 21 are needed for k=20"):
        DGCNN(0, 3, k=20).eval()(None, pos, batch)
    with pytest.raises(ValueError, match="at least 21 are needed for k=20"):
        GDGCNN(0, 3, k=20, group="O").eval()(None, pos, batch)
    bad = pos.clone()
    bad[0, 0] = float("nan")
    for model in (PointNet(0, 3), GPointNet(0, 3, group="T"), PointNet2(0, 3)):
        with pytest.raises(ValueError, match="'pos' contains 1 non-finite"):
            model.eval()(None, bad, batch)
    with pytest.raises(ValueError, match="unknown group name 'octahedron'"):
        GPointNet(0, 3, group="octahedron")
    with pytest.raises(ValueError, match=r"built with in_channels=2; pass x \[N, 2\]"):
        PointNet(2, 3)(None, pos, batch)
    with pytest.raises(ValueError, match="task must be one of"):
        PointNet(0, 3, task="detection")
    with pytest.raises(ValueError, match="VNPointNet takes coordinates only"):
        VNPointNet(3, 3)


@pytest.mark.parametrize("make", [
    lambda: PointNet(0, 3, **SMALL[PointNet]), lambda: PointNet2(0, 3, **SMALL[PointNet2]),
    lambda: DGCNN(0, 3, **SMALL[DGCNN]), lambda: VNPointNet(0, 3, **SMALL[VNPointNet]),
    lambda: GPointNet(num_classes=3, group="V4", **SMALL[PointNet]),
    lambda: GPointNet(num_classes=3, group="V4", mode="lift", lift_channels=4, **SMALL[PointNet]),
    lambda: GDGCNN(0, 3, group="V4", **SMALL[DGCNN])],
    ids=["PointNet", "PointNet2", "DGCNN", "VNPointNet", "GPointNet", "GPointNet-lift", "GDGCNN"])
def test_input_dtype_or_device_unlike_the_model_is_a_value_error(make):
    torch.manual_seed(0)
    model = make().eval()
    _, pos, batch = _cloud()
    msg = r"'pos' is torch.{} but the model is torch.{}; call model.to\(pos\) or cast the input"
    with pytest.raises(ValueError, match=msg.format("float64", "float32")):
        model.float()(None, pos.double(), batch)
    with pytest.raises(ValueError, match=msg.format("float32", "float64")):
        model.double()(None, pos.float(), batch)
    assert model.to(pos.double())(None, pos.double(), batch).dtype == torch.float64  # the advised fix works
    with pytest.raises(ValueError, match=r"'pos' is on cpu but the model is on meta; call model.to\(pos\)"):
        make().to("meta")(None, pos.float(), batch)
