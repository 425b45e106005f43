"""Training and forward sampling of the GenRe model (plain torch loops).

Features are tokens with one scalar each: a continuous feature's value in
encoded units ([0, 1] over the training range), a categorical feature's
category code. The output of a continuous feature is a distribution over
``n_bins`` equal-width bins of its range in D_h^+; of a categorical feature,
over its categories.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F


@dataclass
class Bins:
    """Output classes per feature: centres and widths (width 0 for categories and
    for a feature constant over D_h^+, whose single bin is its value)."""

    centers: np.ndarray  # (d, max_bins), NaN beyond a feature's bins
    widths: np.ndarray  # (d,)
    counts: np.ndarray  # (d,) bins per feature
    categorical: np.ndarray  # (d,) bool

    @classmethod
    def from_targets(cls, tokens, categorical, n_categories, n_bins):
        d = tokens.shape[1]
        counts = np.where(categorical, np.maximum(n_categories, 1), n_bins)
        lo, hi = tokens.min(axis=0), tokens.max(axis=0)
        # a feature constant over D_h^+ gets a single bin of width 0 at its value
        counts = np.where(~categorical & (hi <= lo), 1, counts)
        widths = np.where(categorical | (hi <= lo), 0.0, (hi - lo) / counts)
        centers = np.full((d, int(counts.max())), np.nan)
        for j in range(d):
            k = np.arange(counts[j])
            centers[j, : counts[j]] = k if categorical[j] else lo[j] + (k + 0.5) * widths[j]
        return cls(centers, widths, counts, np.asarray(categorical, dtype=bool))

    @property
    def valid(self):
        return np.isfinite(self.centers)


def soft_labels(targets, bins):
    """Eq. 8 soft labels (n, d, max_bins): RBF kernel weights normalised over bins.

    Continuous feature: K((x_j - mu_k) / w_j) with K(u) = exp(-u**2 / 2), the
    width being the bin width; categorical feature: one-hot on the category.
    """
    centers = torch.as_tensor(bins.centers, dtype=targets.dtype)
    valid = torch.isfinite(centers)
    widths = torch.as_tensor(np.where(bins.widths > 0, bins.widths, 1.0), dtype=targets.dtype)
    u = (targets[:, :, None] - torch.nan_to_num(centers)) / widths[:, None]
    log_kernel = (-0.5 * u**2).masked_fill(~valid, -torch.inf)
    continuous = torch.softmax(log_kernel, dim=-1)
    categorical = (targets[:, :, None].round() == torch.nan_to_num(centers, nan=-1.0)).to(
        targets.dtype
    )
    is_cat = torch.as_tensor(bins.categorical)[None, :, None]
    return torch.where(is_cat, categorical, continuous)


def soft_label_loss(logits, labels):
    """Eq. 8: cross entropy against soft labels, summed over features, mean over rows."""
    return -(labels * F.log_softmax(logits, dim=-1)).sum(dim=(1, 2)).mean()


@dataclass
class TrainingResult:
    train_loss: list
    validation_loss: list
    n_epochs: int
    best_epoch: int


def train(
    model,
    source,
    targets,
    partners,
    probabilities,
    bins,
    *,
    learning_rate,
    batch_size,
    max_epochs,
    validation_fraction,
    n_iter_no_change,
    tol,
    rng,
    verbose,
):
    """Fit ``model`` on pairs (source row, partner drawn from Q), resampled each epoch.

    Early stopping on the loss of held-out sources (their partners drawn once),
    keeping the best weights. Learning rate: linear warm-up over the first
    epoch, then cosine decay to zero at ``max_epochs``.
    """
    from tqdm.auto import tqdm

    from ._pairs import draw_partners

    n = len(source)
    order = rng.permutation(n)
    # at least one source row is trained on
    n_val = min(int(round(validation_fraction * n)), n - 1) if validation_fraction else 0
    if n_val >= 1:
        val_rows, train_rows = order[:n_val], order[n_val:]
    else:
        val_rows, train_rows = order[:0], order
    source_t = torch.as_tensor(source, dtype=torch.float32)
    targets_t = torch.as_tensor(targets, dtype=torch.float32)
    if len(val_rows):
        draws = 4
        val_src = np.repeat(val_rows, draws)
        val_tgt = draw_partners(partners[val_src], probabilities[val_src], rng)
    steps_per_epoch = max(1, int(np.ceil(len(train_rows) / batch_size)))
    total = steps_per_epoch * max_epochs
    warmup = steps_per_epoch

    def schedule(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + np.cos(np.pi * min(1.0, (step - warmup) / max(1, total - warmup))))

    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    history_train, history_val = [], []
    best, best_state, best_epoch, stale = np.inf, None, 0, 0
    bar = tqdm(range(max_epochs), disable=not verbose, desc="GenRe", unit="epoch")
    for epoch in bar:
        model.train()
        partner = draw_partners(partners[train_rows], probabilities[train_rows], rng)
        perm = rng.permutation(len(train_rows))
        total_loss = 0.0
        for start in range(0, len(perm), batch_size):
            batch = perm[start : start + batch_size]
            x = source_t[train_rows[batch]]
            t = targets_t[partner[batch]]
            loss = soft_label_loss(model(x, t), soft_labels(t, bins))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(batch)
        history_train.append(total_loss / len(perm))
        monitored = history_train[-1]
        if len(val_rows):
            monitored = _evaluate(model, source_t[val_src], targets_t[val_tgt], bins, batch_size)
            history_val.append(monitored)
        if not (np.isfinite(history_train[-1]) and np.isfinite(monitored)):
            bar.close()
            raise ValueError(
                f"GenRe training diverged: the loss is {history_train[-1]} at epoch "
                f"{epoch + 1} (learning_rate={learning_rate}); lower learning_rate."
            )
        if monitored < best - tol:
            best, best_epoch, stale = monitored, epoch + 1, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
        bar.set_postfix(loss=f"{history_train[-1]:.3f}", val=f"{monitored:.3f}")
        if n_iter_no_change and stale >= n_iter_no_change:
            break
    bar.close()
    model.load_state_dict(best_state)
    model.eval()
    return TrainingResult(history_train, history_val, epoch + 1, best_epoch)


@torch.no_grad()
def _evaluate(model, source, targets, bins, batch_size):
    model.eval()
    total = 0.0
    for start in range(0, len(source), 4 * batch_size):
        x, t = source[start : start + 4 * batch_size], targets[start : start + 4 * batch_size]
        total += float(soft_label_loss(model(x, t), soft_labels(t, bins))) * len(x)
    return total / len(source)


@torch.no_grad()
def forward_sample(
    model,
    source,
    n_samples,
    bins,
    *,
    low,
    high,
    fixed,
    temperature,
    sigma,
    bin_value,
    uniforms,
    max_sequences=8192,
):
    """Algorithm 2, batched: ``n_samples`` draws of x+ per row of ``source``.

    Constraints are applied while sampling, so later features are drawn
    given feasible earlier ones: a feature in ``fixed`` keeps the row's value;
    a continuous bin is drawable only if it meets the row's feasible range
    [``low``, ``high``] and the drawn value is clipped to that range. With
    ``bin_value="center"`` the value of a drawn bin is its centre (the paper),
    with ``"nearest"`` the point of the bin closest to the row's own value
    (the row's value itself when the bin holds it); ``"both"`` conditions on
    the centre and returns the nearest-value variant of every draw as well.
    ``sigma`` adds Gaussian noise (Algorithm 2, line 6). ``temperature=inf``
    takes the most likely bin.

    ``uniforms`` of shape (n_streams, n, n_samples, d) are the random
    numbers: the first stream draws the bins, two more make the noise when
    ``sigma > 0`` (Box-Muller). Keyed by row (see :func:`row_uniforms`), they
    make a row's draws independent of the other rows in the batch and of
    its position.

    Returns token values of shape (n, n_samples, d), or (n, 2 * n_samples, d)
    for ``"both"`` (the centre draws first, then their nearest variants).
    """
    model.eval()
    n, d = source.shape
    variants = 2 if bin_value == "both" else 1
    out = np.empty((n, variants * n_samples, d))
    centers = np.nan_to_num(bins.centers, nan=np.inf)
    half = bins.widths[:, None] / 2
    lo_edge, hi_edge = centers - half, centers + half
    rows_per_chunk = max(1, max_sequences // n_samples)
    for start in range(0, n, rows_per_chunk):
        rows = slice(start, start + rows_per_chunk)
        x = source[rows]
        m = len(x)
        # one encoder pass per row; its samples share the cross-attention keys
        memory_kv = model.encode(torch.as_tensor(x, dtype=torch.float32))
        caches = model.new_caches()
        x_rep = np.repeat(x, n_samples, axis=0)
        lo_rep = np.repeat(low[rows], n_samples, axis=0)
        hi_rep = np.repeat(high[rows], n_samples, axis=0)
        fixed_rep = np.repeat(fixed[rows], n_samples, axis=0)
        u_rep = uniforms[:, rows].reshape(len(uniforms), m * n_samples, d)
        values = np.empty((variants, m * n_samples, d))
        previous = None
        for j in range(d):
            logits = model.step(previous, j, memory_kv, caches, n_samples)[:, : bins.counts[j]]
            if bins.categorical[j]:
                allowed = np.ones((len(x_rep), bins.counts[j]), dtype=bool)
            else:
                allowed = (hi_edge[j, None, : bins.counts[j]] >= lo_rep[:, j, None] - 1e-12) & (
                    lo_edge[j, None, : bins.counts[j]] <= hi_rep[:, j, None] + 1e-12
                )
            # a fixed feature, or one with no drawable bin, keeps the row's value
            keep = fixed_rep[:, j] | ~allowed.any(axis=1)
            allowed[keep] = True
            k = _draw(logits, allowed, temperature, u_rep[0, :, j])
            if bins.categorical[j]:
                choices = [k.astype(float)] * variants
            else:
                nearest = np.clip(x_rep[:, j], lo_edge[j, k], hi_edge[j, k])
                choices = {
                    "center": [centers[j, k]],
                    "nearest": [nearest],
                    "both": [centers[j, k], nearest],
                }[bin_value]
                if sigma:
                    radius = np.sqrt(-2.0 * np.log1p(-u_rep[1, :, j]))
                    noise = sigma * radius * np.cos(2.0 * np.pi * u_rep[2, :, j])
                    choices = [c + noise for c in choices]
                choices = [np.clip(c, lo_rep[:, j], hi_rep[:, j]) for c in choices]
            for variant, v in enumerate(choices):
                values[variant, :, j] = np.where(keep, x_rep[:, j], v)
            previous = torch.as_tensor(values[0, :, j], dtype=torch.float32)
        out[rows] = (
            values.reshape(variants, m, n_samples, d)
            .transpose(1, 0, 2, 3)
            .reshape(m, variants * n_samples, d)
        )
    return out


def _draw(logits, allowed, temperature, uniform):
    """One bin per row from softmax(temperature * logits) over the allowed bins.

    Inverse-CDF sampling with the row's ``uniform`` in [0, 1) (cheaper than
    ``torch.multinomial`` for thousands of short rows).
    """
    allowed_t = torch.as_tensor(allowed)
    logits = logits.masked_fill(~allowed_t, -torch.inf)
    if temperature > torch.finfo(logits.dtype).max:  # inf, or inf in the logits' dtype
        return logits.argmax(dim=1).numpy()
    scaled = logits * temperature
    if torch.isinf(scaled[allowed_t]).any():
        # a temperature so large the product overflows: shift by the row
        # maximum first (the same softmax), so the most likely bin wins
        scaled = (logits - logits.max(dim=1, keepdim=True).values) * temperature
    cumulative = torch.softmax(scaled, dim=1).cumsum(dim=1)
    uniform = torch.as_tensor(uniform, dtype=cumulative.dtype)[:, None]
    u = (uniform * cumulative[:, -1:]).clamp_min(1e-30)
    k = (cumulative < u).sum(dim=1)
    # never past the last allowed bin (rounding at the top of the CDF)
    last = allowed.shape[1] - 1 - np.argmax(allowed[:, ::-1], axis=1)
    return np.minimum(k.numpy(), last)


# SplitMix64 (Steele, Lea and Flood 2014): a counter-based generator, so the
# random numbers of a row are a function of the row and the seed alone
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix64(x):
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def row_uniforms(rows, seed, n_samples, n_features, n_streams=3):
    """Uniforms in [0, 1) of shape (n_streams, n, n_samples, n_features), keyed by row.

    Each row's numbers depend only on its values and ``seed``: equal rows get
    equal draws wherever they are and whatever else is in the batch, so
    ``transform`` treats rows independently (a person's recourse does not
    depend on who else asks).
    """
    rows = np.ascontiguousarray(np.asarray(rows, dtype=np.float64) + 0.0)  # -0.0 -> 0.0
    bits = rows.view(np.uint64).reshape(len(rows), -1)
    key = np.full(len(rows), _splitmix64(np.uint64(seed % 2**64)), dtype=np.uint64)
    for c in range(bits.shape[1]):
        key = _splitmix64(key ^ bits[:, c])
    # counters ordered (sample, stream, feature): sample s draws the same
    # numbers whatever n_samples is
    counter = _splitmix64(np.arange(n_samples * n_streams * n_features, dtype=np.uint64))
    z = _splitmix64(key[:, None] ^ counter[None, :])
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0**-53  # 53 random bits
    return u.reshape(len(rows), n_samples, n_streams, n_features).transpose(2, 0, 1, 3)
