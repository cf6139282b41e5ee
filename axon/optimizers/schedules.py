"""Learning-rate schedules: callables ``schedule(step) -> learning rate`` (step counts updates)."""
import math

from ..serialization import Serializable


class LearningRateSchedule(Serializable):
    """Base of schedules: ``schedule(step)`` gives the learning rate after ``step`` updates;
    an optimizer given one as its learning rate evaluates it at every step."""


class ExponentialDecay(LearningRateSchedule):
    """lr * decay_rate ^ (step / decay_steps), floored to whole periods when ``staircase``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase = decay_rate, staircase

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase else p)


class StepDecay(LearningRateSchedule):
    """lr * factor ^ floor(step / step_size): divide the rate every ``step_size`` updates."""

    def __init__(self, initial_learning_rate, step_size, factor=0.1):
        self.initial_learning_rate, self.step_size, self.factor = initial_learning_rate, step_size, factor

    def __call__(self, step):
        return self.initial_learning_rate * self.factor ** (step // self.step_size)


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while step <= boundaries[i]; the last value after the last boundary."""

    def __init__(self, boundaries, values):
        if len(values) != len(boundaries) + 1:
            raise ValueError("PiecewiseConstantDecay: need one more value than boundaries")
        self.boundaries, self.values = list(boundaries), list(values)

    def __call__(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return v
        return self.values[-1]


class CosineDecay(LearningRateSchedule):
    """Cosine from lr down to lr * alpha over ``decay_steps``, with optional linear warm-up."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, warmup_steps=0):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.warmup_steps = alpha, warmup_steps

    def __call__(self, step):
        lr = self.initial_learning_rate
        if step < self.warmup_steps:
            return lr * (step + 1) / self.warmup_steps
        t = min(step - self.warmup_steps, self.decay_steps) / self.decay_steps
        return lr * ((1 - self.alpha) * 0.5 * (1 + math.cos(math.pi * t)) + self.alpha)
