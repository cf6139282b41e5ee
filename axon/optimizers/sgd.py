"""Stochastic gradient descent with momentum and Nesterov momentum."""
import numpy as np

from .optimizer import Optimizer, check_range


class SGD(Optimizer):
    """p -= lr * v, with v = momentum * v + g (v = g when momentum is 0); Nesterov uses
    g + momentum * v.  ``weight_decay`` adds wd * p to the gradient (as PyTorch)."""

    def __init__(self, params=None, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(params, learning_rate, **kwargs)
        check_range("SGD", "momentum", momentum, 0.0, 1.0)
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.momentum, self.nesterov = momentum, nesterov

    def update(self, p, g, state, lr):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            v = state.get("momentum")
            if v is None:
                v = state["momentum"] = np.array(g, dtype=p.dtype, copy=True)
            else:
                v *= self.momentum
                v += g
            g = g + self.momentum * v if self.nesterov else v
        p -= lr * g
