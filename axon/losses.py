"""Loss classes with Keras names and string aliases; each call returns a scalar tensor.

>>> import axon, numpy as np
>>> loss = axon.losses.get("sparse_categorical_crossentropy")
>>> round(float(loss(np.array([0]), np.array([[0.5, 0.5]], "float32"))), 4)
0.6931
"""
from .serialization import Serializable
from .ops import losses as L


class Loss(Serializable):
    """``loss(y_true, y_pred)`` -> mean over the batch of the per-sample loss."""
    fn = None

    def __call__(self, y_true, y_pred):
        return type(self).fn(y_true, y_pred)


class MeanSquaredError(Loss):
    fn = staticmethod(L.mean_squared_error)


class MeanAbsoluteError(Loss):
    fn = staticmethod(L.mean_absolute_error)


class KLDivergence(Loss):
    fn = staticmethod(L.kl_divergence)


class Huber(Loss):
    def __init__(self, delta=1.0):
        self.delta = delta

    def __call__(self, y_true, y_pred):
        return L.huber(y_true, y_pred, self.delta)


class _CrossEntropy(Loss):
    def __init__(self, from_logits=False):
        self.from_logits = from_logits

    def __call__(self, y_true, y_pred):
        return type(self).fn(y_true, y_pred, from_logits=self.from_logits)


class BinaryCrossentropy(_CrossEntropy):
    fn = staticmethod(L.binary_crossentropy)


class CategoricalCrossentropy(_CrossEntropy):
    fn = staticmethod(L.categorical_crossentropy)


class SparseCategoricalCrossentropy(_CrossEntropy):
    fn = staticmethod(L.sparse_categorical_crossentropy)


ALIASES = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy, "cce": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
}


def get(identifier):
    """A loss from a string alias, a ``Loss`` instance or any callable ``(y_true, y_pred)``."""
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in ALIASES:
            raise ValueError(f"Unknown loss {identifier!r}; expected one of {sorted(ALIASES)}, "
                             "a Loss instance or a function (y_true, y_pred)")
        return ALIASES[key]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Unknown loss {identifier!r}: expected a string, a Loss or a callable")
