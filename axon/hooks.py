"""Layer 2: function hooks, called before and after the forward and backward of every op.

A ``FunctionHook`` is a context manager: inside ``with hook:`` every ``Function.apply`` and every
step of ``backward()`` calls it.  Several hooks can be active at once and nest; each is removed
when its ``with`` block ends, also when the block raises.  The anomaly mode
(``axon.debug.detect_anomaly``) and the per-op profiler (``axon.profile``) are hooks.

Order: ``*_preprocess`` runs in the order the hooks were entered, ``*_postprocess`` in the reverse
order, so the outermost hook sees the inner ones' work as part of the op.  Hooks are global to the
process, as the graph-recording switch ``no_grad`` is.

While any hook is active, ``Function.apply`` records on each function ``layer_path``, the path of
the innermost layer running (``'sequential/dense_1'``, or ``''`` outside any layer), so a hook can
say at backward time in which layer an op ran forward.  Layers push themselves on ``running_layers``
around their ``call``.

>>> import axon, axon.ops as F
>>> class Names(FunctionHook):
...     def __init__(self): self.seen = []
...     def forward_postprocess(self, function, in_arrays, out_arrays):
...         self.seen.append(type(function).__name__)
>>> with Names() as names:
...     y = F.exp(axon.Tensor([1.0, 2.0])).sum()
>>> names.seen
['Exp', 'Sum']
"""

active = []          # the hooks in force, in the order entered; Function.apply tests its truthiness
running_layers = []  # the layers whose call() is running, outermost first (Layer.__call__ pushes)


class FunctionHook:
    """Base class: override any of the four methods (they do nothing here).

    ``function``: the ``Function`` instance (its type names the op, ``function.layer_path`` the
    layer it ran in); ``in_arrays``: the values its forward received, one per input (arrays, or
    ``None`` and plain values where the op takes them); ``out_arrays``: the tuple of its output
    arrays; ``out_grads``: the tuple of gradients arriving for its outputs (``None`` for an output
    that got none); ``in_grads``: the tuple its backward returned, one per input (``None`` where
    no gradient is needed).
    """

    def forward_preprocess(self, function, in_arrays):
        """Before ``function.forward(*in_arrays)``."""

    def forward_postprocess(self, function, in_arrays, out_arrays):
        """After the forward, with its outputs."""

    def backward_preprocess(self, function, in_arrays, out_grads):
        """Before ``function.backward(*out_grads)``."""

    def backward_postprocess(self, function, in_arrays, out_grads, in_grads):
        """After the backward, with the input gradients it returned."""

    def __enter__(self):
        if any(h is self for h in active):
            raise RuntimeError(f"{type(self).__name__} is already active; "
                               "enter a hook once (use two instances to nest two)")
        active.append(self)
        return self

    def __exit__(self, *exc):
        for i, h in enumerate(active):
            if h is self:
                del active[i]
                break
        return False


def current_layer():
    """The innermost layer whose ``call`` is running, or None."""
    return running_layers[-1] if running_layers else None


def layer_path():
    """The names of the running layers, outermost first, joined by ``/`` (``''`` outside any)."""
    return "/".join(layer.name for layer in running_layers)
