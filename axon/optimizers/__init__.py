"""Optimizers and learning-rate schedules.

>>> import axon
>>> get("adam").learning_rate
0.001
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adaptive import Adagrad, RMSprop, Adam, AdamW
from . import schedules
from .schedules import ExponentialDecay, StepDecay, PiecewiseConstantDecay, CosineDecay

ALIASES = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}


def get(identifier, **kwargs):
    """An optimizer from its name (with default settings) or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in ALIASES:
        return ALIASES[identifier.lower()](**kwargs)
    raise ValueError(f"Unknown optimizer {identifier!r}; expected one of {sorted(ALIASES)} "
                     "or an Optimizer instance")
