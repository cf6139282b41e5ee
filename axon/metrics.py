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

from . import initializers
from .tensor import Tensor, to_numpy
from .ops.losses import expand_sample_weight
from .registry import Registry
from .serialization import Serializable, register_function
from .losses import (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,  # Keras re-exports
                     mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy,
                     sparse_categorical_crossentropy, kl_divergence, poisson, hinge, squared_hinge, log_cosh)


class Metric(Serializable):
    """Accumulates a value over batches; ``name`` is its key in the logs.

    A custom metric (Keras's way) creates its state with ``add_variable`` in ``__init__``,
    updates it in ``update_state`` (``var.assign_add(...)``) and computes ``result()``;
    ``reset_state`` puts every variable back to its initial value.

    >>> from axon import ops
    >>> class Positives(Metric):
    ...     def __init__(self, name="positives", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.seen = self.add_variable(shape=(), initializer="zeros", name="seen")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.seen.assign_add(ops.sum(ops.cast(ops.greater(y_pred, 0.5), "float32")))
    ...     def result(self):
    ...         return self.seen
    >>> m = Positives(); m.update_state(None, np.array([0.2, 0.9, 0.7])); float(m.result())
    2.0
    >>> m.reset_state(); float(m.result())
    0.0
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype
        self.__dict__.setdefault("_variables", [])
        # the running total of the built-in means (not reset_state(): a subclass's override may use
        # variables its __init__ creates after this call, as Keras's custom metrics do)
        self.total, self.count = 0.0, 0

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A state tensor of ``shape`` (``initializer`` a name or an array-valued callable), reset
        to its initial value by ``reset_state``; ``aggregation`` is accepted for Keras's signature."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        initial = np.asarray(initializers.get(initializer)(shape, np.dtype(dtype or "float32").type))
        var = Tensor(initial.copy(), name=f"{self.name}/{name or 'variable'}")
        self.__dict__.setdefault("_variables", []).append((var, initial))
        return var

    add_weight = add_variable

    @property
    def variables(self):
        return [v for v, _ in self.__dict__.get("_variables", [])]

    def reset_state(self):
        self.total, self.count = 0.0, 0
        for var, initial in self.__dict__.get("_variables", []):
            var.data[...] = initial

    def result(self):
        return self.total / self.count if self.count else 0.0

    def __call__(self, *args, **kwargs):
        """Update with this batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}: {self.result()}>"


def _snake(name):
    import re
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Mean(Metric):
    """Weighted mean of all the values given: a loss tracker (``Mean(name="d_loss")``).

    >>> m = Mean("loss")
    >>> m.update_state(2.0, sample_weight=1); m.update_state(np.array([5.0, 5.0, 5.0]))
    >>> m.result()
    4.25
    """

    def update_state(self, values, sample_weight=None):
        if np.ndim(values) == 0 and np.ndim(sample_weight) == 0:  # a batch's loss: one value, one weight
            w = 1.0 if sample_weight is None else float(sample_weight)
            self.total += float(values) * w
            self.count += w
            return
        v = np.asarray(to_numpy(values), dtype=np.float64)
        w = np.broadcast_to(1.0 if sample_weight is None else np.asarray(to_numpy(sample_weight), np.float64), v.shape)
        self.total += float((v * w).sum())
        self.count += float(w.sum())


def _weighted_sum(values, sample_weight):
    """(sum of weighted values, sum of weights); (N,) weights broadcast over later axes."""
    if sample_weight is None or values.ndim == 0:  # a function that returns the batch's mean
        return float(values.sum()), values.size
    w = expand_sample_weight(sample_weight, values.shape, np.float64, "metric")
    return float((values * w).sum()), float(w.sum())


class _MeanOfSamples(Metric):
    """The (weighted) mean over samples of ``per_sample(y_true, y_pred)``."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        total, count = _weighted_sum(self.per_sample(to_numpy(y_true), to_numpy(y_pred)), sample_weight)
        self.total += total
        self.count += count


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


def _labels(y, p, threshold=0.5):
    """Class indices from targets or predictions in any of Keras's encodings."""
    if p.ndim >= 2 and p.shape[-1] > 1:
        pred = p.argmax(-1)
        true = y.argmax(-1) if y.shape == p.shape else y.reshape(pred.shape)
    else:
        pred = (p.reshape(-1) > threshold).astype(np.int64)
        true = (y.reshape(-1) > 0.5).astype(np.int64)
    return true.astype(np.int64).reshape(-1), pred.reshape(-1)


class ConfusionMatrix(Metric):
    """Counts ``[true, predicted]`` over batches; ``result()`` is the (C, C) matrix."""

    def __init__(self, num_classes, name=None):
        self.num_classes = num_classes
        super().__init__(name)
        self.matrix = np.zeros((num_classes, num_classes), np.int64)

    def reset_state(self):
        self.matrix = np.zeros((self.num_classes, self.num_classes), np.int64)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = _labels(to_numpy(y_true), to_numpy(y_pred))
        m = confusion_matrix(t, p, self.num_classes, _flat_weights(sample_weight, len(t)))
        self.matrix = self.matrix + m

    def result(self):
        return self.matrix


class F1Score(Metric):
    """F1 from a running confusion matrix of argmax (or thresholded) predictions; binary outputs
    use class 1, several classes the ``average`` ('macro' or 'micro')."""

    def __init__(self, name=None, average="macro", threshold=0.5):
        self.average, self.threshold = average, threshold
        super().__init__(name)
        self.matrix, self.binary = None, True

    def reset_state(self):
        self.matrix = None
        self.binary = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y, p = to_numpy(y_true), to_numpy(y_pred)
        self.binary = not (p.ndim >= 2 and p.shape[-1] > 1)
        t, q = _labels(y, p, self.threshold)
        c = 2 if self.binary else p.shape[-1]
        m = confusion_matrix(t, q, c, _flat_weights(sample_weight, len(t)))
        self.matrix = m if self.matrix is None else self.matrix + m

    def result(self):
        if self.matrix is None:
            return 0.0
        f1 = precision_recall_f1(self.matrix)[2]
        if self.binary:
            return float(f1[1])
        if self.average == "micro":
            return float(np.trace(self.matrix) / max(self.matrix.sum(), 1))
        return float(f1.mean())


class _ConfusionCount(Metric):
    """The (weighted) number of entries in one cell of the binary confusion table, as Keras counts
    them: every entry of ``y_pred`` is one prediction, positive where it is ``> thresholds``; an
    entry of ``y_true`` is positive where it is not 0.  ``result()`` is the count."""
    predicted_positive = actual_positive = None  # the cell a subclass counts

    def __init__(self, thresholds=None, name=None, dtype=None):
        self.thresholds = _one_threshold(thresholds, self)
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = to_numpy(y_pred)
        y = to_numpy(y_true).reshape(p.shape)
        cell = ((p > self.thresholds) == self.predicted_positive) & ((y != 0) == self.actual_positive)
        self.total += _weighted_sum(cell.astype(np.float64), sample_weight)[0]

    def result(self):
        return self.total


def _one_threshold(thresholds, metric):
    if thresholds is None:
        return 0.5
    if isinstance(thresholds, bool) or not isinstance(thresholds, (int, float, np.floating)):
        raise ValueError(f"{type(metric).__name__}: thresholds must be one number (the default is 0.5); "
                         f"a list of thresholds is not supported, got {thresholds!r}")
    return float(thresholds)


class _PrecisionRecall(Metric):
    """Keras's precision and recall: every entry of ``y_pred`` is one binary prediction, positive
    where it is ``> thresholds`` (with ``top_k``, only a row's k largest entries can be), counted
    against the entries of ``y_true`` (class indices are read as one-hot rows); ``class_id`` keeps
    one column.  Counts are weighted by ``sample_weight``."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.thresholds = _one_threshold(thresholds, self)
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name, dtype)
        self.tp = self.fp = self.fn = 0.0

    def reset_state(self):
        self.tp = self.fp = self.fn = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        p, y = to_numpy(y_pred).astype(np.float64), to_numpy(y_true)
        if y.size != p.size and p.ndim >= 2 and y.size * p.shape[-1] == p.size:  # class indices
            y = np.eye(p.shape[-1])[y.reshape(p.shape[:-1]).astype(np.int64)]
        y = y.reshape(p.shape) != 0
        predicted = p > self.thresholds
        if self.top_k is not None:
            kth = -np.sort(-p, axis=-1)[..., self.top_k - 1:self.top_k]
            predicted &= p >= kth
        if self.class_id is not None:
            predicted, y = predicted[..., self.class_id], y[..., self.class_id]
        count = lambda cell: _weighted_sum(cell.astype(np.float64), sample_weight)[0]
        self.tp += count(predicted & y)
        self.fp += count(predicted & ~y)
        self.fn += count(~predicted & y)


class Precision(_PrecisionRecall):
    """tp / (tp + fp), 0 when nothing was predicted positive.

    >>> m = Precision(); m.update_state(np.array([0, 1, 1, 1]), np.array([1.0, 1.0, 0.0, 0.0]))
    >>> m.result()
    0.5
    """

    def result(self):
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0


class Recall(_PrecisionRecall):
    """tp / (tp + fn), 0 when there was no positive."""

    def result(self):
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


class TruePositives(_ConfusionCount):
    """How many positives were predicted positive.

    >>> m = TruePositives(); m.update_state(np.array([0, 1, 1, 1]), np.array([0.9, 0.8, 0.3, 0.6]))
    >>> m.result()
    2.0
    """
    predicted_positive, actual_positive = True, True


class FalsePositives(_ConfusionCount):
    """How many negatives were predicted positive (false alarms)."""
    predicted_positive, actual_positive = True, False


class TrueNegatives(_ConfusionCount):
    """How many negatives were predicted negative."""
    predicted_positive, actual_positive = False, False


class FalseNegatives(_ConfusionCount):
    """How many positives were predicted negative (misses)."""
    predicted_positive, actual_positive = False, True


def _flat_weights(sample_weight, n):
    """Per-sample weights repeated over the positions of each sample (``n`` labels in all)."""
    if sample_weight is None:
        return None
    w = np.asarray(to_numpy(sample_weight), dtype=np.float64).reshape(-1)
    return np.repeat(w, n // len(w)) if len(w) and n % len(w) == 0 else w


def confusion_matrix(y_true, y_pred, num_classes=None, sample_weight=None):
    """(C, C) counts (sums of ``sample_weight`` when given): row = true class, column = predicted."""
    t = np.asarray(y_true, dtype=np.int64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    c = num_classes or int(max(t.max(initial=0), p.max(initial=0)) + 1)
    counts = np.bincount(t * c + p, weights=sample_weight, minlength=c * c).reshape(c, c)
    return counts if sample_weight is None else counts.astype(np.float64)


def precision_recall_f1(matrix):
    """Per-class precision, recall and F1 from a confusion matrix (0 where undefined)."""
    m = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(m)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.nan_to_num(tp / m.sum(0))
        rec = np.nan_to_num(tp / m.sum(1))
        f1 = np.nan_to_num(2 * prec * rec / (prec + rec))
    return prec, rec, f1


# ----- Keras's lowercase metric functions: one value per sample (1.0 for a hit), as a tensor
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


class MeanMetricWrapper(_MeanOfSamples):
    """The (weighted) mean over samples of ``fn(y_true, y_pred, **kwargs)``, a function returning
    one value per sample (``metrics=[my_function]`` makes one)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self.fn, self.fn_kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", "metric"), dtype)

    def per_sample(self, y, p):
        return np.asarray(to_numpy(self.fn(y, p, **self.fn_kwargs)), dtype=np.float64)


class Sum(Metric):
    """The (weighted) sum of all the values given."""

    def update_state(self, values, sample_weight=None):
        v = np.asarray(to_numpy(values), dtype=np.float64)
        w = 1.0 if sample_weight is None else np.asarray(to_numpy(sample_weight), np.float64)
        self.total += float((v * w).sum())

    def result(self):
        return self.total
