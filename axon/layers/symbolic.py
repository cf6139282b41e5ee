"""Symbolic tensors for the functional API: ``Input`` gives one, calling layers on symbolic
tensors records a graph, and ``Model(inputs, outputs)`` runs that graph.

Each symbolic tensor carries a concrete one-sample *probe* value, so layers
are built and shapes known as the graph is written.  An input with
variable-length axes (``Input(shape=(None,))``) carries two probes of different
lengths; an output axis whose size differs between them is variable (``None``).

>>> import axon, numpy as np
>>> from axon.layers import Dense, Add, Embedding, GlobalAveragePooling1D
>>> x = axon.Input((8,))
>>> h = Dense(8, activation="relu")(x)
>>> model = axon.Model(x, Add()([x, h]))
>>> model.predict(np.ones((2, 8)), verbose=0).shape
(2, 8)
>>> tokens = axon.Input(shape=(None,), dtype="int32")
>>> Embedding(100, 4)(tokens).shape
(None, None, 4)
"""
from ..autograd import no_grad

# the lengths a variable-length axis takes in the two probes: different, and far enough apart
# that strides and pooling keep them different
PROBE_LENGTHS = (64, 96)


class SymbolicTensor:
    """A node of a functional graph: made by ``Input`` or by a layer call.

    ``probe`` is a one-sample value; ``probe2`` the same with the variable-length axes at
    another length (``None`` when every axis is fixed)."""

    def __init__(self, probe, layer=None, args=(), kwargs=None, index=None, name=None, probe2=None):
        self.probe, self.probe2, self.layer, self.args = probe, probe2, layer, args
        self.kwargs, self.index, self.name = kwargs or {}, index, name
        self.input_layer = None  # the InputLayer that made it, for an input

    @property
    def shape(self):
        """The shape, ``None`` for the batch axis and for variable-length axes."""
        sizes = self.probe.shape[1:]
        if self.probe2 is None:
            return (None,) + tuple(sizes)
        return (None,) + tuple(a if a == b else None for a, b in zip(sizes, self.probe2.shape[1:]))

    @property
    def dtype(self):
        return self.probe.dtype

    def __repr__(self):
        name = f" name={self.name}" if self.name else ""
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype}{name}>"

    # ----- Python arithmetic records an Operator layer call (layers/operator.py)
    def _op(self, op, other=None, reflected=False):
        from .operator import apply_operator  # operator.py builds on base.py, which imports this module
        return apply_operator(op, self, other, reflected)

    def __add__(self, o): return self._op("add", o)
    def __radd__(self, o): return self._op("add", o, True)
    def __sub__(self, o): return self._op("sub", o)
    def __rsub__(self, o): return self._op("sub", o, True)
    def __mul__(self, o): return self._op("mul", o)
    def __rmul__(self, o): return self._op("mul", o, True)
    def __truediv__(self, o): return self._op("truediv", o)
    def __rtruediv__(self, o): return self._op("truediv", o, True)
    def __pow__(self, o): return self._op("pow", o)
    def __matmul__(self, o): return self._op("matmul", o)
    def __neg__(self): return self._op("neg")
    def __getitem__(self, index): return self._op("getitem", index)


def _map(structure, fn):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(s, fn) for s in structure)
    if isinstance(structure, dict):
        return {k: _map(v, fn) for k, v in structure.items()}
    return fn(structure)


def trace_call(layer, args, kwargs):
    """Run ``layer`` on the probes of ``args`` and return symbolic outputs."""
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    nodes = [a for a in _flat(list(args) + list(kwargs.values())) if isinstance(a, SymbolicTensor)]
    out = _run(layer, args, kwargs, lambda a: a.probe)
    out2 = None
    if any(n.probe2 is not None for n in nodes):
        try:
            out2 = _run(layer, args, kwargs, lambda a: a.probe if a.probe2 is None else a.probe2)
        except (ValueError, TypeError) as e:
            shapes = ", ".join(str(n.shape) for n in nodes)
            raise ValueError(f"{layer.describe()} cannot take inputs of shape {shapes} whose axes marked "
                             f"None vary in length ({e}); give those axes a fixed size in Input(shape=...), "
                             "or pool the variable axis away first (GlobalAveragePooling1D)") from None
    if isinstance(out, (list, tuple)):
        outs2 = list(out2) if out2 is not None else [None] * len(out)
        result = type(out)(SymbolicTensor(o, layer, args, kwargs, i, probe2=_varies(o, o2))
                           for i, (o, o2) in enumerate(zip(out, outs2)))
        first = result[0]
    else:
        result = first = SymbolicTensor(out, layer, args, kwargs, probe2=_varies(out, out2))
    if out2 is not None:
        layer.output_shape = [r.shape for r in result] if isinstance(result, (list, tuple)) else first.shape
    if "_symbolic_call" not in layer.__dict__:
        layer.__dict__["_symbolic_call"] = (args, result)  # layer.input and layer.output
    return result


def _run(layer, args, kwargs, probe_of):
    probe = lambda a: probe_of(a) if isinstance(a, SymbolicTensor) else a
    with no_grad():
        return layer(*_map(args, probe), **dict({k: _map(v, probe) for k, v in kwargs.items()},
                                                training=False))


def _varies(out, out2):
    """``out2`` when some axis of it differs from ``out`` (a variable-length output), else None."""
    if out2 is None or not hasattr(out2, "shape"):
        return None
    return out2 if tuple(out2.shape) != tuple(out.shape) else None


def _flat(structure):
    if isinstance(structure, (list, tuple)):
        return [x for s in structure for x in _flat(s)]
    if isinstance(structure, dict):
        return [x for s in structure.values() for x in _flat(s)]
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
