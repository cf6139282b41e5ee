"""Loss classes with Keras names and string aliases; each call returns a scalar tensor.

>>> import axon, numpy as np
>>> loss = axon.losses.get("sparse_categorical_crossentropy")
>>> round(float(loss(np.array([0]), np.array([[0.5, 0.5]], "float32"))), 4)
0.6931
"""
from . import ops as F
from .registry import Registry
from .serialization import Serializable
from .ops import losses as L


class Loss(Serializable):
    """``loss(y_true, y_pred, sample_weight=None)`` -> a scalar tensor: the batch mean of the
    per-sample loss (each sample's value times its weight, when weights are given).

    Built-in losses run one fused op.  A subclass may instead define
    ``call(y_true, y_pred)`` returning the per-sample values (a tensor of shape (N,)
    or (N, T)); ``__call__`` weighs and averages them.
    """
    fn = None

    def __call__(self, y_true, y_pred, sample_weight=None):
        if type(self).fn is not None:
            return type(self).fn(y_true, y_pred, **self._options(), sample_weight=sample_weight)
        call = getattr(self, "call", None)
        if call is None:
            raise TypeError(f"{type(self).__name__}: a Loss subclass defines call(y_true, y_pred) returning "
                            "the loss of each sample")
        return self.reduce(call(y_true, y_pred), sample_weight)

    @staticmethod
    def reduce(values, sample_weight=None):
        """The mean of per-sample loss ``values`` (N,) or (N, T), each times its weight (Keras's
        "sum_over_batch_size"); (N,) weights broadcast over later axes."""
        if sample_weight is not None:
            values = values * L.expand_sample_weight(sample_weight, values.shape, values.dtype, "loss")
        return F.mean(values)

    def _options(self):
        """Keyword arguments of ``fn`` besides the targets, predictions and weights."""
        return {}


class MeanSquaredError(Loss):
    fn = staticmethod(L.mean_squared_error)


class MeanAbsoluteError(Loss):
    fn = staticmethod(L.mean_absolute_error)


class KLDivergence(Loss):
    fn = staticmethod(L.kl_divergence)


class Huber(Loss):
    fn = staticmethod(L.huber)

    def __init__(self, delta=1.0):
        self.delta = delta

    def _options(self):
        return {"delta": self.delta}


class _CrossEntropy(Loss):
    def __init__(self, from_logits=False):
        self.from_logits = from_logits

    def _options(self):
        return {"from_logits": self.from_logits}


class BinaryCrossentropy(_CrossEntropy):
    fn = staticmethod(L.binary_crossentropy)


class CategoricalCrossentropy(_CrossEntropy):
    fn = staticmethod(L.categorical_crossentropy)


class SparseCategoricalCrossentropy(_CrossEntropy):
    """Cross-entropy against class indices; ``ignore_class`` (e.g. 0 for padding) leaves those
    targets out of the mean."""
    fn = staticmethod(L.sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, ignore_class=None):
        super().__init__(from_logits)
        self.ignore_class = ignore_class

    def _options(self):
        return {"from_logits": self.from_logits, "ignore_class": self.ignore_class}


LOSSES = Registry("loss")
for _cls, _name, _aliases in [
        (MeanSquaredError, "mean_squared_error", ("mse",)), (MeanAbsoluteError, "mean_absolute_error", ("mae",)),
        (Huber, "huber", ("huber_loss",)), (BinaryCrossentropy, "binary_crossentropy", ("bce",)),
        (CategoricalCrossentropy, "categorical_crossentropy", ("cce",)),
        (SparseCategoricalCrossentropy, "sparse_categorical_crossentropy", ()),
        (KLDivergence, "kl_divergence", ("kld", "kullback_leibler_divergence"))]:
    LOSSES.register(_name, _cls, aliases=_aliases)


def get(identifier):
    """A loss from a name, a ``Loss`` instance or any callable ``(y_true, y_pred)``."""
    if isinstance(identifier, str):
        return LOSSES.get(identifier)()
    if callable(identifier):
        return identifier
    raise ValueError(f"loss must be a name ({LOSSES.describe()}), a Loss or a function "
                     f"(y_true, y_pred), got {identifier!r}")
