"""Symbolic tensors for the functional API: ``Input`` gives one, calling layers on symbolic
tensors records a graph, and ``Model(inputs, outputs)`` runs that graph.

Each symbolic tensor carries a concrete one-sample *probe* value, so layers
are built and shapes known as the graph is written.

>>> import axon, numpy as np
>>> from axon.layers import Dense, Add
>>> x = Input((8,))
>>> h = Dense(8, activation="relu")(x)
>>> model = axon.Model(x, Add()([x, h]))
>>> model.predict(np.ones((2, 8)), verbose=0).shape
(2, 8)
"""
import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .. import backend


class SymbolicTensor:
    """A node of a functional graph: made by ``Input`` or by a layer call."""

    def __init__(self, probe, layer=None, args=(), kwargs=None, index=None, name=None):
        self.probe, self.layer, self.args = probe, layer, args
        self.kwargs, self.index, self.name = kwargs or {}, index, name

    @property
    def shape(self):
        return (None,) + tuple(self.probe.shape[1:])

    @property
    def dtype(self):
        return self.probe.dtype

    def __repr__(self):
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype}>"


def Input(shape, dtype=None, name=None, batch_size=None):
    """A model input of per-sample ``shape`` (batch axis excluded)."""
    dtype = np.dtype(dtype or backend.floatx())
    probe = Tensor(np.zeros((1,) + tuple(shape), dtype=dtype))
    return SymbolicTensor(probe, name=name or "input")


def _map(structure, fn):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(s, fn) for s in structure)
    return fn(structure)


def trace_call(layer, args, kwargs):
    """Run ``layer`` on the probes of ``args`` and return symbolic outputs."""
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    probe = lambda a: a.probe if isinstance(a, SymbolicTensor) else a
    probes = _map(args, probe)
    kw_probes = {k: _map(v, probe) for k, v in kwargs.items()}
    with no_grad():
        out = layer(*probes, **dict(kw_probes, training=False))
    if isinstance(out, (list, tuple)):
        return type(out)(SymbolicTensor(o, layer, args, kwargs, i) for i, o in enumerate(out))
    return SymbolicTensor(out, layer, args, kwargs)


def _flat(structure):
    if isinstance(structure, (list, tuple)):
        return [x for s in structure for x in _flat(s)]
    return [structure]


def graph_nodes(outputs):
    """Symbolic tensors that ``outputs`` depend on, in an order where parents come first."""
    order, seen = [], set()
    stack = [(o, False) for o in reversed(_flat(outputs))]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in _flat(node.args) + _flat(list(node.kwargs.values())):
            if isinstance(parent, SymbolicTensor) and id(parent) not in seen:
                stack.append((parent, False))
    return order
