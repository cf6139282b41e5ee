"""Optimizers with per-parameter step sizes: Adagrad, RMSprop, Adam, AdamW.

Updates run in place on preallocated arrays: no new arrays per step beyond
one scratch buffer per parameter; a large parameter's update runs in slices
over the threads (``optimizer.over_elements``).
"""
import math

import numpy as np

from .optimizer import Optimizer, check_range, over_elements


def _scratch(state, p):
    buf = state.get("_scratch")
    if buf is None:
        buf = state["_scratch"] = np.empty_like(p)
    return buf


class Adagrad(Optimizer):
    """sum += g^2;  p -= lr * g / (sqrt(sum) + eps)."""

    def __init__(self, params=None, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(params, learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def update(self, p, g, state, lr):
        if self.weight_decay:
            g = g + self.weight_decay * p
        acc = state.get("accumulator")
        if acc is None:
            acc = state["accumulator"] = np.full_like(p, self.initial_accumulator_value)
        eps = self.epsilon

        def run(p, g, acc, tmp):
            np.multiply(g, g, out=tmp)
            acc += tmp
            np.sqrt(acc, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            tmp *= lr
            p -= tmp
        over_elements(run, p, g, acc, _scratch(state, p))


class RMSprop(Optimizer):
    """v = rho v + (1 - rho) g^2;  p -= lr * g / (sqrt(v) + eps)  (centered: v - mean(g)^2;
    momentum: a velocity of these steps)."""

    def __init__(self, params=None, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(params, learning_rate, **kwargs)
        check_range(self.name, "rho", rho, 0.0, 1.0, high_open=True)
        check_range(self.name, "momentum", momentum, 0.0, 1.0)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def update(self, p, g, state, lr):
        if self.weight_decay:
            g = g + self.weight_decay * p
        v = state.get("velocity")
        if v is None:
            v = state["velocity"] = np.zeros_like(p)
        mg = state.setdefault("average_gradient", np.zeros_like(p)) if self.centered else None
        buf = state.setdefault("momentum", np.zeros_like(p)) if self.momentum else None
        rho, eps, momentum, centered = self.rho, self.epsilon, self.momentum, self.centered

        def run(p, g, v, tmp, *rest):  # rest: the slices of mg and buf, those in use
            rest = iter(rest)
            mg, buf = next(rest) if centered else None, next(rest) if momentum else None
            np.multiply(g, g, out=tmp)
            tmp -= v
            tmp *= 1 - rho
            v += tmp
            if mg is not None:  # centered: v - mean(g)^2
                np.subtract(g, mg, out=tmp)
                tmp *= 1 - rho
                mg += tmp
                np.multiply(mg, mg, out=tmp)
                np.subtract(v, tmp, out=tmp)
                np.sqrt(tmp, out=tmp)
            else:
                np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            if buf is not None:
                buf *= momentum
                buf += tmp
                np.multiply(buf, lr, out=tmp)
            else:
                tmp *= lr
            p -= tmp
        over_elements(run, p, g, v, _scratch(state, p), *[a for a in (mg, buf) if a is not None])


class Adam(Optimizer):
    """Adam (Kingma and Ba) with bias correction:
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps).
    ``amsgrad`` uses the running maximum of v."""

    def __init__(self, params=None, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 amsgrad=False, **kwargs):
        super().__init__(params, learning_rate, **kwargs)
        check_range(self.name, "beta_1", beta_1, 0.0, 1.0, high_open=True)
        check_range(self.name, "beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    decoupled = False  # weight decay added to the gradient (L2, as PyTorch's Adam)

    def update(self, p, g, state, lr):
        b1, b2 = self.beta_1, self.beta_2
        if self.weight_decay:
            if self.decoupled:
                p *= 1 - lr * self.weight_decay
            else:
                g = g + self.weight_decay * p
        m = state.get("m")
        if m is None:
            m = state["m"] = np.zeros_like(p)
            state["v"] = np.zeros_like(p)
            state["t"] = 0
        v = state["v"]
        state["t"] += 1
        t = state["t"]
        vmax = state.setdefault("v_max", np.zeros_like(p)) if self.amsgrad else None
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        # lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps) == lr*sqrt(bc2)/bc1 * m / (sqrt(v) + eps*sqrt(bc2))
        eps, step = self.epsilon * math.sqrt(bc2), lr * math.sqrt(bc2) / bc1

        def run(p, g, m, v, tmp, vmax=None):  # slices of the parameter, its gradient and state
            np.subtract(g, m, out=tmp)
            tmp *= 1 - b1
            m += tmp
            np.multiply(g, g, out=tmp)
            tmp -= v
            tmp *= 1 - b2
            v += tmp
            if vmax is not None:
                np.maximum(vmax, v, out=vmax)
                v = vmax
            np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= step
            p -= tmp
        over_elements(run, p, g, m, v, _scratch(state, p), *([] if vmax is None else [vmax]))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter): p -= lr * wd * p, then Adam."""
    decoupled = True

    def __init__(self, params=None, learning_rate=0.001, weight_decay=0.01, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, amsgrad=False, **kwargs):
        super().__init__(params, learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
