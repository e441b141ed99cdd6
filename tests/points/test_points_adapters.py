"""Same outputs from PyG Data/Batch and PyTorch3D Pointclouds inputs."""
import pytest
import torch

from symplugins.adapters.pyg import cloud_inputs_from_data
from symplugins.adapters.pytorch3d import cloud_inputs
from symplugins.points import GDGCNN, GPointNet, PointNet2, make_equivariant

Batch = pytest.importorskip("torch_geometric.data").Batch
Data = pytest.importorskip("torch_geometric.data").Data
Pointclouds = pytest.importorskip("pytorch3d.structures").Pointclouds


def _clouds(features=2):
    g = torch.Generator().manual_seed(0)
    pts = [torch.randn(n, 3, generator=g) * 0.5 for n in (11, 14)]
    feats = [torch.randn(p.shape[0], features, generator=g) for p in pts] if features else None
    return pts, feats


@pytest.mark.parametrize("make", [
    lambda: GPointNet(2, 3, group="O", channels=(16, 32), head=(16,)),
    lambda: GDGCNN(2, 3, group="C4", k=4, channels=(8, 8), embed=16, head=(8,), task="segmentation"),
    lambda: make_equivariant(PointNet2(2, 3, channels=((8,), (16,)), global_channels=(16,), head=(8,), radii=(0.5, 1.0)), "T"),
])
def test_pyg_and_pytorch3d_inputs_agree(make):
    torch.manual_seed(0)
    model = make().eval()
    pts, feats = _clouds()
    batch = Batch.from_data_list([Data(pos=p, x=f) for p, f in zip(pts, feats)])
    a = model(**cloud_inputs_from_data(batch))
    b = model(**cloud_inputs(Pointclouds(points=pts, features=feats)))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    single = model(**cloud_inputs_from_data(Data(pos=pts[1], x=feats[1])))     # unbatched Data
    torch.testing.assert_close(single, a[1:] if a.shape[0] == 2 else a[11:], atol=1e-5, rtol=1e-5)


def test_adapter_rejects_nan_clouds():
    pts, _ = _clouds(0)
    pts[0][2, 0] = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        cloud_inputs(Pointclouds(points=pts))
