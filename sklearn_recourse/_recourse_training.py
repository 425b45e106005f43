"""Torch side of RecourseClassifier: the MLP scorer, adversarial training and the
recourse searches (Ross, Lakkaraju and Bastani, NeurIPS 2021, §3).

Kept apart from the estimator so that torch is imported only when a
RecourseClassifier is fitted or used.
"""

import time

import numpy as np
import torch
from torch import nn

_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "logistic": nn.Sigmoid}


def build_mlp(n_inputs, hidden_layer_sizes, activation, dropout):
    """The scorer g: an MLP with one logit output (g(x) = sigmoid(logit))."""
    layers, width = [], n_inputs
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, size), _ACTIVATIONS[activation]()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def scores(module, X, batch_size=4096):
    """g(x) for a float array X, in eval mode, without gradients.

    The sigmoid is taken in float64: in float32 it rounds to exactly 1 for
    logits above ~17, and such ties would sit on the decision threshold.
    """
    from scipy.special import expit

    module.eval()
    out = []
    with torch.no_grad():
        for start in range(0, X.shape[0], batch_size):
            chunk = torch.as_tensor(X[start : start + batch_size], dtype=torch.float32)
            out.append(module(chunk).squeeze(1).numpy().astype(float))
    return expit(np.concatenate(out)) if out else np.zeros(0)


def score_gradients(module, X, batch_size=4096):
    """(g(x), ∇ₓ g(x)) in eval mode."""
    module.eval()
    values, grads = [], []
    for start in range(0, X.shape[0], batch_size):
        x = torch.as_tensor(X[start : start + batch_size], dtype=torch.float32)
        x.requires_grad_(True)
        g = torch.sigmoid(module(x)).squeeze(1)
        (grad,) = torch.autograd.grad(g.sum(), x)
        values.append(g.detach().numpy())
        grads.append(grad.numpy())
    if not values:
        return np.zeros(0), np.zeros((0, X.shape[1]))
    return np.concatenate(values).astype(float), np.concatenate(grads).astype(float)


class ActionStep:
    """The adversarial step δ*(x) = argmin_{δ∈Δ} ∇ₓ ℓ(g(x), 1)·δ in the network's input space.

    ``columns`` are the actionable input columns and ``action_set`` is Δ over
    them. ``bound_low``/``bound_high`` are the feature bounds in input units
    (±inf: unbounded); each row's box is Δ's box cut to stay within them.
    """

    def __init__(self, action_set, columns, bound_low, bound_high):
        self.action_set = action_set
        self.columns = np.asarray(columns)
        self.bound_low = np.asarray(bound_low, dtype=float)
        self.bound_high = np.asarray(bound_high, dtype=float)

    def box(self, X):
        """Per-row (low, high) of shape (n, m) for the rows X (input units)."""
        x = np.asarray(X, dtype=float)[:, self.columns]
        low, high = self.action_set.row_box(self.bound_low - x, self.bound_high - x)
        return np.array(np.broadcast_to(low, x.shape)), np.array(np.broadcast_to(high, x.shape))

    def from_gradient(self, grad_favourable_loss, X):
        """δ* from ∇ₓ ℓ(g(x), 1) (any positive per-row scaling gives the same δ*)."""
        low, high = self.box(X)
        D = self.action_set.steepest(grad_favourable_loss[:, self.columns], low, high)
        full = np.zeros_like(grad_favourable_loss)
        full[:, self.columns] = D
        return full

    def __call__(self, module, X):
        """δ*(x) for a float array X with the network in eval mode."""
        module.eval()
        x = torch.as_tensor(X, dtype=torch.float32).requires_grad_(True)
        logit = module(x).squeeze(1)
        loss = nn.functional.binary_cross_entropy_with_logits(
            logit, torch.ones_like(logit), reduction="sum"
        )
        (grad,) = torch.autograd.grad(loss, x)
        return self.from_gradient(grad.numpy().astype(float), X)


def train(
    module,
    X,
    y,
    *,
    step,
    lam,
    X_val,
    y_val,
    validation_score,
    max_epochs,
    batch_size,
    learning_rate,
    n_iter_no_change,
    generator,
    verbose,
):
    """Adversarial training: mean ℓ(g(x), y) + lam * mean ℓ(g(x + δ*), 1).

    δ* is recomputed for every batch from the current network (Danskin: it is
    treated as a constant in the parameter gradient). Keeps the weights of
    the epoch with the best ``validation_score(scores, y_val)`` and returns
    ``(best_epoch, n_epochs, history)``; history rows hold the epoch's mean
    losses, its validation score and its wall time in seconds.
    """
    from tqdm.auto import tqdm

    bce = nn.functional.binary_cross_entropy_with_logits
    optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
    X_t = torch.as_tensor(X, dtype=torch.float32)
    y_t = torch.as_tensor(y, dtype=torch.float32)
    n = X_t.shape[0]
    history, best, best_epoch, since_best = [], -np.inf, 0, 0
    best_state = {k: v.clone() for k, v in module.state_dict().items()}
    bar = tqdm(range(max_epochs), disable=not verbose, desc="RecourseClassifier", unit="epoch")
    for epoch in bar:
        module.train()
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        total, total_recourse = 0.0, 0.0
        for first in range(0, n, batch_size):
            rows = order[first : first + batch_size]
            xb, yb = X_t[rows], y_t[rows]
            optimizer.zero_grad(set_to_none=True)
            if lam > 0:
                xb = xb.clone().requires_grad_(True)
            logit = module(xb).squeeze(1)
            loss = bce(logit, yb)
            loss.backward()
            total += loss.item() * len(rows)
            if lam > 0:
                # One backward gives both the parameter gradient of the first
                # term and ∇ₓ ℓ(g(x), y) = (g - y) ∇ₓ logit. The LP needs
                # ∇ₓ ℓ(g(x), 1) = (g - 1) ∇ₓ logit only up to a positive factor
                # per row: that is x.grad for y = 1 and -x.grad for y = 0.
                grad = xb.grad.numpy().astype(float)
                grad *= np.where(yb.numpy() > 0.5, 1.0, -1.0)[:, None]
                delta = step.from_gradient(grad, X[rows.numpy()])
                delta = torch.as_tensor(delta, dtype=torch.float32)
                moved = module(xb.detach() + delta).squeeze(1)
                recourse_loss = bce(moved, torch.ones_like(moved))
                (lam * recourse_loss).backward()
                total_recourse += recourse_loss.item() * len(rows)
            optimizer.step()
        seconds = time.perf_counter() - start
        value = validation_score(scores(module, X_val), y_val)
        history.append(
            {
                "epoch": epoch + 1,
                "train_loss": total / n,
                "recourse_loss": total_recourse / n if lam > 0 else float("nan"),
                "valid_score": value,
                "seconds": seconds,
            }
        )
        bar.set_postfix(loss=f"{total / n:.4f}", valid=f"{value:.4f}")
        if value > best:
            best, best_epoch, since_best = value, epoch + 1, 0
            best_state = {k: v.clone() for k, v in module.state_dict().items()}
        else:
            since_best += 1
            if n_iter_no_change is not None and since_best >= n_iter_no_change:
                break
    module.load_state_dict(best_state)
    module.eval()
    return best_epoch, len(history), history


def gradient_search(module, X, threshold, *, step, max_iter, step_size):
    """Projected gradient descent on ℓ(g(x + δ), 1) over Δ (Wachter et al. without the
    distance term, as in Ross et al. §3.2). A row stops moving once g reaches the
    threshold, which keeps its change small. Returns the changes (n, d)."""
    from scipy.special import expit

    module.eval()
    columns = step.columns
    low, high = step.box(X)
    x = torch.as_tensor(X, dtype=torch.float32)
    cols = torch.as_tensor(columns)
    D = np.zeros((X.shape[0], len(columns)))
    active = np.ones(X.shape[0], dtype=bool)
    # Adam-style normalised steps: tanh networks saturate, raw gradients vanish
    m1 = np.zeros_like(D)
    m2 = np.zeros_like(D)
    for it in range(1, max_iter + 1):
        full = x.clone()
        full[:, cols] += torch.as_tensor(D, dtype=torch.float32)
        full.requires_grad_(True)
        logit = module(full).squeeze(1)
        # float64, as in ``scores``: the stop test must agree with ``predict``
        g = expit(logit.detach().numpy().astype(float))
        active &= g < threshold
        if not active.any():
            break
        loss = nn.functional.binary_cross_entropy_with_logits(
            logit, torch.ones_like(logit), reduction="sum"
        )
        (grad,) = torch.autograd.grad(loss, full)
        grad = grad[:, cols].numpy().astype(float)
        m1 = 0.9 * m1 + 0.1 * grad
        m2 = 0.999 * m2 + 0.001 * grad**2
        update = (m1 / (1 - 0.9**it)) / (np.sqrt(m2 / (1 - 0.999**it)) + 1e-8)
        proposal = step.action_set.project(D[active] - step_size * update[active], low[active], high[active])
        D[active] = proposal
    full = np.zeros_like(X, dtype=float)
    full[:, columns] = D
    return full
