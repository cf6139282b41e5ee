"""Penalties added to the training loss: ``L1``, ``L2``, ``L1L2`` (of weights or of activities), and
``KLSparsity`` (of the mean activity of sigmoid units, the sparse autoencoder's penalty).

>>> import axon
>>> layer = axon.layers.Dense(4, kernel_regularizer=axon.regularizers.L2(1e-4))
>>> hidden = axon.layers.Dense(64, activation="sigmoid", activity_regularizer=axon.regularizers.KLSparsity(0.05))
"""
import math
import numbers

import numpy as np

from .registry import Registry
from .serialization import Serializable
from .tensor import Tensor
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


class KLSparsity(Regularizer):
    """The sparsity penalty of a sparse autoencoder (Ng's lecture notes on sparse autoencoders):

        weight * sum_j KL(target || rho_j),
        KL(p || q) = p log(p / q) + (1 - p) log((1 - p) / (1 - q)),

    where ``rho_j`` is the mean activation of unit ``j`` over the batch (axis 0; each remaining
    position is a unit), clipped to ``[1e-7, 1 - 1e-7]``.  Meant for activations in (0, 1), e.g.
    a sigmoid layer's ``activity_regularizer``; it is smallest (zero) when every unit is active a
    fraction ``target`` of the time.  The value is already a mean over the batch
    (``averages_batch``), so activity regularization does not divide it by the batch size.

    >>> import numpy as np
    >>> round(float(KLSparsity(target=0.5, weight=1.0)(np.full((4, 3), 0.5)).data), 6)
    0.0
    """
    averages_batch = True
    epsilon = 1e-7

    def __init__(self, target=0.05, weight=1e-3):
        if isinstance(target, bool) or not isinstance(target, numbers.Real) or not 0 < target < 1:
            raise ValueError(f"KLSparsity: target must lie in (0, 1) (the wanted mean activation of each "
                             f"unit), got {target!r}; pass e.g. target=0.05")
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not weight >= 0:
            raise ValueError(f"KLSparsity: weight must be a number >= 0 (the penalty factor), got {weight!r}; "
                             "pass e.g. weight=1e-3")
        self.target, self.weight = float(target), float(weight)

    def __call__(self, activations):
        a = activations if isinstance(activations, Tensor) else Tensor(np.asarray(activations))
        rho = F.clip(F.mean(a, axis=0), self.epsilon, 1.0 - self.epsilon)
        p = self.target
        kl = (p * math.log(p) + (1.0 - p) * math.log(1.0 - p)) - p * F.log(rho) - (1.0 - p) * F.log(1.0 - rho)
        return F.sum(kl) * self.weight


l1, l2, l1_l2 = L1, L2, L1L2  # Keras's lowercase aliases: regularizers.l2(1e-4)

REGULARIZERS = Registry("regularizer")
for _cls, _name in [(L1, "l1"), (L2, "l2"), (L1L2, "l1_l2"), (KLSparsity, "kl_sparsity")]:
    REGULARIZERS.register(_name, _cls)


def get(identifier):
    """A regularizer from a name ('l1', 'l2', 'l1_l2', 'kl_sparsity'), an instance, a callable or None."""
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        return REGULARIZERS.get(identifier)()
    raise ValueError(f"regularizer must be a name ({REGULARIZERS.describe()}), a Regularizer or None, "
                     f"got {identifier!r}")
