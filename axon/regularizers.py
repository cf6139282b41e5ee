"""Weight penalties added to the training loss: ``L1``, ``L2``, ``L1L2``.

>>> import axon
>>> layer = axon.layers.Dense(4, kernel_regularizer=axon.regularizers.L2(1e-4))
"""
import numbers

from .registry import Registry
from .serialization import Serializable
from . import ops as F


class Regularizer(Serializable):
    """Base of penalties: ``reg(w)`` is a scalar tensor added to the loss."""


class L1L2(Regularizer):
    """l1 * sum|w| + l2 * sum w^2 (Keras's definition: no factor 1/2)."""

    def __init__(self, l1=0.0, l2=0.0):
        for argument, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
                raise ValueError(f"{type(self).__name__}: {argument} must be a number >= 0 (the penalty "
                                 f"factor), got {value!r}; a negative factor rewards large weights: pass "
                                 f"e.g. {argument}=1e-4")
        self.l1, self.l2 = l1, l2

    def __call__(self, w):
        total = 0.0
        if self.l1:
            total = total + F.sum(F.abs(w)) * self.l1
        if self.l2:
            total = total + F.sum(F.square(w)) * self.l2
        return total


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)


l1, l2, l1_l2 = L1, L2, L1L2  # Keras's lowercase aliases: regularizers.l2(1e-4)

REGULARIZERS = Registry("regularizer")
for _cls, _name in [(L1, "l1"), (L2, "l2"), (L1L2, "l1_l2")]:
    REGULARIZERS.register(_name, _cls)


def get(identifier):
    """A regularizer from a name ('l1', 'l2', 'l1_l2'), an instance, a callable or None."""
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        return REGULARIZERS.get(identifier)()
    raise ValueError(f"regularizer must be a name ({REGULARIZERS.describe()}), a Regularizer or None, "
                     f"got {identifier!r}")
