"""Mesh quantities: normals, areas, edges, validation."""
import pytest
import torch

from symplugins.geometry import (
    edges_from_faces, face_areas, face_normals, make_shape,
    unique_edges, validate_mesh, vertex_face_areas, vertex_normals,
)
from symplugins.geometry.primitives import icosphere

# two triangles sharing edge (1, 2): unit right triangle in z=0 and one in x=0 plane
VERTS = torch.tensor([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 2]])
FACES = torch.tensor([[0, 1, 2], [0, 2, 3]])


def test_face_normals_and_areas(dtype):
    v = VERTS.to(dtype)
    n = face_normals(v, FACES)
    assert torch.allclose(n, torch.tensor([[0.0, 0, 1], [2, 0, 0]], dtype=dtype))
    assert torch.allclose(face_normals(v, FACES, unit=True),
                          torch.tensor([[0.0, 0, 1], [1, 0, 0]], dtype=dtype))
    assert torch.allclose(face_areas(v, FACES), torch.tensor([0.5, 1.0], dtype=dtype))


def test_vertex_normals_area_weighted_and_mean_areas():
    n = vertex_normals(VERTS, FACES, unit=False)
    assert torch.allclose(n[0], torch.tensor([2.0, 0, 1]))   # both faces, weighted by 2A
    assert torch.allclose(n[3], torch.tensor([2.0, 0, 0]))
    assert torch.allclose(vertex_normals(VERTS, FACES)[0].norm(), torch.tensor(1.0))
    assert torch.allclose(vertex_face_areas(VERTS, FACES), torch.tensor([0.75, 0.5, 0.75, 1.0]))
    lonely = torch.cat([VERTS, torch.ones(1, 3)])
    assert float(vertex_face_areas(lonely, FACES)[-1]) == 0.0
    assert float(vertex_normals(lonely, FACES)[-1].abs().sum()) == 0.0


def test_vertex_normals_of_sphere_are_radial(dtype):
    v, f, _ = icosphere(2)
    v = v.to(dtype)
    assert (vertex_normals(v, f) * v).sum(1).min() > 0.99


def test_edges_from_faces_both_directions_unique_sorted():
    e = edges_from_faces(FACES)
    assert e.tolist() == [[0, 0, 0, 1, 1, 2, 2, 2, 3, 3], [1, 2, 3, 0, 2, 0, 1, 3, 0, 2]]
    assert unique_edges(FACES).tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [2, 3]]
    v, f, _ = icosphere(1)
    assert edges_from_faces(f).size(1) == 2 * 120                     # E = 3F / 2


def test_edges_match_pyg_face_to_edge():
    pyg = pytest.importorskip("torch_geometric")
    from torch_geometric.transforms import FaceToEdge
    v, f, _ = make_shape("torus", resolution=8)
    data = FaceToEdge()(pyg.data.Data(pos=v, face=f.t().contiguous()))
    assert torch.equal(data.edge_index, edges_from_faces(f))


@pytest.mark.parametrize("verts, faces, match", [
    (VERTS, torch.tensor([[0, 1, 4]]),
     r"'faces' has values in \[0, 4\] but there are only 4 vertices"),
    (VERTS, torch.tensor([[0, 1, -1]]), "'faces' has values in"),
    (VERTS, torch.tensor([[0, 1, 1]]), r"1 degenerate \(zero-area\) face\(s\), first at index 0"),
    (torch.tensor([[0.0, 0, 0], [1, 0, 0], [2, 0, 0]]), torch.tensor([[0, 1, 2]]), "degenerate"),
    (torch.empty(0, 3), torch.empty(0, 3, dtype=torch.long), "empty mesh"),
    (VERTS[:, :2], FACES, r"'verts' must have shape \[\*, 3\]"),
    (VERTS, FACES.t(), r"'faces' must have shape \[\*, 3\]"),
    (VERTS, FACES.float(), "'faces' must be an integer"),
    (VERTS.long(), FACES, "'verts' must be a floating point"),
    (VERTS * float("nan"), FACES, "'verts' contains 12 non-finite"),
])
def test_validate_mesh_errors(verts, faces, match):
    with pytest.raises(ValueError, match=match):
        validate_mesh(verts, faces)


def test_validate_mesh_allows_degenerate_on_request():
    validate_mesh(VERTS, torch.tensor([[0, 1, 1]]), allow_degenerate=True)
    validate_mesh(VERTS, FACES)
