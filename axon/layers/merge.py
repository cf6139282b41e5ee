"""Merge layers for skip connections and branches: Add, Subtract, Multiply, Average, Maximum,
Minimum, Concatenate, Dot; and Keras's functional forms ``add([a, b])``, ``concatenate``, ...,
each building the layer and calling it on the list of inputs.

>>> import numpy as np
>>> a, b = np.array([[1.0, 5.0]], "float32"), np.array([[3.0, 2.0]], "float32")
>>> maximum([a, b]).tolist(), concatenate([a, b]).tolist(), dot([a, b], axes=1).tolist()
([[3.0, 5.0]], [[1.0, 5.0, 3.0, 2.0]], [[13.0]])
"""
import numpy as np

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


class Maximum(_Merge):
    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = F.maximum(out, x)
        return out


class Minimum(_Merge):
    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = F.minimum(out, x)
        return out


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check(self, shapes):
        nd = len(shapes[0])
        ax = self.axis % nd
        for s in shapes:
            if len(s) != nd or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i not in (0, ax)):
                raise ValueError(f"{self.describe()}: inputs must match except on axis {self.axis}, got {shapes}; "
                                 "reshape or pool the inputs to agree on the other axes, or pick another axis=")

    def call(self, inputs):
        return F.concat(list(inputs), axis=self.axis)


class Dot(_Merge):
    """Dot products of two inputs along ``axes`` (one int for both, or a pair; the batch axis 0
    cannot be one), sample by sample: (N, D) . (N, D) -> (N, 1); (N, T, D) . (N, S, D) with
    ``axes=2`` -> (N, T, S).  The result's axes are the first input's others, then the second's.
    ``normalize=True`` L2-normalizes both along their axes first (the cosine similarity)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, (int, np.integer)) for a in axes):
                raise ValueError(f"Dot: axes must be an int or a pair of ints, got {axes!r}")
            axes = [int(a) for a in axes]
        elif not isinstance(axes, (int, np.integer)):
            raise ValueError(f"Dot: axes must be an int or a pair of ints, got {axes!r}")
        self.axes, self.normalize = axes, normalize

    def _resolve(self, shapes):
        axes = self.axes if isinstance(self.axes, list) else [self.axes] * 2
        return [a % len(s) for a, s in zip(axes, shapes)]

    def _check(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"{self.describe()}: expected exactly 2 inputs, got {len(shapes)}")
        a0, a1 = self._resolve(shapes)
        if 0 in (a0, a1):
            raise ValueError(f"{self.describe()}: axes {self.axes} include the batch axis 0")
        if shapes[0][a0] != shapes[1][a1]:
            raise ValueError(f"{self.describe()}: the inputs' sizes on axes {a0} and {a1} differ: "
                             f"{shapes[0][a0]} and {shapes[1][a1]} (shapes {shapes})")

    def call(self, inputs):
        x1, x2 = inputs
        a0, a1 = self._resolve([x1.shape, x2.shape])
        if self.normalize:
            x1, x2 = _l2_normalize(x1, a0), _l2_normalize(x2, a1)
        rest1 = [d for i, d in enumerate(x1.shape) if i not in (0, a0)]
        rest2 = [d for i, d in enumerate(x2.shape) if i not in (0, a1)]
        n, k = x1.shape[0], x1.shape[a0]
        # (N, rest1, k) @ (N, k, rest2) as one batched matrix product
        left = F.reshape(F.transpose(x1, [0] + [i for i in range(1, x1.ndim) if i != a0] + [a0]),
                         (n, int(np.prod(rest1)), k))
        right = F.reshape(F.transpose(x2, [0, a1] + [i for i in range(1, x2.ndim) if i != a1]),
                          (n, k, int(np.prod(rest2))))
        out = F.reshape(F.matmul(left, right), tuple([n] + rest1 + rest2))
        return F.reshape(out, (n, 1)) if out.ndim == 1 else out


def _l2_normalize(x, axis):
    return x / F.sqrt(F.maximum(F.sum(x * x, axis=axis, keepdims=True), 1e-12))


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``: the element-wise sum of a list of inputs."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``: ``inputs[0] - inputs[1]``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``: the element-wise product."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``: the element-wise mean."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``: the element-wise maximum."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``: the element-wise minimum."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis, **kwargs)(inputs)``: the inputs joined along ``axis``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``: sample-wise dot products of two inputs."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
