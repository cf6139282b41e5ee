"""Loss functions: each a fused op returning the batch mean of the per-sample loss.

Shapes: ``y_pred`` is (N, ...) and ``y_true`` broadcasts to it, except for the
sparse cross-entropy, where ``y_true`` holds class indices, (N,) or (N, 1) or
(N, T) for sequences.  Cross-entropies accept probabilities or, with
``from_logits=True``, raw scores; softmax followed by cross-entropy is one op.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor, to_numpy, unwrap
from .activations import Softmax, Sigmoid
from .special import logistic

EPSILON = 1e-7  # Keras's fuzz factor for probabilities


def _per_sample_count(pred):
    """Number of samples the mean runs over: every axis but the last."""
    return int(np.prod(pred.shape[:-1])) if pred.ndim > 1 else pred.shape[0]


def _weighted(terms, weight):
    """``terms`` times the per-sample weights (broadcast over the last axis), or ``terms``."""
    return terms if weight is None else terms * weight


class MeanSquaredError(Function):
    def forward(self, y, p, weight=None):
        d = p - y
        self.save(diff=d, weight=weight)
        return np.asarray(_weighted(d * d, weight).sum() / d.size)

    def backward(self, g):
        s = self.saved
        return None, _weighted(g * (2.0 / s.diff.size) * s.diff, s.weight)


class MeanAbsoluteError(Function):
    def forward(self, y, p, weight=None):
        d = p - y
        self.save(diff=d, weight=weight)
        return np.asarray(_weighted(np.abs(d), weight).sum() / d.size)

    def backward(self, g):
        s = self.saved
        return None, _weighted(g * np.sign(s.diff) / s.diff.size, s.weight)


class Huber(Function):
    def forward(self, y, p, delta=1.0, weight=None):
        d = p - y
        a = np.abs(d)
        small = a <= delta
        loss = np.where(small, 0.5 * d * d, delta * (a - 0.5 * delta))
        self.save(diff=d, small=small, delta=delta, weight=weight)
        return np.asarray(_weighted(loss, weight).sum() / d.size)

    def backward(self, g):
        s = self.saved
        return None, _weighted(g * np.where(s.small, s.diff, s.delta * np.sign(s.diff)) / s.diff.size, s.weight)


class BinaryCrossentropy(Function):
    """-mean(y log p + (1 - y) log(1 - p)), p clipped to [eps, 1 - eps] as in Keras."""

    def forward(self, y, p, weight=None):
        pc = np.clip(p, EPSILON, 1 - EPSILON)
        self.save(y=y, clipped=pc, inside=(p >= EPSILON) & (p <= 1 - EPSILON), weight=weight)
        return np.asarray(-_weighted(y * np.log(pc) + (1 - y) * np.log(1 - pc), weight).sum() / p.size)

    def backward(self, g):
        s = self.saved
        pc = s.clipped
        return None, _weighted(g * s.inside * (pc - s.y) / (pc * (1 - pc)) / pc.size, s.weight)


class BinaryCrossentropyWithLogits(Function):
    """From the logits ``z``; ``probs`` (optional) is sigmoid(z) when the graph already holds it (a
    sigmoid output layer), so neither pass computes it again."""

    def forward(self, y, z, weight=None, probs=None):
        # max(z, 0) - z y + log(1 + e^-|z|): stable for any z; with p = sigmoid(z) known,
        # log(1 + e^-|z|) = -log(max(p, 1 - p)), one log instead of an exp and a log1p
        if probs is None:
            loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        else:
            loss = np.maximum(z, 0) - z * y - np.log(np.maximum(probs, 1 - probs))
        self.save(y=y, logits=z, weight=weight, probs=probs)
        return np.asarray(_weighted(loss, weight).sum() / z.size)

    def backward(self, g):
        s = self.saved
        p = logistic(s.logits) if s.probs is None else s.probs
        return None, _weighted(g * (p - s.y) / s.logits.size, s.weight)


class CategoricalCrossentropy(Function):
    """-mean over samples of sum_c y_c log p_c; p renormalised and clipped as in Keras."""

    def forward(self, y, p, axis=-1, weight=None):
        total = p.sum(axis=axis, keepdims=True)
        q = np.clip(p / total, EPSILON, 1 - EPSILON)
        self.save(y=y, total=total, q=q, axis=axis, weight=weight, n=_per_sample_count(p))
        return np.asarray(-_weighted(y * np.log(q), weight).sum() / _per_sample_count(p))

    def backward(self, g):
        s = self.saved
        q = s.q
        inside = (q > EPSILON) & (q < 1 - EPSILON)
        gq = np.where(inside, -s.y / q, 0)
        # through q = p / sum(p): dq_i/dp_j = (delta_ij - q_i) / sum(p)
        gp = (gq - (gq * q).sum(axis=s.axis, keepdims=True)) / s.total
        return None, _weighted(g * gp / s.n, s.weight)


class SoftmaxCrossentropy(Function):
    """Cross-entropy of softmax(z) against one-hot or soft targets y; gradient softmax - y."""

    def forward(self, y, z, weight=None):
        zs = z - z.max(axis=-1, keepdims=True)
        e = np.exp(zs)
        total = e.sum(axis=-1, keepdims=True)
        logp = zs - np.log(total)
        self.save(y=y, softmax=e / total, weight=weight)
        return np.asarray(-_weighted(y * logp, weight).sum() / _per_sample_count(z))

    def backward(self, g):
        s = self.saved
        sm, y = s.softmax, s.y
        return None, _weighted(g * (sm * y.sum(axis=-1, keepdims=True) - y) / _per_sample_count(sm), s.weight)


class SparseSoftmaxCrossentropy(Function):
    """Cross-entropy of softmax(z) at integer targets; gradient softmax - onehot.

    ``weight`` (one per target position, or None) weighs each position; the sum
    is divided by ``count`` (the number of positions, or of those not ignored).
    """

    def forward(self, y, z, weight=None, count=None):
        zs = z - z.max(axis=-1, keepdims=True)
        rows = np.arange(zs.size // zs.shape[-1])
        yf = y.reshape(-1)
        picked = zs.reshape(-1, zs.shape[-1])[rows, yf]  # the target's shifted logit, before exp
        e = np.exp(zs, out=zs)
        total = e.sum(axis=-1, keepdims=True)
        e /= total
        count = len(rows) if count is None else count
        wf = None if weight is None else weight.reshape(-1)
        self.save(targets=yf, rows=rows, softmax=e, weight=wf, count=count)
        # -log softmax = log(sum e) - z_target: exact even where the softmax underflows to 0
        per = np.log(total.reshape(-1)) - picked
        return np.asarray(_weighted(per, wf).sum() / max(count, 1))

    def backward(self, g):
        s = self.saved
        sm = s.softmax
        grad = sm.reshape(-1, sm.shape[-1]).copy()
        grad[s.rows, s.targets] -= 1
        grad *= g / max(s.count, 1)
        if s.weight is not None:
            grad *= s.weight[:, None]
        return None, grad.reshape(sm.shape)


class KLDivergence(Function):
    def forward(self, y, p, weight=None):
        yc = np.clip(y, EPSILON, 1)
        pc = np.clip(p, EPSILON, 1)
        self.save(target=yc, clipped=pc, inside=(p >= EPSILON) & (p <= 1), weight=weight)
        return np.asarray(_weighted(yc * np.log(yc / pc), weight).sum() / _per_sample_count(p))

    def backward(self, g):
        s = self.saved
        return None, _weighted(g * s.inside * (-s.target / s.clipped) / _per_sample_count(s.clipped), s.weight)


def _logits_of(p, fn_type):
    """The input of the softmax/sigmoid that made ``p``, when the graph recorded one (as Keras)."""
    ctx = p._ctx if isinstance(p, Tensor) else None
    if ctx is not None and ctx.needs_grad is None:
        return None  # an earlier backward() freed that node; use the probabilities
    if isinstance(ctx, fn_type) and (fn_type is not Softmax or ctx.saved.axis in (-1, p.ndim - 1)):
        return ctx.inputs[0]
    return None


def _target_shape(ys, ps):
    """The shape y_true takes against y_pred: (N,) against (N, k) gains a last axis, (N, 1)
    against (N,) loses it (as Keras)."""
    if len(ys) == len(ps) - 1:
        return tuple(ys) + (1,)
    if len(ys) == len(ps) + 1 and ys[-1] == 1:
        return tuple(ys[:-1])
    return tuple(ys)


def _check_same_shape(name, y, p):
    ys, ps = np.shape(unwrap(y)), np.shape(unwrap(p))
    try:  # y_true may broadcast to y_pred, never widen it (the gradient must keep y_pred's shape)
        ok = np.broadcast_shapes(_target_shape(ys, ps), ps) == ps
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: y_true has shape {ys} but y_pred has shape {ps}; "
                         "they must match (or y_true must broadcast to y_pred)")


def _as_float_target(y, p):
    y = np.asarray(unwrap(y), dtype=unwrap(p).dtype)
    return y.reshape(_target_shape(y.shape, unwrap(p).shape))


def expand_sample_weight(sample_weight, shape, dtype, name):
    """``sample_weight`` broadcast to ``shape`` (the per-sample values, e.g. (N,) or (N, T)):
    (N,) weights spread over the later axes as Keras does, (N, 1) counts as (N,)."""
    w = to_numpy(sample_weight, dtype=dtype)
    if w.ndim == len(shape) + 1 and w.shape[-1] == 1:
        w = w[..., 0]
    if w.ndim > len(shape) or w.shape != tuple(shape[:w.ndim]):
        raise ValueError(f"{name}: sample_weight has shape {w.shape} but there is one value per sample, "
                         f"shape {tuple(shape)}; pass one weight per sample (shape {tuple(shape[:1])})")
    return np.broadcast_to(w.reshape(w.shape + (1,) * (len(shape) - w.ndim)), shape)


def _sample_weight(name, sample_weight, pred, per_position=False):
    """``sample_weight`` as an array of ``pred``'s dtype that broadcasts against the loss terms.

    The per-sample loss has shape ``pred.shape[:-1]`` (one value per sample, or per
    time step) or ``pred.shape`` for 1-D predictions.  Weights of shape (N,) are
    broadcast over the later axes, as Keras does.  The result has a trailing axis
    of 1 (it multiplies terms of ``pred``'s shape), or with ``per_position`` the
    per-sample shape itself (for sparse targets).
    """
    if sample_weight is None:
        return None
    p = unwrap(pred)
    per = p.shape[:-1] if p.ndim > 1 else p.shape
    w = expand_sample_weight(sample_weight, per, p.dtype, name)
    return w if per_position or p.ndim == 1 else w[..., None]


def mean_squared_error(y_true, y_pred, sample_weight=None):
    """Mean of (y_pred - y_true)^2; with ``sample_weight`` each sample's terms are weighted
    (and the sum still divided by the number of terms, as Keras does)."""
    _check_same_shape("mean_squared_error", y_true, y_pred)
    w = _sample_weight("mean_squared_error", sample_weight, y_pred)
    return MeanSquaredError.apply(_as_float_target(y_true, y_pred), y_pred, weight=w)


def mean_absolute_error(y_true, y_pred, sample_weight=None):
    _check_same_shape("mean_absolute_error", y_true, y_pred)
    w = _sample_weight("mean_absolute_error", sample_weight, y_pred)
    return MeanAbsoluteError.apply(_as_float_target(y_true, y_pred), y_pred, weight=w)


def huber(y_true, y_pred, delta=1.0, sample_weight=None):
    _check_same_shape("huber", y_true, y_pred)
    w = _sample_weight("huber", sample_weight, y_pred)
    return Huber.apply(_as_float_target(y_true, y_pred), y_pred, delta=delta, weight=w)


def binary_crossentropy(y_true, y_pred, from_logits=False, sample_weight=None):
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    y = _as_float_target(y_true, y_pred)
    w = _sample_weight("binary_crossentropy", sample_weight, y_pred)
    if not from_logits:
        logits = _logits_of(y_pred, Sigmoid)
        if logits is None:
            return BinaryCrossentropy.apply(y, y_pred, weight=w)
        return BinaryCrossentropyWithLogits.apply(y, logits, weight=w, probs=unwrap(y_pred))
    return BinaryCrossentropyWithLogits.apply(y, y_pred, weight=w)


def categorical_crossentropy(y_true, y_pred, from_logits=False, sample_weight=None):
    p = unwrap(y_pred)
    y = np.asarray(unwrap(y_true), dtype=p.dtype)
    if y.shape != p.shape:
        raise ValueError(f"categorical_crossentropy: y_true must be one-hot with shape {p.shape}, "
                         f"got {y.shape}; for integer labels use sparse_categorical_crossentropy "
                         "or axon.utils.to_categorical")
    w = _sample_weight("categorical_crossentropy", sample_weight, y_pred)
    if not from_logits:
        logits = _logits_of(y_pred, Softmax)
        if logits is None:
            return CategoricalCrossentropy.apply(y, y_pred, weight=w)
        y_pred = logits
    return SoftmaxCrossentropy.apply(y, y_pred, weight=w)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, sample_weight=None):
    """Cross-entropy against integer class indices: y_true (N,) or (N, 1) for y_pred (N, C),
    (N, T) for (N, T, C).

    ``ignore_class``: targets equal to it (padding, say) count for nothing, and the
    mean runs over the others only, as in Keras.
    """
    p = unwrap(y_pred)
    y = np.asarray(unwrap(y_true))
    if y.ndim == p.ndim and y.shape[-1] == 1:
        y = y[..., 0]
    if y.shape != p.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: y_true must hold one class index per "
                         f"sample, shape {p.shape[:-1]}, got {y.shape}")
    if y.dtype.kind not in "iu":
        if y.dtype.kind == "f" and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise ValueError(f"sparse_categorical_crossentropy: y_true must hold integer class "
                             f"indices, got dtype {y.dtype}")
    w = _sample_weight("sparse_categorical_crossentropy", sample_weight, y_pred, per_position=True)
    count = None
    if ignore_class is not None:
        keep = y != ignore_class
        y = np.where(keep, y, 0)
        w = keep.astype(p.dtype) if w is None else w * keep
        count = int(keep.sum())
    n_classes = p.shape[-1]
    checked = y if ignore_class is None else y[keep]
    if checked.size and (checked.min() < 0 or checked.max() >= n_classes):
        raise ValueError(f"sparse_categorical_crossentropy: labels must lie in [0, {n_classes - 1}] "
                         f"for {n_classes} outputs, got labels from {checked.min()} to {checked.max()}; "
                         "does the last layer have one unit per class?")
    if not from_logits:
        logits = _logits_of(y_pred, Softmax)
        if logits is None:
            # probabilities: cross-entropy of log p, through the same fused op on log p
            from .elementwise import log, clip
            y_pred = log(clip(y_pred, EPSILON, 1 - EPSILON))
        else:
            y_pred = logits
    return SparseSoftmaxCrossentropy.apply(y, y_pred, weight=w, count=count)


def kl_divergence(y_true, y_pred, sample_weight=None):
    _check_same_shape("kl_divergence", y_true, y_pred)
    w = _sample_weight("kl_divergence", sample_weight, y_pred)
    return KLDivergence.apply(_as_float_target(y_true, y_pred), y_pred, weight=w)


mse = mean_squared_error
mae = mean_absolute_error
kld = kl_divergence
