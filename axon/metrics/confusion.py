"""Metrics of the confusion table: the counts (``TruePositives``, ...), ``Precision`` and ``Recall``
as Keras counts them, the running ``ConfusionMatrix`` and ``F1Score``, and the plain functions
``confusion_matrix`` and ``precision_recall_f1``."""
import numpy as np

from ..tensor import to_numpy
from .base import Metric, _weighted_sum


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
