"""Merge layers for skip connections and branches: Add, Subtract, Multiply, Average, Concatenate."""
from .. import ops as F
from .base import Layer


class _Merge(Layer):
    """Takes a list of tensors of one shape (Concatenate: equal but for ``axis``)."""

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"{self.describe()}: expected a list of at least 2 inputs, got {input_shape}")
        self._check(input_shape)

    def _check(self, shapes):
        if any(tuple(s[1:]) != tuple(shapes[0][1:]) for s in shapes):
            raise ValueError(f"{self.describe()}: inputs must have equal shapes, got {shapes}")


class Add(_Merge):
    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    def call(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Average(Add):
    def call(self, inputs):
        return super().call(inputs) * (1.0 / len(inputs))


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check(self, shapes):
        nd = len(shapes[0])
        ax = self.axis % nd
        for s in shapes:
            if len(s) != nd or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i not in (0, ax)):
                raise ValueError(f"{self.describe()}: inputs must match except on axis {self.axis}, got {shapes}")

    def call(self, inputs):
        return F.concat(list(inputs), axis=self.axis)
