"""Learning-rate schedules with Keras 3's names, arguments and formulas: callables
``schedule(step) -> learning rate``, where ``step`` counts the optimizer's updates so far.

An optimizer given a schedule as its ``learning_rate`` evaluates it at ``optimizer.iterations``
before every update.

>>> warm = CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
>>> [round(warm(s), 3) for s in (0, 2, 4, 9, 14)]
[0.0, 0.5, 1.0, 0.5, 0.0]
"""
import math

from ..serialization import Serializable


class LearningRateSchedule(Serializable):
    """Base of schedules: ``schedule(step)`` gives the learning rate after ``step`` updates.

    Subclasses implement ``__call__(step)``; their constructor arguments are their config
    (saved with the model)."""


def _positive_steps(schedule, argument, value):
    if value <= 0:
        raise ValueError(f"{type(schedule).__name__}: {argument} must be > 0, got {value}")


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase`` the
    exponent is floored, so the rate drops once per ``decay_steps`` updates."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _positive_steps(self, "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase else p)


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; with ``staircase``
    ``step / decay_steps`` is floored."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _positive_steps(self, "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate / (1 + self.decay_rate * (math.floor(p) if self.staircase else p))


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps``:
    ``(initial - end) * (1 - step / decay_steps) ** power + end``, then ``end``.  With ``cycle``
    the decay restarts: ``decay_steps`` becomes its first multiple at or above ``step``."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _positive_steps(self, "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step):
        steps = self.decay_steps
        if self.cycle:
            steps *= 1 if step == 0 else math.ceil(step / steps)
        else:
            step = min(step, steps)
        return (self.initial_learning_rate - self.end_learning_rate) * (1 - step / steps) ** self.power \
            + self.end_learning_rate


class StepDecay(LearningRateSchedule):
    """``initial_learning_rate * factor ** floor(step / step_size)``: the rate is multiplied by
    ``factor`` every ``step_size`` updates (PyTorch's ``StepLR``)."""

    def __init__(self, initial_learning_rate, step_size, factor=0.1):
        _positive_steps(self, "step_size", step_size)
        self.initial_learning_rate, self.step_size, self.factor = initial_learning_rate, step_size, factor

    def __call__(self, step):
        return self.initial_learning_rate * self.factor ** (step // self.step_size)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay: need one more value than boundaries, got "
                             f"{len(boundaries)} boundaries and {len(values)} values")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return v
        return self.values[-1]


class CosineDecay(LearningRateSchedule):
    """Cosine decay with an optional linear warm-up, as Keras 3 defines it.

    Without ``warmup_target``: ``initial_learning_rate * ((1 - alpha) * c + alpha)`` with
    ``c = 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))`` (``warmup_steps`` is then
    ignored).  With ``warmup_target``: for ``step < warmup_steps`` the rate rises linearly,
    ``initial_learning_rate + (warmup_target - initial_learning_rate) * step / warmup_steps``; then
    the cosine above runs from ``warmup_target`` down to ``warmup_target * alpha`` over the next
    ``decay_steps`` steps (``step - warmup_steps``) and stays there."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _positive_steps(self, "decay_steps", decay_steps)
        if warmup_target is not None and warmup_steps < 0:
            raise ValueError(f"CosineDecay: warmup_steps must be >= 0, got {warmup_steps}")
        self.initial_learning_rate, self.decay_steps, self.alpha = initial_learning_rate, decay_steps, alpha
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def _decay(self, step, start):
        c = 0.5 * (1 + math.cos(math.pi * min(step, self.decay_steps) / self.decay_steps))
        return start * ((1 - self.alpha) * c + self.alpha)

    def __call__(self, step):
        if self.warmup_target is None:
            return self._decay(step, self.initial_learning_rate)
        if step < self.warmup_steps:
            lr = self.initial_learning_rate
            return lr + (self.warmup_target - lr) * step / self.warmup_steps
        return self._decay(step - self.warmup_steps, self.warmup_target)


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): the first period decays from
    ``initial_learning_rate`` to ``initial_learning_rate * alpha`` over ``first_decay_steps``; each
    restart then lasts ``t_mul`` times longer and starts ``m_mul`` times lower.  In period ``i``
    at fraction ``f`` of it the rate is ``initial_learning_rate * ((1 - alpha) * m_mul**i * 0.5 *
    (1 + cos(pi * f)) + alpha)``."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _positive_steps(self, "first_decay_steps", first_decay_steps)
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self.t_mul, self.m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        f = step / self.first_decay_steps
        if self.t_mul == 1.0:
            i = math.floor(f)
            f -= i
        else:  # periods 1, t, t^2, ...: period i starts at (1 - t^i) / (1 - t) first periods
            i = math.floor(math.log(1 - f * (1 - self.t_mul)) / math.log(self.t_mul))
            f = (f - (1 - self.t_mul ** i) / (1 - self.t_mul)) / self.t_mul ** i
        cosine = 0.5 * self.m_mul ** i * (1 + math.cos(math.pi * f))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)
