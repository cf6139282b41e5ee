"""Stochastic gradient descent with momentum and Nesterov momentum."""
import numpy as np

from .optimizer import Optimizer, check_range, over_elements


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
        if not self.momentum:
            over_elements(lambda p, g: np.subtract(p, lr * g, out=p), p, g)
            return
        v = state.get("momentum")
        first = v is None
        if first:
            v = state["momentum"] = np.array(g, dtype=p.dtype, copy=True)
        momentum, nesterov = self.momentum, self.nesterov

        def run(p, g, v):  # slices of the parameter, its gradient and velocity
            if not first:
                v *= momentum
                v += g
            p -= lr * (g + momentum * v if nesterov else v)
        over_elements(run, p, g, v)
