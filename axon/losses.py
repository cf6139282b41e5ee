"""Losses with Keras names: the ``Loss`` classes (each call returns the reduced loss) and the
lowercase functions (``binary_crossentropy(y_true, y_pred)`` -> one value per sample).

>>> import axon, numpy as np
>>> loss = axon.losses.get("sparse_categorical_crossentropy")
>>> round(float(loss(np.array([0]), np.array([[0.5, 0.5]], "float32"))), 4)
0.6931
>>> mean_squared_error(np.zeros((2, 3)), np.ones((2, 3), "float32")).tolist()
[1.0, 1.0]
>>> float(MeanSquaredError(reduction="sum")(np.zeros((2, 3)), np.ones((2, 3), "float32")))
2.0
"""
import re

import numpy as np

from . import ops as F
from .registry import Registry
from .serialization import Serializable, register_function
from .tensor import Tensor, as_tensor, to_numpy
from .ops import losses as L

EPSILON = L.EPSILON
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ----- one value per sample (Keras's lowercase functions); differentiable compositions of ops
def _pair(y_true, y_pred):
    """``y_pred`` as a tensor and ``y_true`` as a constant of its dtype and rank (a (N,) target
    against (N, 1) predictions gains the axis, as Keras squeezes or expands)."""
    y_pred = as_tensor(y_pred)
    t = to_numpy(y_true).astype(y_pred.dtype, copy=False)
    if t.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        t = t[..., None]
    elif t.ndim == y_pred.ndim + 1 and t.shape[-1] == 1:
        t = t[..., 0]
    return Tensor(t), y_pred


def mean_squared_error(y_true, y_pred):
    """mean over the last axis of (y_pred - y_true)^2."""
    t, p = _pair(y_true, y_pred)
    return F.mean(F.square(p - t), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean over the last axis of |y_pred - y_true|."""
    t, p = _pair(y_true, y_pred)
    return F.mean(F.abs(p - t), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean over the last axis of |y_true - y_pred| / max(|y_true|, eps)."""
    t, p = _pair(y_true, y_pred)
    return F.mean(F.abs(t - p) / np.maximum(np.abs(t.data), EPSILON), axis=-1) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean over the last axis of (log(1 + y_pred) - log(1 + y_true))^2 (both floored at eps)."""
    t, p = _pair(y_true, y_pred)
    return F.mean(F.square(F.log(F.clip(p, EPSILON, None) + 1.0) - np.log(np.maximum(t.data, EPSILON) + 1.0)),
                  axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of 0.5 d^2 where |d| <= delta, else delta (|d| - delta / 2)."""
    t, p = _pair(y_true, y_pred)
    d = p - t
    a = F.abs(d)
    return F.mean(F.where(a.data <= delta, 0.5 * F.square(d), delta * a - 0.5 * delta * delta), axis=-1)


def log_cosh(y_true, y_pred):
    """mean over the last axis of log(cosh(y_pred - y_true)), as d + softplus(-2d) - log 2."""
    t, p = _pair(y_true, y_pred)
    d = p - t
    return F.mean(d + F.softplus(d * -2.0) - np.log(2.0).astype(p.dtype), axis=-1)


def _smooth_binary(t, label_smoothing):
    return t if not label_smoothing else t * (1.0 - label_smoothing) + 0.5 * label_smoothing


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over ``axis`` of -(y log p + (1 - y) log(1 - p)); p clipped to [eps, 1 - eps]."""
    t, p = _pair(y_true, y_pred)
    t = _smooth_binary(t, label_smoothing)
    if from_logits:
        terms = F.softplus(p) - t * p  # log(1 + e^z) - y z
    else:
        p = F.clip(p, EPSILON, 1.0 - EPSILON)
        terms = -(t * F.log(p) + (1.0 - t) * F.log(1.0 - p))
    return F.mean(terms, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum over ``axis`` of y log p, p the predictions renormalised and clipped (or the log-softmax
    of logits); ``label_smoothing`` mixes the targets with the uniform distribution."""
    t, p = _pair(y_true, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / p.shape[axis]
    if from_logits:
        log_p = F.log_softmax(p, axis=axis)
    else:
        log_p = F.log(F.clip(p / F.sum(p, axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON))
    return -F.sum(t * log_p, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """The categorical cross-entropy against class indices ``y_true`` ((N,) or (N, 1), (N, T) for
    sequences); entries of ``ignore_class`` give 0."""
    p = as_tensor(y_pred)
    labels = to_numpy(y_true)
    if labels.ndim == p.ndim:
        labels = labels[..., 0]
    labels = labels.astype(np.int64)
    keep = None if ignore_class is None else labels != ignore_class
    onehot = np.eye(p.shape[axis], dtype=p.dtype)[np.where(keep, labels, 0) if keep is not None else labels]
    values = categorical_crossentropy(onehot, p, from_logits=from_logits, axis=axis)
    return values if keep is None else values * keep.astype(p.dtype)


def kl_divergence(y_true, y_pred):
    """sum over the last axis of y log(y / p), both clipped to [eps, 1]."""
    t, p = _pair(y_true, y_pred)
    t = np.clip(t.data, EPSILON, 1.0)
    return F.sum(t * (np.log(t) - F.log(F.clip(p, EPSILON, 1.0))), axis=-1)


def poisson(y_true, y_pred):
    """mean over the last axis of y_pred - y_true log(y_pred + eps)."""
    t, p = _pair(y_true, y_pred)
    return F.mean(p - t * F.log(p + EPSILON), axis=-1)


def _signed(t):
    """Targets in {0, 1} as {-1, 1}; targets already in {-1, 1} as they are."""
    data = t.data
    return Tensor(np.where(data == 0, -1.0, data).astype(data.dtype)) if ((data == 0) | (data == 1)).all() else t


def hinge(y_true, y_pred):
    """mean over the last axis of max(1 - y y_pred, 0), labels in {-1, 1} (or {0, 1})."""
    t, p = _pair(y_true, y_pred)
    return F.mean(F.relu(1.0 - _signed(t) * p), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean over the last axis of max(1 - y y_pred, 0)^2."""
    t, p = _pair(y_true, y_pred)
    return F.mean(F.square(F.relu(1.0 - _signed(t) * p)), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum over ``axis`` of the unit-length y_true times the unit-length y_pred (-1 is best)."""
    t, p = _pair(y_true, y_pred)
    unit_t = t.data / np.sqrt(np.maximum((t.data * t.data).sum(axis, keepdims=True), 1e-12))
    unit_p = p / F.sqrt(F.maximum(F.sum(F.square(p), axis=axis, keepdims=True), 1e-12))
    return -F.sum(unit_p * unit_t, axis=axis)


FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    huber, log_cosh, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    kl_divergence, poisson, hinge, squared_hinge, cosine_similarity)}
mse, mae, mape, msle = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                        mean_squared_logarithmic_error)
logcosh, kld = log_cosh, kl_divergence
for _name, _fn in FUNCTIONS.items():
    register_function(_fn, _name)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Per-sample loss ``values`` (N,) or (N, T), each times its weight ((N,) weights broadcast over
    later axes), reduced as Keras reduces: ``"sum_over_batch_size"`` (and ``"mean"``) divide the
    sum by the number of values, ``"mean_with_sample_weight"`` by the sum of the weights,
    ``"sum"`` keeps the sum, ``"none"`` the weighted values."""
    values = as_tensor(values)
    weights = None
    if sample_weight is not None:
        weights = L.expand_sample_weight(sample_weight, values.shape, values.dtype, "loss")
        values = values * weights
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = F.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        return total / max(float(np.broadcast_to(weights, values.shape).sum()), EPSILON)
    return total / max(values.size, 1)


# ----- the classes
class Loss(Serializable):
    """``loss(y_true, y_pred, sample_weight=None)`` -> the per-sample losses reduced by
    ``reduction`` (see ``reduce_values``; the default is the batch mean).

    A subclass defines ``call(y_true, y_pred)`` returning one value per sample (or per
    position, (N, T)); ``__call__`` weighs and reduces them.  The built-in losses run one
    fused op for the default reduction.
    """
    fn = None          # the fused op for the default reduction
    per_sample = None  # the lowercase function, for call()

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {list(REDUCTIONS)}, "
                             f"got {reduction!r}")
        self.name = name or re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", type(self).__name__).lower()
        self.reduction, self.dtype = reduction, dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        reduction = getattr(self, "reduction", "sum_over_batch_size")
        if type(self).fn is not None and reduction in ("sum_over_batch_size", "mean") and self._fusable():
            return type(self).fn(y_true, y_pred, **self._options(), sample_weight=sample_weight)
        if type(self).per_sample is None and type(self).call is Loss.call:
            raise TypeError(f"{type(self).__name__}: a Loss subclass defines call(y_true, y_pred) returning "
                            "the loss of each sample")
        return reduce_values(self.call(y_true, y_pred), sample_weight, reduction)

    def call(self, y_true, y_pred):
        """The loss of each sample: the built-in function with this loss's options."""
        return type(self).per_sample(y_true, y_pred, **self._options(), **self._per_sample_options())

    def _options(self):
        """Keyword arguments of ``fn`` (and of the per-sample function) besides the targets,
        predictions and weights."""
        return {}

    def _per_sample_options(self):
        """Options only the per-sample function takes."""
        return {}

    def _fusable(self):
        """Whether the fused op computes this loss with its options."""
        return True


class MeanSquaredError(Loss):
    fn, per_sample = staticmethod(L.mean_squared_error), staticmethod(mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(name, reduction, dtype)


class MeanAbsoluteError(Loss):
    fn, per_sample = staticmethod(L.mean_absolute_error), staticmethod(mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(name, reduction, dtype)


class KLDivergence(Loss):
    fn, per_sample = staticmethod(L.kl_divergence), staticmethod(kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(name, reduction, dtype)


class Huber(Loss):
    fn, per_sample = staticmethod(L.huber), staticmethod(huber)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(name, reduction, dtype)
        self.delta = delta

    def _options(self):
        return {"delta": self.delta}


class _CrossEntropy(Loss):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name=None, dtype=None):
        super().__init__(name, reduction, dtype)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def _options(self):
        return {"from_logits": self.from_logits}

    def _per_sample_options(self):
        return {"label_smoothing": self.label_smoothing, "axis": self.axis}

    def _fusable(self):
        return not self.label_smoothing and self.axis in (-1,)


class BinaryCrossentropy(_CrossEntropy):
    fn, per_sample = staticmethod(L.binary_crossentropy), staticmethod(binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)


class CategoricalCrossentropy(_CrossEntropy):
    fn, per_sample = staticmethod(L.categorical_crossentropy), staticmethod(categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy against class indices; ``ignore_class`` (e.g. 0 for padding) leaves those
    targets out of the mean."""
    fn = staticmethod(L.sparse_categorical_crossentropy)
    per_sample = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.from_logits, self.ignore_class = from_logits, ignore_class

    def _options(self):
        return {"from_logits": self.from_logits, "ignore_class": self.ignore_class}


def _function_loss(fn, class_name, loss_name, doc):
    """A Loss class for a lowercase function that has no fused op."""
    def __init__(self, reduction="sum_over_batch_size", name=loss_name, dtype=None):
        Loss.__init__(self, name, reduction, dtype)
    return type(class_name, (Loss,), {"__init__": __init__, "per_sample": staticmethod(fn), "__doc__": doc,
                                      "__module__": __name__})


MeanAbsolutePercentageError = _function_loss(mean_absolute_percentage_error, "MeanAbsolutePercentageError",
                                             "mean_absolute_percentage_error", "100 * mean |y - p| / |y|.")
MeanSquaredLogarithmicError = _function_loss(mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
                                             "mean_squared_logarithmic_error", "mean (log(1+p) - log(1+y))^2.")
LogCosh = _function_loss(log_cosh, "LogCosh", "log_cosh", "mean log(cosh(p - y)).")
Poisson = _function_loss(poisson, "Poisson", "poisson", "mean p - y log p.")
Hinge = _function_loss(hinge, "Hinge", "hinge", "mean max(1 - y p, 0), y in {-1, 1}.")
SquaredHinge = _function_loss(squared_hinge, "SquaredHinge", "squared_hinge", "mean max(1 - y p, 0)^2.")
CosineSimilarity = _function_loss(cosine_similarity, "CosineSimilarity", "cosine_similarity",
                                  "-cos(y, p) over the last axis.")

LOSSES = Registry("loss")
for _cls, _name, _aliases in [
        (MeanSquaredError, "mean_squared_error", ("mse",)), (MeanAbsoluteError, "mean_absolute_error", ("mae",)),
        (MeanAbsolutePercentageError, "mean_absolute_percentage_error", ("mape",)),
        (MeanSquaredLogarithmicError, "mean_squared_logarithmic_error", ("msle",)),
        (Huber, "huber", ("huber_loss",)), (LogCosh, "log_cosh", ("logcosh",)),
        (BinaryCrossentropy, "binary_crossentropy", ("bce",)),
        (CategoricalCrossentropy, "categorical_crossentropy", ("cce",)),
        (SparseCategoricalCrossentropy, "sparse_categorical_crossentropy", ()),
        (KLDivergence, "kl_divergence", ("kld", "kullback_leibler_divergence")),
        (Poisson, "poisson", ()), (Hinge, "hinge", ()), (SquaredHinge, "squared_hinge", ()),
        (CosineSimilarity, "cosine_similarity", ())]:
    LOSSES.register(_name, _cls, aliases=_aliases)


def get(identifier):
    """A loss from a name, a ``Loss`` instance or any callable ``(y_true, y_pred)``."""
    if isinstance(identifier, str):
        return LOSSES.get(identifier)()
    if callable(identifier):
        return identifier
    raise ValueError(f"loss must be a name ({LOSSES.describe()}), a Loss or a function "
                     f"(y_true, y_pred), got {identifier!r}")
