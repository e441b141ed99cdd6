"""fps against a plain per-graph loop reference."""
import math

import pytest
import torch

from symplugins.graph import fps


def reference_fps(x, sizes, ratio):
    """Greedy FPS per graph starting at its first point (global indices)."""
    out, start = [], 0
    for n in sizes:
        pts = x[start:start + n].double()
        m = math.ceil(n * ratio) if n else 0
        picked, mind = [], torch.full((n,), float("inf"), dtype=torch.float64)
        cur = 0
        for _ in range(m):
            picked.append(cur)
            mind = torch.minimum(mind, ((pts - pts[cur]) ** 2).sum(1))
            cur = int(mind.argmax())
        out += [start + p for p in picked]
        start += n
    return out


@pytest.mark.parametrize("ratio", [0.25, 0.5, 1.0])
def test_fps_matches_reference(ratio, dtype):
    gen = torch.Generator().manual_seed(90210)
    sizes = [13, 0, 1, 8, 21]
    x = torch.randn(sum(sizes), 3, generator=gen)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    idx = fps(x, batch, ratio=ratio, random_start=False)
    assert idx.tolist() == reference_fps(x, sizes, ratio)


def test_fps_counts_random_start_and_generator():
    sizes = [10, 3, 0, 7]
    x = torch.randn(sum(sizes), 2, generator=torch.Generator().manual_seed(4444))
    batch = torch.repeat_interleave(torch.arange(4), torch.tensor(sizes))
    a = fps(x, batch, 0.3, generator=torch.Generator().manual_seed(1))
    b = fps(x, batch, 0.3, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    counts = torch.bincount(batch[a], minlength=4).tolist()
    assert counts == [math.ceil(n * 0.3) for n in sizes]
    for g in range(4):  # unique, inside their own graph
        assert len(set(a[batch[a] == g].tolist())) == counts[g]
    starts = {int(fps(x[:10], ratio=0.1)[0]) for _ in range(30)}
    assert len(starts) > 1                      # random start really varies


def test_fps_first_picks_farthest():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0], [2.0, 0.0]])
    assert fps(x, ratio=0.5, random_start=False).tolist() == [0, 2]
    assert fps(torch.empty(0, 3)).numel() == 0
