"""Metrics: streaming (Keras ``Metric`` objects used by ``fit``) and plain functions.

Streaming metrics take arrays or tensors: ``update_state(y_true, y_pred,
sample_weight=None)``, ``result()``, ``reset_state()``.  A model owns its metric
objects (``model.metrics``); ``fit`` and ``evaluate`` reset them each epoch.

>>> import numpy as np
>>> m = SparseCategoricalAccuracy()
>>> m.update_state(np.array([1, 0]), np.array([[0.2, 0.8], [0.3, 0.7]]))
>>> float(m.result())
0.5
"""
import numpy as np

from ..registry import Registry
from ..serialization import register_function
from ..tensor import Tensor, to_numpy
from ..losses import (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,  # Keras re-exports
                      mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy,
                      sparse_categorical_crossentropy, kl_divergence, poisson, hinge, squared_hinge, log_cosh)
from .base import Metric, Mean, Sum, MeanMetricWrapper, _MeanOfSamples
from .confusion import (ConfusionMatrix, F1Score, Precision, Recall, TruePositives, FalsePositives, TrueNegatives,
                        FalseNegatives, confusion_matrix, precision_recall_f1)


class Accuracy(_MeanOfSamples):
    """Fraction of predictions exactly equal to the targets."""

    def per_sample(self, y, p):
        return (y.reshape(p.shape) == p) if y.size == p.size else (y == p)


def _binary_hits(y, p, threshold=0.5):
    return (y.reshape(p.shape) > 0.5) == (p > threshold)


def _categorical_hits(y, p):
    return y.argmax(-1) == p.argmax(-1)


def _sparse_hits(y, p):
    return y.reshape(p.shape[:-1]) == p.argmax(-1)


def _in_top_k(labels, p, k):
    target = np.take_along_axis(p, labels[..., None], -1)
    return (p > target).sum(-1) < k


class BinaryAccuracy(_MeanOfSamples):
    def __init__(self, name=None, threshold=0.5):
        self.threshold = threshold
        super().__init__(name)

    def per_sample(self, y, p):
        return _binary_hits(y, p, self.threshold)


class CategoricalAccuracy(_MeanOfSamples):
    def per_sample(self, y, p):
        return _categorical_hits(y, p)


class SparseCategoricalAccuracy(_MeanOfSamples):
    def per_sample(self, y, p):
        return _sparse_hits(y, p)


class TopKCategoricalAccuracy(_MeanOfSamples):
    def __init__(self, k=5, name=None):
        self.k = k
        super().__init__(name)

    def per_sample(self, y, p):
        return _in_top_k(y.argmax(-1), p, self.k)


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    def per_sample(self, y, p):
        return _in_top_k(y.reshape(p.shape[:-1]).astype(np.int64), p, self.k)


class MeanSquaredError(_MeanOfSamples):
    def per_sample(self, y, p):
        return (p - y.reshape(p.shape)) ** 2


class MeanAbsoluteError(_MeanOfSamples):
    def per_sample(self, y, p):
        return np.abs(p - y.reshape(p.shape))


def _hits(fn, y_true, y_pred, *args):
    return Tensor(fn(to_numpy(y_true), to_numpy(y_pred), *args).astype(np.float32))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The fraction of each sample's entries where ``y_pred > threshold`` agrees with the 0/1
    target (the mean over the last axis, as Keras)."""
    hits = _hits(_binary_hits, y_true, y_pred, threshold)
    return Tensor(hits.data.mean(-1)) if hits.ndim > 1 else hits


def categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction is at the one-hot target's class."""
    return _hits(_categorical_hits, y_true, y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction is at the class index ``y_true``."""
    return _hits(_sparse_hits, y_true, y_pred)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target's class is among the ``k`` largest predictions."""
    return Tensor(_in_top_k(to_numpy(y_true).argmax(-1), to_numpy(y_pred), k).astype(np.float32))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the class index ``y_true`` is among the ``k`` largest predictions."""
    p = to_numpy(y_pred)
    return Tensor(_in_top_k(to_numpy(y_true).reshape(p.shape[:-1]).astype(np.int64), p, k).astype(np.float32))


for _fn in (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
            sparse_top_k_categorical_accuracy):
    register_function(_fn, _fn.__name__)


def accuracy_score(y_true, y_pred):
    """Fraction of equal labels."""
    return float(np.mean(np.asarray(y_true).reshape(-1) == np.asarray(y_pred).reshape(-1)))


METRICS = Registry("metric")
for _cls, _name, _aliases in [
        (BinaryAccuracy, "binary_accuracy", ()), (CategoricalAccuracy, "categorical_accuracy", ()),
        (SparseCategoricalAccuracy, "sparse_categorical_accuracy", ()),
        (TopKCategoricalAccuracy, "top_k_categorical_accuracy", ()),
        (SparseTopKCategoricalAccuracy, "sparse_top_k_categorical_accuracy", ()),
        (MeanSquaredError, "mean_squared_error", ("mse",)), (MeanAbsoluteError, "mean_absolute_error", ("mae",)),
        (Precision, "precision", ()), (Recall, "recall", ()), (F1Score, "f1_score", ("f1",))]:
    METRICS.register(_name, _cls, aliases=_aliases)


def get(identifier, loss=None):
    """A metric from a name, an instance or a function ``(y_true, y_pred)``.

    ``'accuracy'``/``'acc'`` picks binary, categorical or sparse accuracy from
    the loss, as Keras does, and is logged under the name given.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            kind = _accuracy_for(loss)
            return kind(name=identifier) if kind else _AutoAccuracy(name=identifier)
        try:
            return METRICS.get(identifier)(name=identifier)
        except ValueError as e:
            raise ValueError(f"{e}, or 'accuracy'") from None
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"metric must be a name ('accuracy', {METRICS.describe()}), a Metric or a "
                     f"function (y_true, y_pred), got {identifier!r}")


def _accuracy_for(loss):
    name = loss if isinstance(loss, str) else type(loss).__name__
    name = name.lower().replace("_", "")
    if "sparsecategorical" in name:
        return SparseCategoricalAccuracy
    if "categorical" in name or name == "cce":
        return CategoricalAccuracy
    if "binary" in name or name == "bce":
        return BinaryAccuracy
    return None


class _AutoAccuracy(_MeanOfSamples):
    """Accuracy whose kind is chosen from the shapes, as Keras does for an unknown loss."""

    def per_sample(self, y, p):
        if p.ndim == 1 or p.shape[-1] == 1:
            return (y.reshape(p.shape) > 0.5) == (p > 0.5)
        if y.shape == p.shape:
            return y.argmax(-1) == p.argmax(-1)
        return y.reshape(p.shape[:-1]) == p.argmax(-1)
