"""Torch re-implementations of fitted scikit-learn classifiers, for gradients.

Gradient-based recourse needs d p(favourable) / d z in the encoded space of
a :class:`FeatureSpace`. For the models below the whole chain, from encoded
rows through the classifier's own preprocessing to its output, is rebuilt in
torch from the fitted parameters, so the gradient is exact:

- preprocessing steps of a Pipeline: :class:`FeatureSpace`, StandardScaler,
  MinMaxScaler, MaxAbsScaler (without a leading FeatureSpace the raw features
  must all be numeric, categories included);
- final models: linear classifiers (``coef_``/``intercept_``, probability by
  the logistic or softmax link; SGDClassifier's one-vs-rest ``log_loss`` and
  ``modified_huber`` probabilities as it computes them), MLPClassifier, and
  torch-based estimators exposing ``module_`` (skorch's NeuralNetClassifier).
  Platt-scaled probabilities (``SVC(probability=True)``) are not modelled.

A ``FrozenEstimator`` (what keeps a fitted classifier through ``clone``) is
read through: it predicts exactly as the model it wraps.

``differentiable_probability`` returns None for anything else; callers then
fall back to finite differences of ``predict_proba``.
"""

import numpy as np


def unfrozen(classifier):
    """The model inside any FrozenEstimator wrappers (they predict exactly as it)."""
    from sklearn.frozen import FrozenEstimator

    while isinstance(classifier, FrozenEstimator):
        classifier = classifier.estimator
    return classifier


def _raw_numeric_map(fs):
    """Affine map from encoded rows to raw numeric rows, or None if a category is a string."""
    W = np.zeros((fs.n_features_in_, fs.n_encoded_features_))
    c = np.zeros(fs.n_features_in_)
    for j, cols in enumerate(fs.columns_):
        cats = fs.categories_[j]
        if cats is None:
            W[j, cols[0]] = fs.data_range_[j]
            c[j] = fs.data_min_[j]
            continue
        try:
            values = np.asarray(cats, dtype=float)
        except (TypeError, ValueError):
            return None
        if len(cols) > 1:
            W[j, cols] = values
        elif len(values) == 2:
            W[j, cols[0]] = values[1] - values[0]
            c[j] = values[0]
        else:
            c[j] = values[0]
    return W, c


def _affine_step(step):
    """(scale, offset) such that step.transform(x) == x * scale + offset, or None."""
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler

    if isinstance(step, StandardScaler):
        n = step.n_features_in_
        scale = 1.0 / step.scale_ if step.with_std and step.scale_ is not None else np.ones(n)
        mean = step.mean_ if step.with_mean and step.mean_ is not None else np.zeros(n)
        return scale, -mean * scale
    if isinstance(step, MinMaxScaler):
        if step.clip:  # clipping is not affine
            return None
        return step.scale_, step.min_
    if isinstance(step, MaxAbsScaler):
        return 1.0 / step.scale_, np.zeros_like(step.scale_)
    return None


def differentiable_probability(classifier, feature_space, desired_class):
    """A torch function ``z -> P(desired_class | z)`` for encoded rows, or None."""
    import torch
    from sklearn.pipeline import Pipeline

    from ._feature_space import FeatureSpace, same_kinds

    classifier = unfrozen(classifier)
    steps = list(classifier.steps) if isinstance(classifier, Pipeline) else [("", classifier)]
    steps = [s for _, s in steps if s is not None and s != "passthrough"]
    *pre, model = steps
    W, c = None, None
    if pre and isinstance(pre[0], FeatureSpace):
        if not same_kinds(feature_space, pre[0]):  # no affine map between the encodings
            return None
        W, c = feature_space.linear_map_to(pre[0])
        pre = pre[1:]
    else:
        mapped = _raw_numeric_map(feature_space)
        if mapped is None:
            return None
        W, c = mapped
    for step in pre:
        affine = _affine_step(step)
        if affine is None:
            return None
        scale, offset = affine
        W, c = W * scale[:, None], c * scale + offset
    head = _torch_head(model, desired_class)
    if head is None:
        return None
    W_t = torch.tensor(W.T, dtype=torch.float64)
    c_t = torch.tensor(c, dtype=torch.float64)

    def probability(z):
        return head(z @ W_t + c_t)

    return probability


def _favourable_column(model, desired_class):
    classes = list(getattr(model, "classes_", []))
    if desired_class not in classes:
        return None
    return classes.index(desired_class), len(classes)


def _torch_head(model, desired_class):
    import torch
    from sklearn.linear_model import SGDClassifier
    from sklearn.neural_network import MLPClassifier

    where = _favourable_column(model, desired_class)
    if where is None:
        return None
    k, n_classes = where
    if isinstance(model, MLPClassifier):
        weights = [torch.tensor(w, dtype=torch.float64) for w in model.coefs_]
        biases = [torch.tensor(b, dtype=torch.float64) for b in model.intercepts_]
        act = {
            "relu": torch.relu,
            "tanh": torch.tanh,
            "logistic": torch.sigmoid,
            "identity": lambda t: t,
        }[model.activation]

        def logits(h):
            for i, (w, b) in enumerate(zip(weights, biases)):
                h = h @ w + b
                if i < len(weights) - 1:
                    h = act(h)
            return h

        return _probability_from_logits(logits, k, n_classes)
    if hasattr(model, "coef_") and hasattr(model, "intercept_") and hasattr(model, "predict"):
        if getattr(model, "probability", False) is True:
            return None  # Platt-scaled probabilities (SVC(probability=True)): not modelled
        coef = torch.tensor(np.atleast_2d(model.coef_).T, dtype=torch.float64)
        intercept = torch.tensor(np.atleast_1d(model.intercept_), dtype=torch.float64)

        def decision(h):
            return h @ coef + intercept

        if isinstance(model, SGDClassifier):
            if model.loss == "modified_huber":
                return _modified_huber_probability(decision, k, n_classes)
            if model.loss == "log_loss" and n_classes > 2:
                return _one_vs_rest_probability(decision, k)
        return _probability_from_logits(decision, k, n_classes)
    module = getattr(model, "module_", None)
    if isinstance(module, torch.nn.Module):
        module.eval()  # no dropout while differentiating
        nonlinearity = None
        if hasattr(model, "_get_predict_nonlinearity"):
            nonlinearity = model._get_predict_nonlinearity()

        def probability(h):
            out = module(h.to(torch.float32))
            if isinstance(out, tuple):
                out = out[0]
            if nonlinearity is not None:
                out = nonlinearity(out)
            out = out.to(torch.float64)
            return out[:, k] if out.ndim == 2 and out.shape[1] > 1 else out.reshape(-1)

        return probability
    return None


def _probability_from_logits(logits, k, n_classes):
    import torch

    def probability(h):
        out = logits(h)
        if out.shape[1] == 1:  # binary: one logit for classes_[1]
            p1 = torch.sigmoid(out[:, 0])
            return p1 if k == 1 else 1.0 - p1
        return torch.softmax(out, dim=1)[:, k]

    return probability


def _one_vs_rest_probability(decision, k):
    """SGDClassifier(loss="log_loss") with three or more classes: one sigmoid
    per class, normalised to sum to one (not a softmax)."""
    import torch

    def probability(h):
        p = torch.sigmoid(decision(h))
        return p[:, k] / p.sum(dim=1)

    return probability


def _modified_huber_probability(decision, k, n_classes):
    """SGDClassifier(loss="modified_huber"): (clip(d, -1, 1) + 1) / 2, per class
    normalised when there are three or more (uniform where all are 0)."""
    import torch

    def probability(h):
        p = (torch.clamp(decision(h), -1.0, 1.0) + 1.0) / 2.0
        if n_classes == 2:
            return p[:, 0] if k == 1 else 1.0 - p[:, 0]
        total = p.sum(dim=1)
        zero = total == 0
        share = p[:, k] / torch.where(zero, torch.ones_like(total), total)
        return torch.where(zero, torch.full_like(total, 1.0 / n_classes), share)

    return probability
