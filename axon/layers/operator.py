"""Arithmetic on the symbolic tensors of a functional graph: ``x + attention``, ``2 * x``, ``x[:, 0]``
each become a call of an ``Operator`` layer, as Keras records them.

>>> import axon, numpy as np
>>> x = axon.Input((3,))
>>> y = axon.layers.Dense(3)(x)
>>> model = axon.Model(x, (x + y) * 0.5)
>>> [type(l).__name__ for l in model.layers]
['InputLayer', 'Dense', 'Operator', 'Operator']
>>> model.predict(np.zeros((2, 3)), verbose=0).tolist()
[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
"""
import operator

import numpy as np

from .base import Layer

# the Python operators a symbolic tensor takes, by the name saved in a model's config
OPERATORS = {name: getattr(operator, name) for name in
             ("add", "sub", "mul", "truediv", "pow", "matmul", "neg", "getitem")}


class Operator(Layer):
    """``operator.<op>(*inputs)`` as a layer; ``constant`` is the non-tensor operand (a number, or the
    index of ``getitem`` in its saved form, slices as ``{"slice": [start, stop, step]}``) and
    ``reflected`` puts it first (``2 - x``)."""

    def __init__(self, op, constant=None, reflected=False, **kwargs):
        super().__init__(**kwargs)
        if op not in OPERATORS:
            raise ValueError(f"Operator: op must be one of {sorted(OPERATORS)}, got {op!r}")
        self.op, self.constant, self.reflected = op, constant, reflected

    def call(self, *inputs):
        fn = OPERATORS[self.op]
        if self.op == "getitem":
            return fn(inputs[0], _to_index(self.constant))
        if len(inputs) == 2 or self.op == "neg":
            return fn(*inputs)
        return fn(self.constant, inputs[0]) if self.reflected else fn(inputs[0], self.constant)


def _to_config(value):
    """A JSON-ready form of an operand: numbers as they are, slices and tuples as lists."""
    if isinstance(value, slice):
        return {"slice": [value.start, value.stop, value.step]}
    if isinstance(value, tuple):
        return [_to_config(v) for v in value]
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, np.generic):
        return value.item()
    if value is not None and not isinstance(value, (int, float, bool, list)):
        raise TypeError(f"Operator: a symbolic tensor combines with numbers, not {type(value).__name__}; "
                        "wrap the computation in a layer")
    return value


def _to_index(value):
    if isinstance(value, list):
        return tuple(_to_index(v) for v in value)
    if isinstance(value, dict):
        return slice(*value["slice"]) if "slice" in value else Ellipsis
    return value


def apply_operator(op, tensor, other=None, reflected=False):
    """The symbolic result of ``op`` on ``tensor`` (and ``other``, a symbolic tensor or a constant)."""
    from .symbolic import SymbolicTensor
    if isinstance(other, SymbolicTensor):
        pair = (other, tensor) if reflected else (tensor, other)
        return Operator(op)(*pair)
    return Operator(op, constant=_to_config(other), reflected=reflected)(tensor)
