"""The ``Optimizer`` base: parameters, learning rate (or schedule), clipping, state, saving.

Both ways work::

    opt = Adam(model.parameters(), lr=1e-3)         # PyTorch: bound now; opt.step() after backward()
    model.compile(optimizer=Adam(learning_rate=1e-3))  # Keras: bound on the first apply()

In a model's own ``train_step`` (Keras 3)::

    grads = axon.grad(loss, model.trainable_weights)
    optimizer.apply(grads, model.trainable_weights)   # or apply_gradients(zip(grads, weights))

Subclasses implement ``update(p, g, state, lr)``: change ``p`` in place from
gradient ``g``, keeping their per-parameter arrays in the dict ``state``.
"""
import math

import numpy as np

from ..ops.parallel import over_batch
from ..serialization import Serializable
from ..tensor import unwrap
from .schedules import LearningRateSchedule


FLUSH_EVERY = 100  # iterations between two flushes of the tiny values of the float32 state
TINY = 1e-30


def flush_tiny(state):
    """Set the float32 state values (moments, velocities) below ``TINY`` in magnitude to zero.

    A moment of a weight whose gradient stays zero (a weight of an always-black pixel) decays
    geometrically, Adam's m by beta_1 each step, into float32's subnormal range (below 1.2e-38),
    where every arithmetic op on it is tens of times slower: a VAE's Adam steps took twice as long
    after two epochs.  Run every ``FLUSH_EVERY`` iterations this keeps them out of it (from 1e-30
    the decay by 0.9 needs about 175 steps to get there), for three passes per 100 steps; an update
    changes by at most lr * 1e-22.
    """
    for slot in state:
        for key, value in slot.items():
            if not key.startswith("_") and isinstance(value, np.ndarray) and value.dtype == np.float32:
                np.copyto(value, 0, where=np.abs(value) < TINY)


def over_elements(fn, *arrays):
    """``fn(*arrays)`` for arrays of one shape, run on flat slices of them split over the threads
    when they are large (``ops.parallel.over_batch``); every element's update depends on its own
    values only, so the result is the same on any number of threads.  Arrays that are not
    contiguous are updated whole on the calling thread.

    >>> p, g = np.ones(5), np.arange(5.0)
    >>> over_elements(lambda p, g: np.subtract(p, g, out=p), p, g); p.tolist()
    [1.0, 0.0, -1.0, -2.0, -3.0]
    """
    if not all(a.flags.c_contiguous for a in arrays):
        fn(*arrays)
        return
    flat = [a.reshape(-1) for a in arrays]
    over_batch(lambda s, e: fn(*(a[s:e] for a in flat)), flat[0].size, flat[0].size * len(flat))


def check_range(who, argument, value, low, high, high_open=False):
    """Raise a ``ValueError`` naming ``who`` and ``argument`` unless ``low <= value <= high``
    (``< high`` when ``high_open``).

    >>> check_range("Adam", "beta_1", 1.5, 0.0, 1.0, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: Adam: beta_1 must be in [0, 1), got 1.5; pass a value in that range
    """
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and low <= value and (value < high if high_open else value <= high)
    if not ok:
        top = "inf" if high == math.inf else f"{high:g}"
        raise ValueError(f"{who}: {argument} must be in [{low:g}, {top}{')' if high_open else ']'}, "
                         f"got {value!r}; pass a value in that range")


class Optimizer(Serializable):
    def __init__(self, params=None, learning_rate=0.001, *, lr=None, weight_decay=0.0, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None):
        if isinstance(params, (int, float)) or callable(params):
            params, learning_rate = None, params   # Adam(0.01): a learning rate, Keras style
        self.name = name or type(self).__name__
        self._learning_rate = None
        self.learning_rate = learning_rate if lr is None else lr
        if self._learning_rate == 0:
            raise ValueError(f"{self.name}: learning_rate must be > 0, got 0; a zero rate never changes "
                             "the weights: pass a positive rate such as 0.001 (to freeze weights, set "
                             "layer.trainable = False)")
        check_range(self.name, "weight_decay", weight_decay, 0.0, math.inf)
        for argument, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
            if value is not None and not (isinstance(value, (int, float, np.integer, np.floating)) and value > 0):
                raise ValueError(f"{self.name}: {argument} must be a number > 0 or None, got {value!r}; pass e.g. "
                                 f"{argument}=1.0, or leave it out for no clipping")
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = 0
        self.params = None
        self.state = []
        self._slot = {}  # id(variable) -> its index in params and state
        if params is not None:
            self.set_params(params)

    def get_config(self):
        config = super().get_config()
        config.pop("params", None)
        config.pop("lr", None)
        from ..serialization import serialize
        config["learning_rate"] = serialize(self._learning_rate)
        return config

    # ----- parameters and learning rate
    def set_params(self, params):
        params = list(params)
        if not params:
            raise ValueError(f"{self.name}: got no parameters to optimize; is the model built? "
                             "Call it once on a batch, or give the first layer input_shape=")
        self.params = params
        self.state = [{} for _ in params]
        self._slot = {id(p): i for i, p in enumerate(params)}

    @property
    def variables(self):
        """The tensors this optimizer updates (Keras's name)."""
        return list(self.params or ())

    def _slots_of(self, variables):
        """The state index of each variable; variables seen for the first time are added with fresh
        state (a layer added to a model after its first step is trained too)."""
        if self.params is None:
            self.set_params(variables)
        out = []
        for v in variables:
            i = self._slot.get(id(v))
            if i is None:
                i = self._slot[id(v)] = len(self.params)
                self.params.append(v)
                self.state.append({})
            out.append(i)
        return out

    @property
    def learning_rate(self):
        """The learning rate of the next step, a float (Keras): a ``LearningRateSchedule`` is evaluated
        at ``iterations``, any other callable is called with no argument.

        Assigning a number sets the rate, assigning a schedule or callable makes it drive the rate; a
        number cannot replace a schedule (``TypeError``, as in Keras): assign another schedule.

        >>> from axon.optimizers import SGD, ExponentialDecay
        >>> opt = SGD(learning_rate=ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5))
        >>> opt.iterations = 10
        >>> round(opt.learning_rate, 6)
        0.05
        """
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return float(lr(self.iterations))
        return float(lr()) if callable(lr) else lr

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError(f"{self.name}: its learning rate is driven by the schedule "
                            f"{type(self._learning_rate).__name__}, so a number cannot be assigned to it; "
                            "create the optimizer with a float learning_rate to set the rate by hand, or "
                            "assign another schedule")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise ValueError(f"{self.name}: learning_rate must be a float, a LearningRateSchedule or a "
                             f"callable, got {value!r}; pass a number such as learning_rate=0.001")
        if not value >= 0:
            raise ValueError(f"{self.name}: learning_rate must be >= 0, got {value!r}; a negative rate "
                             "climbs the loss instead of descending it: pass a positive rate such as 0.001")
        self._learning_rate = float(value)

    @property
    def lr(self):
        """PyTorch's name for ``learning_rate``."""
        return self.learning_rate

    @lr.setter
    def lr(self, value):
        self.learning_rate = value

    def zero_grad(self):
        for p in self.params or ():
            p.grad = None

    # ----- one step
    def step(self, params=None):
        """PyTorch's step: update every bound parameter that has a ``.grad``; bind ``params`` first
        if given."""
        if params is not None and self.params is None:
            self.set_params(params)
        if self.params is None:
            raise RuntimeError(f"{self.name}.step(): no parameters; pass them to the constructor "
                               "or to step()")
        self.apply([p.grad for p in self.params], self.params)

    def apply(self, grads, variables=None):
        """Keras's apply: one update of ``variables`` (default: the bound ones) from ``grads``, arrays
        in the same order; a None gradient leaves its variable as it is.  The first call binds the
        optimizer to the variables it sees."""
        if variables is None:
            if self.params is None:
                raise RuntimeError(f"{self.name}.apply(grads): no variables yet; pass them: "
                                   "apply(grads, model.trainable_weights)")
            variables = self.params
        variables, grads = list(variables), list(grads)
        if len(grads) != len(variables):
            raise ValueError(f"{self.name}.apply: got {len(grads)} gradients for {len(variables)} variables")
        slots = self._slots_of(variables)
        pairs = [(i, v, g) for i, v, g in zip(slots, variables, grads) if g is not None]
        lr = self.lr
        clipped = self._clip([unwrap(g) for _, _, g in pairs])
        for (i, v, _), g in zip(pairs, clipped):
            if g.shape != v.shape:
                raise ValueError(f"{self.name}.apply: gradient of shape {g.shape} for variable "
                                 f"{v.name or ''!s} of shape {v.shape}")
            self.update(v.data, g, self.state[i], lr)
        self.iterations += 1
        if self.iterations % FLUSH_EVERY == 0:
            flush_tiny(self.state)

    def apply_gradients(self, grads_and_vars):
        """``apply`` for ``zip(grads, variables)`` pairs (Keras 2's name)."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

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
