"""The ``Optimizer`` base: parameters, learning rate (or schedule), clipping, state, saving.

Both ways work::

    opt = Adam(model.parameters(), lr=1e-3)         # PyTorch: bound now
    model.compile(optimizer=Adam(learning_rate=1e-3))  # Keras: bound on the first step

Subclasses implement ``update(p, g, state, lr)``: change ``p`` in place from
gradient ``g``, keeping their per-parameter arrays in the dict ``state``.
"""
import math

import numpy as np

from ..serialization import Serializable


class Optimizer(Serializable):
    def __init__(self, params=None, learning_rate=0.001, *, lr=None, weight_decay=0.0, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None):
        if isinstance(params, (int, float)) or callable(params):
            params, learning_rate = None, params   # Adam(0.01): a learning rate, Keras style
        self.learning_rate = learning_rate if lr is None else lr
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__
        self.iterations = 0
        self.params = None
        self.state = []
        if params is not None:
            self.set_params(params)

    def get_config(self):
        config = super().get_config()
        config.pop("params", None)
        config.pop("lr", None)
        from ..serialization import serialize
        config["learning_rate"] = serialize(self.learning_rate)
        return config

    # ----- parameters and learning rate
    def set_params(self, params):
        params = list(params)
        if not params:
            raise ValueError(f"{self.name}: got no parameters to optimize; is the model built? "
                             "Call it once on a batch, or give the first layer input_shape=")
        self.params = params
        self.state = [{} for _ in params]

    @property
    def lr(self):
        """The learning rate of the next step (a schedule is evaluated at ``iterations``)."""
        lr = self.learning_rate
        return float(lr(self.iterations)) if callable(lr) else float(lr)

    @lr.setter
    def lr(self, value):
        self.learning_rate = float(value)

    def zero_grad(self):
        for p in self.params or ():
            p.grad = None

    # ----- one step
    def step(self, params=None):
        """Update every parameter that has a gradient; bind ``params`` first if given."""
        if params is not None and self.params is None:
            self.set_params(params)
        if self.params is None:
            raise RuntimeError(f"{self.name}.step(): no parameters; pass them to the constructor "
                               "or to step()")
        lr = self.lr
        pairs = [(i, p, p.grad) for i, p in enumerate(self.params) if p.grad is not None]
        grads = self._clip([g for _, _, g in pairs])
        for (i, p, _), g in zip(pairs, grads):
            self.update(p.data, g, self.state[i], lr)
        self.iterations += 1

    def _clip(self, grads):
        if self.clipvalue is not None:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            out = []
            for g in grads:
                n = math.sqrt(float(np.vdot(g, g)))
                out.append(g * (self.clipnorm / n) if n > self.clipnorm else g)
            grads = out
        if self.global_clipnorm is not None:
            n = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
            if n > self.global_clipnorm:
                grads = [g * (self.global_clipnorm / n) for g in grads]
        return grads

    # ----- saving
    def state_dict(self):
        """``{"iterations", "learning_rate", "slots": [{name: array}, ...]}`` (slots in parameter order)."""
        return {"iterations": self.iterations, "slots": [dict(s) for s in self.state]}

    def load_state_dict(self, state):
        self.iterations = int(state["iterations"])
        slots = state["slots"]
        if self.params is not None and not slots:
            slots = [{} for _ in self.params]  # saved before it was bound to parameters: no state yet
        if self.params is not None and len(slots) != len(self.params):
            raise ValueError(f"{self.name}: saved state has {len(slots)} parameters, "
                             f"the optimizer has {len(self.params)}")
        self.state = [dict(s) for s in slots]
