"""The EMNN layer: EGNN edge messages plus a face term with normals and areas.

Trang, Ngo, Levy, Vo, Ravanbakhsh, Hy, "E(3)-Equivariant Mesh Neural Networks",
AISTATS 2024 (arXiv 2402.04821); edge part from Satorras et al., "E(n) Equivariant Graph
Neural Networks", ICML 2021.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .checks import check_mesh_inputs
from .terms import edge_term, face_term

MODES = ("E3", "SE3")


def _mlp(sizes: list[int], *, last_act: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if last_act or k < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


def _coord_mlp(hidden: int, out: int) -> nn.Sequential:
    """EGNN's coordinate head: ends in a bias-free Linear with tiny xavier init (gain 1e-3)."""
    mlp = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, out, bias=False))
    return mlp


def _pair(v: int | tuple[int, int], name: str) -> tuple[int, int]:
    pair = (v, v) if isinstance(v, int) else tuple(v)
    if len(pair) != 2 or any(not isinstance(c, int) or c < 1 for c in pair):
        raise ValueError(f"'{name}' must be a positive int or a pair (in, out) of them, got {v!r}")
    return pair  # type: ignore[return-value]


class EMNNConv(nn.Module):
    r"""E(3)-equivariant mesh convolution (one EMNN layer).

    Edge messages (EGNN) over ``edge_index`` (row 0 = source ``j``, row 1 = target ``i``)::

        m_ij   = phi_e(h_i, h_j, |X_i^c - X_j^c|^2 (per channel c), a_ij = 1/deg_i)
        dX_i  += mean_j (X_i - X_j) Phi_x(m_ij)                      # Phi_x: C_in x C_out

    Face messages for every face ``f = (p0, p1, p2)`` and each corner ``k``::

        n_f^c  = (X_p0^c - X_p1^c) x (X_p0^c - X_p2^c),  a_f^c = |n_f^c| / 2
        m_fk   = phi_f(h_pk, mean(h of the other two corners), a_f)
        dX_pk += u_fk Phi_f(m_fk),      summed over the faces at p_k   # Phi_f: one Linear

    Update: ``h_i' = h_i + phi_h(h_i, sum_j m_ij, m_i^f)`` (residual when sizes match), with
    ``m_i^f = sum_f m_fk`` (``paper_face_mlp=True``) or, by default, the same sum with the last
    SiLU of ``phi_f`` moved after it (see the deviations below),
    ``X_i' = P^T X_i + dX_i`` with ``P = diag(1, W)``: channel 0 is the position (a point, it
    translates), channels ``1..`` are free vectors (e.g. vertex normals) mixed by ``W``.

    Reflections: ``n_f`` is a pseudovector (under ``x -> Qx`` it becomes
    ``det(Q) Q n_f``). ``mode="SE3"`` uses ``u_fk = n_f`` as in the paper: equivariant
    for rotations only, a reflection flips the face update. ``mode="E3"`` (default) uses
    ``u_fk = s_fk n_f`` with the pseudoscalar ``s_fk = n_f.L_k / (|n_f| |L_k|)``, where
    ``L_k = mean_j (X_j - X_pk)`` is the umbrella Laplacian (mean-curvature vector) at the
    corner: ``s_fk n_f = (n_f n_f^T) L_k / (|n_f| |L_k|)`` is even in ``n_f``, hence a true
    vector, and the layer is E(3)-equivariant (both determinants). ``|L_k|`` is regularised
    as ``sqrt(|L_k|^2 + eps^2)``, so on flat patches (``L_k = 0``) the face update vanishes
    smoothly and the edge update remains. On a star-shaped outward-oriented mesh
    ``s_fk`` is close to -1 at convex corners, i.e. E3 mode is the paper's term up to a
    smooth learned-away sign/scale.

    Deviations from the paper: ``Phi_f`` is a single bias-free Linear (tiny init) rather than
    an MLP; and by default the last SiLU of ``phi_f = Linear-SiLU-Linear-SiLU`` is applied after
    the sum over the faces at a vertex: ``m_i^f = silu(W2 sum_fk s_fk + n_i b2)`` with
    ``s_fk = silu(W1 x_fk + b1)``, while ``Phi_f`` sees the corner's pre-activation
    ``W2 s_fk + b2``. ``W2`` then commutes with the sum, so only a gather, one SiLU and a
    scatter remain on the ``3F`` corner rows (as many as the edge term's ``E`` rows, where
    ``phi_e`` and ``Phi_x`` run three H-wide layers); ``W2`` and the last SiLU run on the ``N``
    vertex rows and ``Phi_f`` is one ``H -> C_in C_out`` map per corner (``terms.face_term``).
    ``paper_face_mlp=True`` keeps the paper's order (every layer per corner; same parameters).
    Measured on the procedural benchmark (``benchmarks/results/emnn.md``, seeds 0-4, E3
    mode, one shared CPU core): a 4-layer training step costs 1.56x / 1.58x EGNN's
    (classification / segmentation) in this order and 1.86x / 1.71x in the paper's;
    segmentation accuracy under rotation 0.777 +- 0.083 (this order; one seed at 0.647) vs
    0.820 +- 0.029 (paper's), and with 3 layers + hierarchy 0.887 +- 0.025 vs 0.912 +- 0.030
    (``benchmarks/results/emnn_variants.md``): the paper's order is ahead on the mean in both,
    within about one seed spread; with no last SiLU at all (``phi_f = Linear-SiLU-Linear``,
    tried and dropped) 0.787 +- 0.017 over seeds 0-2; classification >= 0.99 for all.
    Not a deviation, only an evaluation order: the first Linear of ``phi_e``/``phi_f`` is
    applied per vertex and gathered (see ``terms``), in code shared with the faceless EGNN
    (``use_faces=False``).

    Shapes: ``h [N, in_channels]``, ``pos [N, 3]`` or ``[N, C_in, 3]`` (channel 0 = the
    position), ``edge_index [2, E]``, ``face [3, F]`` (or None) -> ``(h' [N, out_channels],
    pos' [N, 3]`` (when ``C_out = 1`` and ``pos`` was ``[N, 3]``) or ``[N, C_out, 3])``.
    """

    def __init__(self, in_channels: int, out_channels: int, *, hidden: int | None = None,
                 vector_channels: int | tuple[int, int] = 1, mode: str = "E3",
                 use_faces: bool = True, update_coords: bool = True, eps: float = 1e-6,
                 paper_face_mlp: bool = False):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"'mode' must be one of {MODES} (E3: reflection-correct face term; "
                             f"SE3: the paper's term, rotations only), got {mode!r}")
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"'{name}' must be a positive int, got {v!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.hidden = hidden or out_channels
        self.c_in, self.c_out = _pair(vector_channels, "vector_channels")
        self.mode, self.use_faces, self.update_coords, self.eps = mode, use_faces, update_coords, eps
        self.paper_face_mlp = paper_face_mlp
        f, h, ci, co = in_channels, self.hidden, self.c_in, self.c_out
        self.phi_e = _mlp([2 * f + ci + 1, h, h])
        self.phi_x = _coord_mlp(h, ci * co) if update_coords else None
        self.phi_f = _mlp([2 * f + ci, h, h]) if use_faces else None
        self.phi_xf = nn.Sequential(nn.Linear(h, ci * co, bias=False)) \
            if (use_faces and update_coords) else None
        self.phi_h = _mlp([f + (2 if use_faces else 1) * h, h, out_channels], last_act=False)
        self.mix = nn.Parameter(torch.empty(ci - 1, co - 1)) if min(ci, co) > 1 else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Default Linear init; coordinate heads xavier with gain 1e-3; ``W`` = identity."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
        for head in (self.phi_x, self.phi_xf):
            if head is not None:
                nn.init.xavier_uniform_(head[-1].weight, gain=1e-3)
        if self.mix is not None:
            with torch.no_grad():
                self.mix.copy_(torch.eye(*self.mix.shape))

    def forward(self, h: Tensor, pos: Tensor, edge_index: Tensor, face: Tensor | None = None,
                *, validate: bool = True) -> tuple[Tensor, Tensor]:
        """One EMNN update; returns ``(h', pos')`` (see the class docstring for shapes).

        ``validate=False`` skips the input checks (for callers that already ran them).
        """
        squeeze = pos.dim() == 2
        X = pos.unsqueeze(1) if squeeze else pos
        if validate:
            check_mesh_inputs(h, X, edge_index, face if self.use_faces else None,
                              channels=(self.in_channels, self.c_in))
        e3_faces = self.use_faces and self.mode == "E3"
        m_i, dX, lap = edge_term(h, X, edge_index, self.phi_e, self.phi_x, self.c_out,
                                 laplacian=e3_faces)
        parts = [h, m_i]
        if self.use_faces:
            face = face if face is not None else edge_index.new_zeros(3, 0)
            m_f, dXf = face_term(h, X, face, self.phi_f, self.phi_xf, self.c_out,
                                 lap=lap, eps=self.eps, per_corner=self.paper_face_mlp)
            parts.append(m_f)
            dX = dXf if dX is None else (dX if dXf is None else dX + dXf)
        out = self.phi_h(torch.cat(parts, dim=-1))
        h_new = h + out if self.in_channels == self.out_channels else out
        X_new = self._mix(X) + (dX if dX is not None else 0.0)
        return h_new, (X_new.squeeze(1) if squeeze and self.c_out == 1 else X_new)

    def _mix(self, X: Tensor) -> Tensor:
        """``X P`` with ``P = diag(1, W)``: position passes, vector channels are mixed."""
        if self.c_out == 1:
            return X[:, :1]
        if self.mix is None:
            return torch.cat([X[:, :1], X.new_zeros(X.shape[0], self.c_out - 1, 3)], dim=1)
        return torch.cat([X[:, :1], torch.einsum("ncx,cd->ndx", X[:, 1:], self.mix)], dim=1)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        faces = f"faces, mode={self.mode}" if self.use_faces else "no faces"
        faces += ", paper phi_f" if self.use_faces and self.paper_face_mlp else ""
        return (f"{type(self).__name__}({self.in_channels} -> {self.out_channels}, vectors "
                f"{self.c_in} -> {self.c_out}, {faces} | {n:,} params)")
