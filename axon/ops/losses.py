"""Loss functions: each a fused op returning the batch mean of the per-sample loss.

Shapes: ``y_pred`` is (N, ...) and ``y_true`` broadcasts to it, except for the
sparse cross-entropy, where ``y_true`` holds class indices, (N,) or (N, 1) or
(N, T) for sequences.  Cross-entropies accept probabilities or, with
``from_logits=True``, raw scores; softmax followed by cross-entropy is one op.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .activations import Softmax, Sigmoid, _sigmoid
from ._util import data

EPSILON = 1e-7  # Keras's fuzz factor for probabilities


def _per_sample_count(pred):
    """Number of samples the mean runs over: every axis but the last."""
    return int(np.prod(pred.shape[:-1])) if pred.ndim > 1 else pred.shape[0]


class MeanSquaredError(Function):
    def forward(self, y, p):
        d = p - y
        self.save(d)
        return np.asarray((d * d).mean())

    def backward(self, g):
        d = self.saved[0]
        return None, g * (2.0 / d.size) * d


class MeanAbsoluteError(Function):
    def forward(self, y, p):
        d = p - y
        self.save(d)
        return np.asarray(np.abs(d).mean())

    def backward(self, g):
        d = self.saved[0]
        return None, g * np.sign(d) / d.size


class Huber(Function):
    def forward(self, y, p, delta=1.0):
        d = p - y
        a = np.abs(d)
        small = a <= delta
        loss = np.where(small, 0.5 * d * d, delta * (a - 0.5 * delta))
        self.save(d, small, delta)
        return np.asarray(loss.mean())

    def backward(self, g):
        d, small, delta = self.saved
        return None, g * np.where(small, d, delta * np.sign(d)) / d.size


class BinaryCrossentropy(Function):
    """-mean(y log p + (1 - y) log(1 - p)), p clipped to [eps, 1 - eps] as in Keras."""

    def forward(self, y, p):
        pc = np.clip(p, EPSILON, 1 - EPSILON)
        self.save(y, pc, (p >= EPSILON) & (p <= 1 - EPSILON))
        return np.asarray(-(y * np.log(pc) + (1 - y) * np.log(1 - pc)).mean())

    def backward(self, g):
        y, pc, inside = self.saved
        return None, g * inside * (pc - y) / (pc * (1 - pc)) / pc.size


class BinaryCrossentropyWithLogits(Function):
    def forward(self, y, z):
        # max(z, 0) - z y + log(1 + e^-|z|): stable for any z
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        self.save(y, z)
        return np.asarray(loss.mean())

    def backward(self, g):
        y, z = self.saved
        return None, g * (_sigmoid(z) - y) / z.size


class CategoricalCrossentropy(Function):
    """-mean over samples of sum_c y_c log p_c; p renormalised and clipped as in Keras."""

    def forward(self, y, p, axis=-1):
        total = p.sum(axis=axis, keepdims=True)
        q = np.clip(p / total, EPSILON, 1 - EPSILON)
        self.save(y, p, total, q, axis)
        return np.asarray(-(y * np.log(q)).sum(axis=axis).mean())

    def backward(self, g):
        y, p, total, q, axis = self.saved
        n = _per_sample_count(p)
        inside = (q > EPSILON) & (q < 1 - EPSILON)
        gq = np.where(inside, -y / q, 0)
        # through q = p / sum(p): dq_i/dp_j = (delta_ij - q_i) / sum(p)
        gp = (gq - (gq * q).sum(axis=axis, keepdims=True)) / total
        return None, g * gp / n


class SoftmaxCrossentropy(Function):
    """Cross-entropy of softmax(z) against one-hot or soft targets y; gradient softmax - y."""

    def forward(self, y, z):
        zs = z - z.max(axis=-1, keepdims=True)
        e = np.exp(zs)
        s = e.sum(axis=-1, keepdims=True)
        logp = zs - np.log(s)
        self.save(y, e / s)
        return np.asarray(-(y * logp).sum(axis=-1).mean())

    def backward(self, g):
        y, sm = self.saved
        n = _per_sample_count(sm)
        return None, g * (sm * y.sum(axis=-1, keepdims=True) - y) / n


class SparseSoftmaxCrossentropy(Function):
    """Cross-entropy of softmax(z) at integer targets; gradient softmax - onehot."""

    def forward(self, y, z):
        zs = z - z.max(axis=-1, keepdims=True)
        rows = np.arange(zs.size // zs.shape[-1])
        yf = y.reshape(-1)
        picked = zs.reshape(-1, zs.shape[-1])[rows, yf]  # the target's shifted logit, before exp
        e = np.exp(zs, out=zs)
        s = e.sum(axis=-1, keepdims=True)
        e /= s
        self.save(yf, rows, e)
        # -log softmax = log(sum e) - z_target: exact even where the softmax underflows to 0
        return np.asarray((np.log(s.reshape(-1)) - picked).mean())

    def backward(self, g):
        yf, rows, sm = self.saved
        grad = sm.reshape(-1, sm.shape[-1]).copy()
        grad[rows, yf] -= 1
        grad *= g / len(rows)
        return None, grad.reshape(sm.shape)


class KLDivergence(Function):
    def forward(self, y, p):
        yc = np.clip(y, EPSILON, 1)
        pc = np.clip(p, EPSILON, 1)
        self.save(yc, pc, (p >= EPSILON) & (p <= 1))
        return np.asarray((yc * np.log(yc / pc)).sum(axis=-1).mean())

    def backward(self, g):
        yc, pc, inside = self.saved
        return None, g * inside * (-yc / pc) / _per_sample_count(pc)


def _logits_of(p, fn_type):
    """The input of the softmax/sigmoid that made ``p``, when the graph recorded one (as Keras)."""
    ctx = p._ctx if isinstance(p, Tensor) else None
    if ctx is not None and ctx.needs_grad is None:
        return None  # an earlier backward() freed that node; use the probabilities
    if isinstance(ctx, fn_type) and (fn_type is not Softmax or ctx.saved[1] in (-1, p.ndim - 1)):
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
    ys, ps = np.shape(data(y)), np.shape(data(p))
    try:  # y_true may broadcast to y_pred, never widen it (the gradient must keep y_pred's shape)
        ok = np.broadcast_shapes(_target_shape(ys, ps), ps) == ps
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: y_true has shape {ys} but y_pred has shape {ps}; "
                         "they must match (or y_true must broadcast to y_pred)")


def _as_float_target(y, p):
    y = np.asarray(data(y), dtype=data(p).dtype)
    return y.reshape(_target_shape(y.shape, data(p).shape))


def mean_squared_error(y_true, y_pred):
    _check_same_shape("mean_squared_error", y_true, y_pred)
    return MeanSquaredError.apply(_as_float_target(y_true, y_pred), y_pred)


def mean_absolute_error(y_true, y_pred):
    _check_same_shape("mean_absolute_error", y_true, y_pred)
    return MeanAbsoluteError.apply(_as_float_target(y_true, y_pred), y_pred)


def huber(y_true, y_pred, delta=1.0):
    _check_same_shape("huber", y_true, y_pred)
    return Huber.apply(_as_float_target(y_true, y_pred), y_pred, delta=delta)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    y = _as_float_target(y_true, y_pred)
    if not from_logits:
        logits = _logits_of(y_pred, Sigmoid)
        if logits is None:
            return BinaryCrossentropy.apply(y, y_pred)
        y_pred = logits
    return BinaryCrossentropyWithLogits.apply(y, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    p = data(y_pred)
    y = np.asarray(data(y_true), dtype=p.dtype)
    if y.shape != p.shape:
        raise ValueError(f"categorical_crossentropy: y_true must be one-hot with shape {p.shape}, "
                         f"got {y.shape}; for integer labels use sparse_categorical_crossentropy "
                         "or axon.utils.to_categorical")
    if not from_logits:
        logits = _logits_of(y_pred, Softmax)
        if logits is None:
            return CategoricalCrossentropy.apply(y, y_pred)
        y_pred = logits
    return SoftmaxCrossentropy.apply(y, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    p = data(y_pred)
    y = np.asarray(data(y_true))
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
    n_classes = p.shape[-1]
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"sparse_categorical_crossentropy: labels must lie in [0, {n_classes - 1}] "
                         f"for {n_classes} outputs, got labels from {y.min()} to {y.max()}; "
                         "does the last layer have one unit per class?")
    if not from_logits:
        logits = _logits_of(y_pred, Softmax)
        if logits is None:
            # probabilities: cross-entropy of log p, through the same fused op on log p
            from .elementwise import log, clip
            y_pred = log(clip(y_pred, EPSILON, 1 - EPSILON))
        else:
            y_pred = logits
    return SparseSoftmaxCrossentropy.apply(y, y_pred)


def kl_divergence(y_true, y_pred):
    _check_same_shape("kl_divergence", y_true, y_pred)
    return KLDivergence.apply(_as_float_target(y_true, y_pred), y_pred)


mse = mean_squared_error
mae = mean_absolute_error
kld = kl_divergence
