"""Bad input raises ValueError naming the argument and the problem."""
import pytest
import torch

from symplugins.graph import fps, knn, knn_graph, radius, radius_graph

X = torch.randn(6, 3)
B = torch.tensor([0, 0, 0, 1, 1, 1])


@pytest.mark.parametrize("call, match", [
    (lambda: knn(X, X, 0), "'k' must be a positive integer, got 0"),
    (lambda: knn_graph(X, -2), "'k' must be a positive integer"),
    (lambda: knn(X, X, 2.5), "'k' must be a positive integer"),
    (lambda: knn(X, X, torch.tensor(2.5)), "'k' must be a positive integer"),
    (lambda: radius(X, X, 0.0), r"'r' must be a finite radius > 0"),
    (lambda: radius_graph(X, float("nan")), r"'r' must be a finite radius > 0"),
    (lambda: radius_graph(X, 1.0, max_num_neighbors=0), "'max_num_neighbors' must be a positive"),
    (lambda: fps(X, ratio=0.0), r"'ratio' must lie in \(0, 1\]"),
    (lambda: fps(X, ratio=1.5), r"'ratio' must lie in \(0, 1\]"),
    (lambda: knn(X, X, 2, B[:5], None),
     r"'batch_x' must be a 1-D tensor with one entry per point \(6\)"),
    (lambda: radius(X, X, 1.0, None, B[:4]), "'batch_y' must be a 1-D tensor"),
    (lambda: knn_graph(X, 2, B.flip(0)), "'batch' must be sorted in ascending order"),
    (lambda: knn_graph(X, 2, B.float()), "'batch' must be an integer tensor"),
    (lambda: knn(X, X[:, :2], 2), "'x' has 3 dims per point but 'y' has 2"),
    (lambda: knn(X, X.double(), 2), "cast inputs to one dtype"),
    (lambda: knn(torch.randn(2, 3, 3), X, 2), r"'x' must have shape \[num_points, num_dims\]"),
    (lambda: knn(X.long(), X, 2), "'x' must be a floating point tensor"),
    (lambda: knn_graph(torch.tensor([[0.0, float("nan"), 0.0]]), 1), "'x' contains 1 non-finite"),
    (lambda: radius(X, torch.full((1, 3), float("inf")), 1.0), "'y' contains 3 non-finite"),
    (lambda: knn_graph(X, 2, flow="in"), "'flow' must be 'source_to_target' or"),
    (lambda: knn_graph(X, 2, B, batch_size=1), "'batch_size' is 1 but the batch vectors"),
    (lambda: knn(X, X, 2, backend="cuda"), "'backend' must be one of"),
    (lambda: radius(X, X, 1.0, method="kdtree"), "'method' must be one of"),
    (lambda: knn(torch.randn(4, 5), torch.randn(2, 5), 2, method="grid"),
     "method='grid' supports points with 1 to 3 dims, got 5; use method='brute'"),
])
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
