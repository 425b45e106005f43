"""The GenRe recourse model R(x+ | x): a transformer encoder-decoder over features.

Each raw feature is one token. The encoder reads the rejected row x; the
decoder reads x+ shifted right (a learned start token first) with causal
self-attention and cross-attention on the encoder, and outputs per feature
logits over that feature's bins (continuous) or categories. Pre-norm blocks
train stably at the learning rates that make CPU training short.

Sampling is autoregressive over the d features. The encoder runs once per
row and its keys/values are shared by every sample of the row; the decoder
keeps each layer's self-attention keys/values, so step j costs one token,
not j.
"""

import torch
from torch import nn
from torch.nn import functional as F


def _softmax_last(scores):
    """Softmax over the last axis, written out: for the few dozen keys of a
    sampling step ``torch.softmax`` is about 6x slower on CPU."""
    e = (scores - scores.amax(dim=-1, keepdim=True)).exp()
    return e / e.sum(dim=-1, keepdim=True)


class _Attention(nn.Module):
    def __init__(self, d_model, n_heads, dropout):
        super().__init__()
        self.n_heads = n_heads
        self.query = nn.Linear(d_model, d_model)
        self.key_value = nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = dropout

    def split(self, x):
        n, length, width = x.shape
        return x.view(n, length, self.n_heads, width // self.n_heads).transpose(1, 2)

    def keys_values(self, source):
        k, v = self.key_value(source).chunk(2, dim=-1)
        return self.split(k), self.split(v)

    def forward(self, x, keys, values, causal=False):
        """Attention of ``x`` (n, L, d_model) to ``keys``/``values`` (m, heads, S, width).

        ``m`` may divide ``n``: then consecutive groups of ``n // m`` one-query
        sequences share one set of keys (a row's samples attending to its
        encoder output), which is never copied per sample.
        """
        q = self.split(self.query(x))
        n = q.shape[0]
        if q.shape[2] == 1 and not self.training:
            # one query per sequence (a sampling step): plain matrix products
            # beat the fused kernel for a few dozen keys on CPU
            group = n // keys.shape[0]
            if group > 1:  # (n, heads, 1, w) -> (m, heads, group, w)
                q = q.view(keys.shape[0], group, self.n_heads, -1).transpose(1, 2)
            h = _softmax_last(q @ keys.transpose(-2, -1) * q.shape[-1] ** -0.5) @ values
            if group > 1:
                h = h.transpose(1, 2).reshape(n, self.n_heads, 1, -1)
        else:
            p = self.dropout if self.training else 0.0
            h = F.scaled_dot_product_attention(q, keys, values, dropout_p=p, is_causal=causal)
        _, _, length, _ = h.shape
        return self.out(h.transpose(1, 2).reshape(n, length, -1))


class _FeedForward(nn.Sequential):
    def __init__(self, d_model, width, dropout):
        super().__init__(
            nn.Linear(d_model, width), nn.GELU(), nn.Dropout(dropout), nn.Linear(width, d_model)
        )


class _EncoderLayer(nn.Module):
    def __init__(self, d_model, n_heads, width, dropout):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = _Attention(d_model, n_heads, dropout)
        self.feed_forward = _FeedForward(d_model, width, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.drop(self.attention(h, *self.attention.keys_values(h)))
        return x + self.drop(self.feed_forward(self.norm2(x)))


class _DecoderLayer(nn.Module):
    def __init__(self, d_model, n_heads, width, dropout):
        super().__init__()
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(d_model) for _ in range(3))
        self.self_attention = _Attention(d_model, n_heads, dropout)
        self.cross_attention = _Attention(d_model, n_heads, dropout)
        self.feed_forward = _FeedForward(d_model, width, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, memory_kv, cache=None):
        """``cache``: None for a whole causal sequence, else the dict of one sampling run.

        The cache holds keys and values of all positions so far in buffers
        allocated once for the whole sequence, filled one position per step.
        """
        h = self.norm1(x)
        k, v = self.self_attention.keys_values(h)
        if cache is None:
            x = x + self.drop(self.self_attention(h, k, v, causal=True))
        else:
            t = cache.setdefault("length", 0)
            if t == 0:
                n, heads, _, width = k.shape
                cache["k"] = k.new_empty(n, heads, cache["size"], width)
                cache["v"] = v.new_empty(n, heads, cache["size"], width)
            cache["k"][:, :, t : t + 1] = k
            cache["v"][:, :, t : t + 1] = v
            cache["length"] = t + 1
            # one new query attends to every earlier position: no mask needed
            x = x + self.self_attention(h, cache["k"][:, :, : t + 1], cache["v"][:, :, : t + 1])
        x = x + self.drop(self.cross_attention(self.norm2(x), *memory_kv))
        return x + self.drop(self.feed_forward(self.norm3(x)))


class _TokenEmbedding(nn.Module):
    """Continuous values through a small MLP, categories through a table."""

    def __init__(self, is_categorical, n_categories, d_model):
        super().__init__()
        self.register_buffer("is_categorical", torch.as_tensor(is_categorical, dtype=torch.bool))
        offsets = torch.cumsum(torch.as_tensor([0] + list(n_categories[:-1])), 0)
        self.register_buffer("offsets", offsets.long())
        self.scalar = nn.Sequential(nn.Linear(1, d_model), nn.GELU(), nn.Linear(d_model, d_model))
        # one spare row: continuous features index it (their table output is unused)
        self.table = nn.Embedding(int(sum(n_categories)) + 1, d_model)

    def forward(self, values, features):
        """``values`` (n, L): scaled values or category codes of ``features`` (L,)."""
        cat = self.is_categorical[features]
        codes = torch.where(cat, values, torch.zeros_like(values)).long()
        table = self.table(codes + self.offsets[features])
        scalar = self.scalar(torch.where(cat, torch.zeros_like(values), values).unsqueeze(-1))
        return torch.where(cat.unsqueeze(-1), table, scalar)


class RecourseTransformer(nn.Module):
    """Encoder-decoder giving per-feature bin logits of x+ given x.

    Parameters
    ----------
    is_categorical : sequence of bool, one per feature
    n_categories : sequence of int, categories per feature (0 for continuous)
    n_bins : sequence of int, output classes per feature (bins or categories)
    d_model, n_heads, n_encoder_layers, n_decoder_layers, dim_feedforward, dropout
        Transformer sizes.
    """

    def __init__(
        self,
        is_categorical,
        n_categories,
        n_bins,
        d_model=64,
        n_heads=4,
        n_encoder_layers=2,
        n_decoder_layers=2,
        dim_feedforward=128,
        dropout=0.0,
    ):
        super().__init__()
        d = len(n_bins)
        self.n_features = d
        self.max_bins = int(max(n_bins))
        self.source_embedding = _TokenEmbedding(is_categorical, n_categories, d_model)
        self.target_embedding = _TokenEmbedding(is_categorical, n_categories, d_model)
        self.source_position = nn.Parameter(torch.randn(d, d_model) * 0.02)
        self.target_position = nn.Parameter(torch.randn(d, d_model) * 0.02)
        self.start = nn.Parameter(torch.randn(d_model) * 0.02)
        args = (d_model, n_heads, dim_feedforward, dropout)
        self.encoder = nn.ModuleList(_EncoderLayer(*args) for _ in range(n_encoder_layers))
        self.decoder = nn.ModuleList(_DecoderLayer(*args) for _ in range(n_decoder_layers))
        self.encoder_norm = nn.LayerNorm(d_model)
        self.decoder_norm = nn.LayerNorm(d_model)
        # one output head per feature, stored as a batch of weights
        self.head_weight = nn.Parameter(torch.randn(d, d_model, self.max_bins) * d_model**-0.5)
        self.head_bias = nn.Parameter(torch.zeros(d, self.max_bins))
        valid = torch.arange(self.max_bins)[None, :] < torch.as_tensor(list(n_bins))[:, None]
        self.register_buffer("valid_bins", valid)
        self.register_buffer("features", torch.arange(d))

    def encode(self, source):
        """Encoder states of rows ``source`` (n, d) and each decoder layer's cross keys/values."""
        h = self.source_embedding(source, self.features) + self.source_position
        for layer in self.encoder:
            h = layer(h)
        memory = self.encoder_norm(h)
        return [layer.cross_attention.keys_values(memory) for layer in self.decoder]

    def _logits(self, h, features):
        """Per-feature head on states ``h`` (n, L, d_model) of ``features`` (L,)."""
        if len(features) == 1:  # a sampling step: one plain matrix product
            logits = h @ self.head_weight[features[0]]
        else:
            logits = torch.einsum("nld,ldb->nlb", h, self.head_weight[features])
        logits = logits + self.head_bias[features]
        return logits.masked_fill(~self.valid_bins[features], -1e9)

    def forward(self, source, target):
        """Teacher-forced logits (n, d, max_bins) of ``target`` given ``source``."""
        memory_kv = self.encode(source)
        shifted = self.target_embedding(target[:, :-1], self.features[:-1])
        start = self.start.expand(len(target), 1, -1)
        h = torch.cat([start, shifted], dim=1) + self.target_position
        for layer, kv in zip(self.decoder, memory_kv):
            h = layer(h, kv)
        return self._logits(self.decoder_norm(h), self.features)

    def new_caches(self):
        """Empty decoder caches for one sampling run over the features."""
        return [{"size": self.n_features} for _ in self.decoder]

    def step(self, previous, j, memory_kv, caches, n_samples=1):
        """Logits (n, max_bins) of feature ``j`` given the value of feature ``j - 1``.

        ``previous`` is None for ``j == 0``; ``caches`` holds one dict per layer,
        made by :meth:`new_caches`. With ``n_samples > 1`` the n sequences are
        ``n_samples`` consecutive draws for each row of ``memory_kv``.
        """
        if previous is None:
            n = memory_kv[0][0].shape[0] * n_samples
            h = self.start.expand(n, 1, -1)
        else:
            h = self.target_embedding(previous[:, None], self.features[j - 1 : j])
        h = h + self.target_position[j]
        for layer, kv, cache in zip(self.decoder, memory_kv, caches):
            h = layer(h, kv, cache)
        return self._logits(self.decoder_norm(h), self.features[j : j + 1])[:, 0]
