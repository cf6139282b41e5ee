"""The streaming-metric base: ``Metric`` (state, ``update_state``/``result``/``reset_state``), the
running ``Mean`` and ``Sum``, and the mean over samples of a per-sample function."""
import numpy as np

from .. import initializers
from ..tensor import Tensor, to_numpy
from ..ops.losses import expand_sample_weight
from ..serialization import Serializable


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
