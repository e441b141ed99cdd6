"""A zoo of tiny live networks in several styles (Sequential, custom forward, bare blocks)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SinMLP(nn.Module):
    """Custom forward: sin, leaky relu, method tanh, a residual add, a bias-free layer."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.Linear(4, 7), nn.Linear(7, 7), nn.Linear(7, 6, bias=False)
        self.d, self.out = nn.Linear(6, 5), nn.Linear(5, 3)

    def forward(self, x):
        h = torch.sin(self.a(x))
        h = h + self.b(h).tanh()
        h = F.leaky_relu(self.c(h), 0.1)
        return self.out(torch.sigmoid(self.d(h)))


class ConvNet1d(nn.Module):
    """Custom CNN: Conv1d, BatchNorm (eval), relu, adaptive pool, view-flatten, Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn = nn.Conv1d(2, 5, 3), nn.BatchNorm1d(5)
        self.conv2 = nn.Conv1d(5, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 3, 3)

    def forward(self, x):
        h = F.relu(self.bn(self.conv1(x)))
        h = F.adaptive_avg_pool1d(torch.tanh(self.conv2(h)), 3)
        return self.fc(h.view(h.size(0), -1))


class TinyTransformer(nn.Module):
    """Linear embedding + post-norm ReLU TransformerEncoder + mean pooling + head."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 8)
        layer = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.encoder(self.embed(x)).mean(dim=1))


class TokenTransformer(nn.Module):
    """Embedding + positional parameter + pre-norm GELU layer + first-token readout."""

    def __init__(self) -> None:
        super().__init__()
        self.tok = nn.Embedding(10, 8)
        self.pos = nn.Parameter(torch.randn(5, 8))
        self.block = nn.TransformerEncoderLayer(8, 4, 16, dropout=0.0, activation="gelu",
                                                norm_first=True, batch_first=True)
        self.head = nn.Linear(8, 2)

    def forward(self, idx):
        return self.head(self.block(self.tok(idx) + self.pos)[:, 0])


class CrossAttention(nn.Module):
    """MultiheadAttention with kdim/vdim (separate projections), residual and LayerNorm."""

    def __init__(self) -> None:
        super().__init__()
        self.q, self.kv = nn.Linear(3, 6), nn.Linear(5, 4)
        self.attn = nn.MultiheadAttention(6, 3, kdim=4, vdim=4, batch_first=True)
        self.norm, self.out = nn.LayerNorm(6), nn.Linear(6, 2)

    def forward(self, x, y):
        q, kv = self.q(x), torch.relu(self.kv(y))
        a, _ = self.attn(q, kv, kv, need_weights=False)
        return self.out(self.norm(q + a)).sum(dim=1)


def call(model, inputs) -> torch.Tensor:
    """``model(*inputs)`` as one tensor: a tuple output (``nn.MultiheadAttention`` returns
    ``(output, head-averaged attention weights)``) is flattened and concatenated."""
    out = model(*inputs)
    if isinstance(out, tuple):
        out = torch.cat([t.reshape(-1) for t in out if t is not None])
    return out


def _bare_encoder() -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0, batch_first=True)
    return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)


def _zoo():
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)  # noqa: E731
    cnn = nn.Sequential(nn.Conv2d(3, 6, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 5, 3, padding=1, bias=False),
                        nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(5 * 2 * 2, 4))
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 5, bias=False),
                        nn.LeakyReLU(0.2), nn.Linear(5, 5), nn.GELU(), nn.Linear(5, 3))
    idx = torch.randint(0, 10, (3, 5), generator=g)
    return {
        "mlp_sequential": (mlp, (r(6, 4),), False),
        "mlp_custom_sin": (SinMLP(), (r(6, 4),), False),
        "cnn_sequential": (cnn, (r(2, 3, 10, 10),), False),
        "cnn_custom_conv1d": (ConvNet1d(), (r(3, 2, 9),), False),
        "transformer_encoder": (TinyTransformer(), (r(2, 5, 4),), True),
        "transformer_tokens_prenorm": (TokenTransformer(), (idx,), True),
        "cross_attention": (CrossAttention(), (r(2, 4, 3), r(2, 6, 5)), True),
        # bare blocks at the top level (the fx root is itself a leaf type)
        "bare_transformer_encoder": (_bare_encoder(), (r(2, 5, 8),), True),
        "bare_encoder_layer_postnorm": (nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0), (r(5, 2, 8),), False),
        "bare_encoder_layer_prenorm": (nn.TransformerEncoderLayer(8, 4, 10, dropout=0.0, activation="gelu",
                                                                  norm_first=True, batch_first=True),
                                       (r(2, 5, 8),), False),
        "bare_multihead_attention": (nn.MultiheadAttention(6, 3), (r(4, 2, 6), r(5, 2, 6), r(5, 2, 6)), True),
    }
