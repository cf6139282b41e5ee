"""Layer 2: the reverse-mode engine.

A ``Function`` holds one op's forward and backward side by side.  Applying it
to tensors runs ``forward`` on their arrays and, when gradients are wanted,
records the function as the creator of its outputs.  ``backward`` walks the
recorded functions in reverse topological order (iteratively, so deep graphs
need no recursion), accumulates gradients, and frees the graph.  Active
function hooks (``axon.hooks``) are called around both passes; with none
active, the cost is one test of an empty list.
"""
import contextlib
from types import SimpleNamespace

import numpy as np

from . import hooks
from .hooks import active as _hooks
from .tensor import Tensor, as_tensor, unwrap

_grad_enabled = True


def is_grad_enabled():
    return _grad_enabled


@contextlib.contextmanager
def no_grad():
    """Context in which ops record no graph (evaluation, ``predict``, updates)."""
    global _grad_enabled
    prev, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = prev


@contextlib.contextmanager
def enable_grad():
    global _grad_enabled
    prev, _grad_enabled = _grad_enabled, True
    try:
        yield
    finally:
        _grad_enabled = prev


class Function:
    """One differentiable op.

    Subclasses define ``forward(self, *arrays, **kwargs)`` returning an array
    (or a tuple of arrays for several outputs) and ``backward(self, *grads)``
    returning one gradient per input (``None`` where not needed).  Inside
    ``backward``, ``self.needs_grad[i]`` tells whether input ``i`` wants one.
    ``self.save(name=value, ...)`` keeps what backward needs, read back as
    ``self.saved.name``; it is dropped after use.

    ``layer_path``: the path of the layer the op ran in (``''`` outside any), recorded while a
    function hook is active; None when it was not recorded.
    """
    __slots__ = ("inputs", "needs_grad", "saved", "n_out", "_grads")
    layer_path = None

    def save(self, **named):
        """Keep what backward needs, by name: ``self.save(x=x, w=w)``, then ``self.saved.x``."""
        self.saved = SimpleNamespace(**named)

    @classmethod
    def apply(cls, *inputs, **kwargs):
        fn = cls()
        arrays = [unwrap(t) for t in inputs]
        out = _forward_hooked(fn, arrays, kwargs) if _hooks else fn.forward(*arrays, **kwargs)
        multi = isinstance(out, tuple)
        outs = out if multi else (out,)
        track = _grad_enabled and any(isinstance(t, Tensor) and t.requires_grad for t in inputs)
        if not track:
            res = tuple(Tensor(o) for o in outs)
            fn.saved = None
            return res if multi else res[0]
        fn.inputs = inputs
        fn.needs_grad = tuple(isinstance(t, Tensor) and t.requires_grad for t in inputs)
        fn.n_out = len(outs)
        fn._grads = [None] * fn.n_out
        res = []
        for i, o in enumerate(outs):
            t = Tensor(o, requires_grad=True)
            t._ctx = fn
            t._idx = i
            res.append(t)
        return tuple(res) if multi else res[0]


def _forward_hooked(fn, arrays, kwargs):
    """``fn.forward`` between the active hooks' forward calls; records the running layer."""
    fn.layer_path = hooks.layer_path()
    hs = tuple(_hooks)
    for h in hs:
        h.forward_preprocess(fn, arrays)
    out = fn.forward(*arrays, **kwargs)
    outs = out if isinstance(out, tuple) else (out,)
    for h in reversed(hs):
        h.forward_postprocess(fn, arrays, outs)
    return out


def _backward_hooked(fn, grads):
    """``fn.backward`` between the active hooks' backward calls; the input gradients as a tuple."""
    arrays = [unwrap(t) for t in fn.inputs]
    grads = tuple(grads)
    hs = tuple(_hooks)
    for h in hs:
        h.backward_preprocess(fn, arrays, grads)
    in_grads = fn.backward(*grads)
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    for h in reversed(hs):
        h.backward_postprocess(fn, arrays, grads, in_grads)
    return in_grads


def _toposort(root_fn):
    """Functions reachable from ``root_fn``, each after all functions that consume its outputs
    (reverse post-order of a depth-first walk: a function is finished only after every function
    computing its inputs, however many paths lead there)."""
    order, visited = [], set()
    stack = [(root_fn, False)]
    while stack:
        fn, done = stack.pop()
        if done:
            order.append(fn)
            continue
        if id(fn) in visited:  # reached again by another path before its first visit was expanded
            continue
        visited.add(id(fn))
        stack.append((fn, True))
        for t in fn.inputs:
            if isinstance(t, Tensor) and t._ctx is not None and id(t._ctx) not in visited:
                stack.append((t._ctx, False))
    order.reverse()
    return order


def backward(tensor, grad=None, retain_graph=False, inputs=None):
    """Accumulate d(tensor)/d(leaf) into the ``.grad`` of every leaf that requires it
    (of the leaves in ``inputs`` only, when given)."""
    only = None if inputs is None else {id(t) for t in inputs}
    _run_backward(tensor, grad, retain_graph, only, sink=None)


def grad(output, inputs, grad_output=None, retain_graph=False):
    """The gradients of ``output`` with respect to each tensor of ``inputs``, as arrays (None for
    one the output does not depend on); no ``.grad`` is touched.  Keras's ``tape.gradient``.

    >>> import axon
    >>> w = axon.Tensor([1.0, 2.0], requires_grad=True)
    >>> [g.tolist() for g in axon.grad((w * w).sum(), [w])], w.grad
    ([[2.0, 4.0]], None)
    """
    inputs = list(inputs)
    for t in inputs:
        if not isinstance(t, Tensor) or t._ctx is not None:
            raise ValueError("grad(): inputs must be leaf tensors (weights, or tensors made with "
                             f"requires_grad=True), got {'a computed tensor' if isinstance(t, Tensor) else type(t).__name__}")
    sink = {id(t): None for t in inputs}
    _run_backward(output, grad_output, retain_graph, set(sink), sink)
    return [sink[id(t)] for t in inputs]


def _run_backward(tensor, grad, retain_graph, only, sink):
    if not tensor.requires_grad:
        raise RuntimeError("backward(): the tensor does not require grad; "
                           "was it computed under no_grad() or from constants only?")
    if grad is None:
        if tensor.data.size != 1:
            raise RuntimeError(f"backward(): grad can be implicit only for a scalar, "
                               f"got shape {tensor.shape}; pass grad=")
        grad = np.ones_like(tensor.data)
    else:
        grad = as_tensor(grad).data
    given = {id(grad)}  # arrays a leaf may not keep as its own .grad: the caller's, or another leaf's

    def accumulate(t, g):
        if only is not None and id(t) not in only:
            return
        current = t.grad if sink is None else sink[id(t)]
        if current is None:
            # an op may hand one array to several inputs (a + b): copy views and repeats
            current = g.copy() if not g.flags.owndata or id(g) in given else g
            given.add(id(current))
        else:
            current = current + g
        if sink is None:
            t.grad = current
        else:
            sink[id(t)] = current

    if tensor._ctx is None:
        accumulate(tensor, grad)
        return
    root = tensor._ctx
    root._grads[tensor._idx] = grad
    for fn in _toposort(root):
        if fn.needs_grad is None:
            raise RuntimeError("backward(): this graph was already freed by an earlier backward(); "
                               "pass retain_graph=True to the first call to backward twice")
        grads = fn._grads
        if fn.n_out == 1:
            if grads[0] is None:
                continue
        elif all(g is None for g in grads):
            continue
        in_grads = _backward_hooked(fn, grads) if _hooks else fn.backward(*grads)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for t, g, need in zip(fn.inputs, in_grads, fn.needs_grad):
            if not need or g is None:
                continue
            if t._ctx is None:
                accumulate(t, g)
            else:
                slot = t._ctx._grads
                slot[t._idx] = g if slot[t._idx] is None else slot[t._idx] + g
        fn._grads = [None] * fn.n_out
        if not retain_graph:
            fn.saved = None
            fn.inputs = ()
            fn.needs_grad = None
