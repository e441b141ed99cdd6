"""Smooth radial cutoff and a dense radius graph (torch only).

The polynomial envelope of DimeNet (Gasteiger, Gross, Guennemann, ICLR 2020, eq. 8), as
used by NequIP and Allegro:

    u(x) = 1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2),   x = r / r_max,

and u = 0 for x >= 1. u, u' and u'' vanish at x = 1, so an energy whose every message is
multiplied by u is twice continuously differentiable when atoms cross the cutoff.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ...graph import radius_graph


def polynomial_envelope(x: Tensor, p: int = 6) -> Tensor:
    """``u(x)`` above for ``x = r / r_max`` of any shape; exactly 0 for ``x >= 1``."""
    xc = x.clamp(max=1.0)
    out = (1.0 - (p + 1.0) * (p + 2.0) / 2.0 * xc.pow(p) + p * (p + 2.0) * xc.pow(p + 1)
           - p * (p + 1.0) / 2.0 * xc.pow(p + 2))
    return out * (x < 1.0).to(x.dtype)


class PolynomialEnvelope(nn.Module):
    """Smooth cutoff ``u(r / r_max)`` (:func:`polynomial_envelope`): ``[E] -> [E]``."""

    def __init__(self, r_max: float, *, p: int = 6) -> None:
        super().__init__()
        if not r_max > 0 or p < 2:
            raise ValueError(f"'r_max' must be > 0 and 'p' >= 2, got r_max={r_max}, p={p}")
        self.r_max, self.p = float(r_max), int(p)

    def forward(self, r: Tensor) -> Tensor:
        return polynomial_envelope(r / self.r_max, self.p)

    def __repr__(self) -> str:
        return f"PolynomialEnvelope(r_max={self.r_max:g}, p={self.p})"


def radius_edges(pos: Tensor, r_max: float, batch: Tensor | None = None) -> Tensor:
    """All ordered pairs ``i != j`` of one graph with ``|x_j - x_i| < r_max``.

    The shared :func:`symplugins.graph.radius_graph` with no neighbour cap (no silent
    truncation; the cell-list search takes over for large systems). Returns
    ``edge_index [2, E]`` with row 0 = source/neighbour ``j``, row 1 = target ``i``.
    """
    with torch.no_grad():
        return radius_graph(pos.detach(), r_max, batch, loop=False, max_num_neighbors=None)
