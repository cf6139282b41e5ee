"""Optimizers and learning-rate schedules.

>>> import axon
>>> get("adam").learning_rate
0.001
"""
from ..registry import Registry
from .optimizer import Optimizer
from .sgd import SGD
from .adaptive import Adagrad, RMSprop, Adam, AdamW
from . import schedules
from .schedules import ExponentialDecay, StepDecay, PiecewiseConstantDecay, CosineDecay

OPTIMIZERS = Registry("optimizer")
for _cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
    OPTIMIZERS.register(_cls.__name__, _cls)


def get(identifier, **kwargs):
    """An optimizer from its name (with default settings, or ``kwargs``) or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return OPTIMIZERS.get(identifier)(**kwargs)
    raise ValueError(f"optimizer must be a name ({OPTIMIZERS.describe()}) or an Optimizer instance, "
                     f"got {identifier!r}; pass e.g. optimizer='adam' or optimizer=Adam(learning_rate=1e-3)")
