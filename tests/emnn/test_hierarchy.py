"""Hierarchy pieces: canonical FPS, continuous radius pooling, and the baselines."""
from __future__ import annotations

import pytest
import torch

from meshes import random_mesh_batch
from symplugins.groups import NodeAxis, NodeIndex, Point, random_o3
from symplugins.models.emnn.baselines import MeshGCN
from symplugins.models.emnn.hierarchy import MeshHierarchy, canonical_fps
from symplugins.testing import assert_invariant, assert_permutation_equivariant, assert_sensitive


def test_canonical_fps_is_equivariant(dtype):
    _, pos, _, _, batch = random_mesh_batch(dtype=dtype)
    idx = canonical_fps(pos, batch, 0.25)
    counts = torch.bincount(batch[idx])
    assert counts.tolist() == [-(-int(n) // 4) for n in torch.bincount(batch)]
    g = random_o3(generator=torch.Generator().manual_seed(0), dtype=dtype)
    assert torch.equal(canonical_fps(pos @ g.T + 3.0, batch, 0.25), idx)
    perm = torch.argsort(batch * 1000 + torch.randperm(len(batch), generator=torch.Generator().manual_seed(1)))
    inv = torch.argsort(perm)
    assert torch.equal(perm[canonical_fps(pos[perm], batch, 0.25)].sort().values, idx.sort().values)
    assert torch.equal(inv[idx].sort().values, canonical_fps(pos[perm], batch, 0.25).sort().values)


def test_radius_pooling_is_continuous_at_the_cutoff():
    """A point moving across the pooling radius changes the output continuously."""
    torch.manual_seed(0)
    hier = MeshHierarchy(4, stages=1, ratio=0.5, radius=1.0).double()
    # FPS picks B = (5,0,0) then C = (0,0,0.2); D sits on the radius-1 sphere around C
    pos = torch.tensor([[0.0, 0, 0], [5.0, 0, 0], [0.0, 0, 0.2], [1.0 - 1e-7, 0, 0.2]], dtype=torch.float64)
    h, batch = torch.randn(4, 4, dtype=torch.float64), torch.zeros(4, dtype=torch.long)
    h[3] = 5.0  # D's message would dominate the max without the cutoff
    assert canonical_fps(pos, batch, 0.5).tolist() == [1, 2]
    inside = hier(h, pos, batch)
    pos2 = pos.clone()
    pos2[3, 0] = 1.0 + 1e-7
    torch.testing.assert_close(hier(h, pos2, batch), inside, atol=1e-5, rtol=0)
    pos2[3, 0] = 0.3  # partner: well inside, D does change the pooled features
    assert not torch.allclose(hier(h, pos2, batch), inside, atol=1e-3)


def test_meshgcn_is_not_rotation_invariant_but_permutation_equivariant(dtype):
    torch.manual_seed(0)
    model = MeshGCN(3, 8, 4, layers=2)
    x, pos, ei, face, batch = random_mesh_batch(dtype=dtype)
    args = (x, pos, ei, face, batch)
    reps = [NodeAxis(0), NodeAxis(0), NodeIndex(), NodeIndex(), NodeAxis(0)]
    assert_permutation_equivariant(model, args, reps, [NodeAxis(0), NodeAxis(0)],
                                   num_nodes=pos.shape[0], batch=batch, dtype=dtype)
    g = random_o3(generator=torch.Generator().manual_seed(2), dtype=dtype, reflect=False)
    assert_sensitive(model, args, [None, Point(), None, None, None], [None, Point()], element=g)


def _plan_data(pos, face, pyg, **kw):
    from symplugins.adapters.pyg import MeshHierarchyPlan
    return MeshHierarchyPlan(**kw)(pyg.data.Data(pos=pos, face=face))


@pytest.mark.equivariance
def test_precomputed_plan_is_invariant(dtype):
    """The transform's pooling indices (integers) are unchanged under E(3) (exact match)."""
    pyg = pytest.importorskip("torch_geometric")
    _, pos, _, face, batch = random_mesh_batch(dtype=dtype)
    keep = batch == 1
    p1, f1 = pos[keep], face[:, keep[face].all(0)] - int((batch < 1).sum())

    def plan(p):
        d = _plan_data(p, f1, pyg)
        return tuple(d[f"hier_{kind}_{s}"] for s in range(3) for kind in ("pool", "down", "up"))

    assert_invariant(plan, (p1,), [Point()], group="E3", dtype=dtype)
    # partner: an anisotropic stretch is not a symmetry; the FPS order changes
    assert_sensitive(plan, (p1,), transform=lambda a: (a[0] * torch.tensor([1.0, 1.0, 3.0], dtype=dtype),))


def test_precomputed_plan_batches_like_the_batched_plan():
    """Per-mesh plans collated by PyG == the plan of the whole batch; same model outputs."""
    pyg = pytest.importorskip("torch_geometric")
    from symplugins.adapters.pyg import hierarchy_plan_from_data
    from symplugins.models.emnn.model import EMNN
    from symplugins.nn.mesh import normalize_per_mesh
    torch.manual_seed(0)
    model = EMNN(3, 8, 4, layers=2, hierarchy=True, task="node").double()
    x, pos, ei, face, batch = random_mesh_batch(dtype=torch.float64)
    items, off = [], 0
    for b in range(3):
        keep = batch == b
        f = face[:, keep[face].all(0)] - off
        items.append(_plan_data(pos[keep], f, pyg))
        off += int(keep.sum())
    data = pyg.data.Batch.from_data_list(items)
    plan = hierarchy_plan_from_data(data)
    ref = model.hierarchy.plan(normalize_per_mesh(pos, batch, 3)[0], batch)
    for a, b in zip(plan[:3], ref[:3]):
        for u, v in zip(a, b):
            assert torch.equal(u, v)
    out = model(x, pos, ei, face, batch, hierarchy_plan=plan)[0]
    torch.testing.assert_close(out, model(x, pos, ei, face, batch)[0], atol=0, rtol=0)
    # partner: the plan of other meshes (stretched) changes the outputs, so it is used
    stretched = [_plan_data(d.pos * torch.tensor([1.0, 1.0, 3.0], dtype=d.pos.dtype), d.face, pyg) for d in items]
    other = hierarchy_plan_from_data(pyg.data.Batch.from_data_list(stretched))
    assert not torch.allclose(model(x, pos, ei, face, batch, hierarchy_plan=other)[0], out)


def test_plan_settings_and_batches_are_checked():
    pyg = pytest.importorskip("torch_geometric")
    from symplugins.adapters.pyg import MeshHierarchyPlan, hierarchy_plan_from_data
    from symplugins.models.emnn.model import EMNN
    x, pos, ei, face, batch = random_mesh_batch(dtype=torch.float64)
    model = EMNN(3, 8, 4, layers=1, hierarchy=True).double()
    keep = batch == 0
    d = pyg.data.Data(pos=pos[keep], face=face[:, keep[face].all(0)])
    wrong = hierarchy_plan_from_data(MeshHierarchyPlan(radius=0.5)(d))
    with pytest.raises(ValueError, match="hierarchy_plan' was built with"):
        model(x[keep], pos[keep], ei[:, keep[ei].all(0)], d.face, hierarchy_plan=wrong)
    assert MeshHierarchyPlan.for_model(model).radius == model.hierarchy.radius
    with pytest.raises(ValueError, match="has no hierarchy"):
        MeshHierarchyPlan.for_model(EMNN(3, 8, 4, layers=1))
    with pytest.raises(ValueError, match="single meshes"):
        MeshHierarchyPlan()(pyg.data.Batch.from_data_list([d, d]))
    mixed = pyg.data.Batch.from_data_list([MeshHierarchyPlan()(d), MeshHierarchyPlan(k=4)(d)])
    with pytest.raises(ValueError, match="different settings"):
        hierarchy_plan_from_data(mixed)
    assert hierarchy_plan_from_data(d) is None


def test_plan_as_pre_transform_of_an_in_memory_dataset(tmp_path):
    """PyG stores, reloads and batches HierarchyData; the batch's plan is the batched plan."""
    pyg = pytest.importorskip("torch_geometric")
    from symplugins.adapters.pyg import MeshHierarchyPlan, hierarchy_plan_from_data
    from symplugins.models.emnn.hierarchy import hierarchy_plan
    from symplugins.nn.mesh import normalize_per_mesh
    from meshes import uv_sphere

    class Spheres(pyg.data.InMemoryDataset):
        def __init__(self, root, **kw):
            super().__init__(root, **kw)
            self.load(self.processed_paths[0])

        @property
        def processed_file_names(self):
            return ["spheres.pt"]

        def process(self):
            gen = torch.Generator().manual_seed(0)
            items = []
            for res in (6, 8, 7):
                pos, face = uv_sphere(res)
                pos = pos + 0.05 * torch.randn(pos.shape, generator=gen, dtype=pos.dtype)
                items.append(self.pre_transform(pyg.data.Data(pos=pos, face=face)))
            self.save(items, self.processed_paths[0])

    Spheres(tmp_path, pre_transform=MeshHierarchyPlan())
    ds = Spheres(tmp_path, pre_transform=MeshHierarchyPlan())  # reloaded from disk
    batch = pyg.data.Batch.from_data_list([ds[i] for i in range(3)])
    plan = hierarchy_plan_from_data(batch)
    ref = hierarchy_plan(normalize_per_mesh(batch.pos, batch.batch, 3)[0], batch.batch)
    assert all(torch.equal(u, v) for a, b in zip(plan[:3], ref[:3]) for u, v in zip(a, b))


def test_plan_of_other_meshes_is_refused():
    pyg = pytest.importorskip("torch_geometric")
    from symplugins.adapters.pyg import hierarchy_plan_from_data
    from symplugins.models.emnn.model import EMNN
    x, pos, ei, face, batch = random_mesh_batch(dtype=torch.float64)
    model = EMNN(3, 8, 4, layers=1, hierarchy=True).double()
    keep = batch == 0
    small = _plan_data(pos[keep], face[:, keep[face].all(0)], pyg)
    with pytest.raises(ValueError, match="was built for .* vertices but the input has"):
        model(x, pos, ei, face, batch, hierarchy_plan=hierarchy_plan_from_data(small))


def test_plan_settings_survive_float32_and_no_cap():
    pyg = pytest.importorskip("torch_geometric")
    from symplugins.adapters.pyg import MeshHierarchyPlan, hierarchy_plan_from_data
    from symplugins.adapters.pyg_hierarchy import HierarchyData
    from symplugins.models.emnn.model import EMNN
    assert HierarchyData in torch.serialization.get_safe_globals()  # registered on import
    x, pos, ei, face, batch = random_mesh_batch(dtype=torch.float64)
    keep = batch == 0
    x, pos, ei, face = x[keep], pos[keep], ei[:, keep[ei].all(0)], face[:, keep[face].all(0)]
    model = EMNN(3, 8, 4, layers=1, hierarchy=True).double()
    model.hierarchy.max_num_neighbors = None
    data = MeshHierarchyPlan.for_model(model)(pyg.data.Data(pos=pos, face=face))
    data.hier_settings = data.hier_settings.float()
    plan = hierarchy_plan_from_data(data)
    assert plan.settings[3] is None
    torch.testing.assert_close(model(x, pos, ei, face, hierarchy_plan=plan)[0], model(x, pos, ei, face)[0],
                               atol=0, rtol=0)
    again = MeshHierarchyPlan(stages=1)(data)  # re-planning drops the old levels
    assert "hier_pool_1" not in again and "hier_pool_0" in again

    class Custom(pyg.data.Data):
        pass
    with pytest.raises(ValueError, match="plain torch_geometric Data"):
        MeshHierarchyPlan()(Custom(pos=pos, face=face))
