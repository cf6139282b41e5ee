"""The ``Layer`` class every building block and model derives from.

A layer owns weights (made by ``add_weight`` inside ``build``, which runs on
the first call, when the input shape is known), may own sub-layers (found
automatically from its attributes), and computes ``call(inputs)``.  It works
both ways: ``layer(tensor)`` in a hand-written loop, or inside a Keras-style
model.  Shapes always include the batch axis first.
"""
import functools
import inspect
import re
import weakref

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..hooks import running_layers
from ..serialization import Serializable, serialize
from ..tensor import Tensor
from .. import initializers, regularizers
from .symbolic import SymbolicTensor, trace_call

_learning_phase = None  # True/False inside fit/evaluate/predict or a call with training=...
_name_counts = {}
backend.on_clear_session(_name_counts.clear)
_holding_losses = weakref.WeakSet()  # layers holding add_loss values of their last forward pass


def _unique_key(taken, base):
    k, key = 0, base
    while key in taken:
        k += 1
        key = f"{base}_{k}"
    return key


def _auto_name(cls_name):
    base = re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", cls_name).lower()
    n = _name_counts.get(base, 0)
    _name_counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


class InputSpec:
    """What a built layer accepts: ``ndim`` (or ``min_ndim``) and fixed sizes of some axes."""

    def __init__(self, ndim=None, min_ndim=None, axes=None):
        self.ndim, self.min_ndim, self.axes = ndim, min_ndim, dict(axes or {})

    def check(self, layer, shape, dtype=None):
        if dtype is not None and np.dtype(dtype).kind in "OUS":
            raise TypeError(f"{layer.describe()}: expected numbers, got an input of dtype {np.dtype(dtype)} "
                            f"(text or Python objects) of shape {tuple(shape)}; turn text into numbers first "
                            "(TextVectorization or StringLookup as the first layer) or convert the array with "
                            "x.astype('float32')")
        if self.ndim is not None and len(shape) != self.ndim:
            raise ValueError(f"{layer.describe()}: expected input of {self.ndim} dimensions "
                             f"(batch axis included), got shape {tuple(shape)}")
        if self.min_ndim is not None and len(shape) < self.min_ndim:
            raise ValueError(f"{layer.describe()}: expected input of at least {self.min_ndim} "
                             f"dimensions, got shape {tuple(shape)}")
        for axis, size in self.axes.items():
            if shape[axis] != size:
                raise ValueError(f"{layer.describe()}: expected input with size {size} on axis {axis} "
                                 f"(the layer was built for it), got shape {tuple(shape)}")


class Layer(Serializable):
    """Base layer.

    Subclasses implement ``build(input_shape)`` (create weights with
    ``add_weight``) and ``call(inputs, training=None, mask=None)`` (any of the
    keyword arguments may be left out of the signature).

    Constructor keywords every layer takes: ``name``, ``trainable``, ``input_shape`` (without the
    batch axis), ``input_dim``, ``dtype``, ``activity_regularizer`` (a penalty of the output, added
    to ``losses`` on each call, divided by the batch size as in Keras 3).
    """
    supports_masking = False
    keeps_inner_masks = False  # containers (models) leave the masks their inner layers computed

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "marks_built", False):
            cls.build = _marks_built(build)

    def __init__(self, name=None, trainable=True, input_shape=None, input_dim=None,
                 batch_size=None, dtype=None, activity_regularizer=None):
        self.name = name or _auto_name(type(self).__name__)
        if name is None and _takes(type(self), "name"):  # keep the generated name in the saved config
            self._init_args[1]["name"] = self.name
        self._trainable = trainable
        self.built = False
        self._params = {}
        self._param_trainable = {}
        self._layers = []
        self._regularized = []
        self.activity_regularizer = activity_regularizer
        self.training = True
        self.input_spec = None
        self.dtype = np.dtype(dtype).type if dtype else backend.floatx()
        if input_dim is not None:
            input_shape = (input_dim,)
        if isinstance(input_shape, (int, np.integer)):
            raise TypeError(f"{type(self).__name__} '{self.name}': input_shape must be a tuple, one size "
                            f"per axis without the batch, got the int {input_shape!r}; write "
                            f"input_shape=({input_shape},) with the trailing comma")
        self._batch_input_shape = (batch_size,) + tuple(input_shape) if input_shape is not None else None
        self._build_shapes = None
        self.output_shape = None

    # ----- tracking of sub-layers
    def __setattr__(self, key, value):
        if isinstance(value, Layer) and not key.startswith("_") and "_layers" in self.__dict__:
            if value not in self._layers:
                self._layers.append(value)
        elif isinstance(value, (list, tuple)) and value and "_layers" in self.__dict__ \
                and not key.startswith("_") and all(isinstance(v, Layer) for v in value):
            for v in value:
                if v not in self._layers:
                    self._layers.append(v)
        object.__setattr__(self, key, value)

    @property
    def layers(self):
        return list(self._layers)

    # ----- weights
    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None,
                   constraint=None, name=None, autocast=True, aggregation="none"):
        """Create a weight tensor of ``shape``, register it and return it (Keras 3's keywords;
        ``initializer`` defaults to glorot-uniform for floats, zeros otherwise).

        Positionally it takes Keras 3's order (``shape, initializer, dtype, trainable``) or,
        when the first argument is a name, Axon's (``name, shape, initializer, regularizer,
        trainable``).  ``autocast`` and ``aggregation`` are accepted and change nothing here.
        """
        if args and isinstance(args[0], str):
            names = ("name", "shape", "initializer", "regularizer", "trainable", "dtype")
        else:
            names = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer", "constraint")
        if len(args) > len(names):
            raise TypeError(f"{self.describe()}: add_weight takes at most {len(names)} positional "
                            f"arguments, got {len(args)}")
        given = dict(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                     regularizer=regularizer, constraint=constraint, name=name)
        given.update(zip(names, args))
        shape, dtype, trainable = given["shape"], given["dtype"], given["trainable"]
        if given["constraint"] is not None:
            raise ValueError(f"{self.describe()}: weight constraints are not supported; leave constraint=None "
                             "(or clip the weight after each step in a callback)")
        if shape is None:
            shape = ()
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
        dtype = np.dtype(dtype or self.dtype)
        initializer = given["initializer"]
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        name = given["name"] or _unique_key(self._params, "variable")
        data = initializers.get(initializer)(shape, dtype.type)
        w = Tensor(np.ascontiguousarray(data, dtype=dtype), requires_grad=trainable and self._trainable,
                   name=f"{self.name}/{name}")
        self._params[name] = w
        self._param_trainable[name] = trainable
        reg = regularizers.get(given["regularizer"])
        if reg is not None:
            self._regularized.append((reg, w))
        return w

    add_variable = add_weight

    def add_loss(self, loss):
        """Add a scalar loss tensor (an activity penalty computed in ``call``) to ``losses``; it
        counts until the model (or layer) it ran inside is called again, as in Keras."""
        self.__dict__.setdefault("_call_losses", []).append(_to_tensor(loss))
        _holding_losses.add(self)

    @property
    def activity_regularizer(self):
        """The penalty of this layer's output (a regularizer, or None), added to ``losses`` per call."""
        return self.__dict__.get("_activity_regularizer")

    @activity_regularizer.setter
    def activity_regularizer(self, regularizer):
        self.__dict__["_activity_regularizer"] = regularizers.get(regularizer)

    def _add_activity_losses(self, out):
        """Add each float output's penalty divided by the batch size, as Keras 3's ``Layer.__call__``
        (keras/src/layers/layer.py), unless it is already a batch mean (``averages_batch``: KLSparsity)."""
        reg = self.activity_regularizer
        for t in _flat(out if isinstance(out, (list, tuple)) else [out]):
            if isinstance(t, Tensor) and t.dtype.kind == "f":
                loss = _to_tensor(reg(t))
                if t.ndim > 0 and t.shape[0] and not getattr(reg, "averages_batch", False):
                    loss = loss / t.shape[0]
                self.add_loss(loss)

    def _own_weights(self, trainable):
        return [w for n, w in self._params.items() if self._param_trainable[n] == trainable]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, flag):
        """Freeze (False) or unfreeze this layer and all its sub-layers."""
        self._trainable = flag
        for n, w in self._params.items():
            w.requires_grad = flag and self._param_trainable[n]
        for layer in self._layers:
            layer.trainable = flag

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out = self._own_weights(True)
        for layer in self._layers:
            out += [w for w in layer.trainable_weights if all(w is not o for o in out)]
        return out

    @property
    def non_trainable_weights(self):
        out = self._own_weights(False) + (self._own_weights(True) if not self._trainable else [])
        for layer in self._layers:
            ws = layer.non_trainable_weights if self._trainable else layer.weights
            out += [w for w in ws if all(w is not o for o in out)]
        return out

    @property
    def weights(self):
        """All weights, trainable first, in creation order."""
        return self.trainable_weights + self.non_trainable_weights

    def parameters(self):
        """Trainable-kind weights of this layer and its sub-layers, frozen ones included
        (as PyTorch's ``parameters()``; the optimizer skips those without a gradient)."""
        out = self._own_weights(True)
        for layer in self._layers:
            out += [w for w in layer.parameters() if all(w is not o for o in out)]
        return out

    def named_weights(self):
        """``(path, tensor)`` pairs, paths like ``dense/kernel``: each layer's weights in creation
        order, then its sub-layers'.  Unlike ``weights`` (trainable first) the order does not
        change when layers are frozen, so saved files load back into the right weights."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            for w in layer._params.values():
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append((w.name, w))
        return out

    def _flatten_layers(self, include_self=True):
        """This layer and every layer inside it, each once, parents before their children, in a
        fixed order (what saving walks)."""
        out, seen, stack = [], set(), [self]
        while stack:
            layer = stack.pop()
            if id(layer) not in seen:
                seen.add(id(layer))
                out.append(layer)
                stack.extend(reversed(layer._layers))
        return out if include_self else out[1:]

    def get_config(self):
        config = super().get_config()
        if config.get("trainable", True) != self._trainable and _takes(type(self), "trainable"):
            config["trainable"] = self._trainable  # frozen (or unfrozen) after construction
        reg = self.activity_regularizer
        if (reg is not None or "activity_regularizer" in config) and _takes(type(self), "activity_regularizer"):
            config["activity_regularizer"] = serialize(reg)  # the current one, also when set after construction
        return config

    def count_params(self):
        return int(sum(w.size for w in self.weights))

    def get_weights(self):
        return [w.data.copy() for w in self.weights]

    def set_weights(self, arrays):
        """Load arrays into the weights, in the order of ``weights``; shapes must match."""
        ws = self.weights
        if len(arrays) != len(ws):
            raise ValueError(f"{self.describe()}: set_weights got {len(arrays)} arrays, expected {len(ws)} (one "
                             f"per weight: {', '.join(w.name for w in ws[:6])}{', ...' if len(ws) > 6 else ''}); "
                             "pass a list in the order get_weights() returns")
        for w, a in zip(ws, arrays):
            a = np.asarray(a)
            if a.shape != w.shape:
                raise ValueError(f"{self.describe()}: weight {w.name!r} has shape {w.shape}, "
                                 f"got an array of shape {a.shape}; pass arrays shaped as get_weights() "
                                 "returns them (the layer sizes must match the model the weights came from)")
            w.data[...] = a

    @property
    def losses(self):
        """Regularization penalties of the trainable weights of this layer and its sub-layers
        (scalar tensors; a frozen weight's penalty is constant, so it is left out, as in Keras),
        and the losses ``add_loss`` added during the last forward pass."""
        out = [reg(w) for reg, w in self._regularized if w.requires_grad]
        out += self.__dict__.get("_call_losses", [])
        for layer in self._layers:
            out += layer.losses
        return out

    def zero_grad(self):
        for w in self.weights:
            w.grad = None

    # ----- modes (PyTorch way; Keras's fit/evaluate/predict set the phase for you)
    def train(self, mode=True):
        self.training = mode
        for layer in self._layers:
            layer.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def _is_training(self, training):
        if training is not None:
            return training
        return self.training if _learning_phase is None else _learning_phase

    # ----- calling
    def build(self, input_shape):
        """Create weights for inputs of ``input_shape`` (batch axis included, ``None`` allowed
        there).  The first call runs it; called directly (``layer.build((None, 4))``, as in Keras)
        it builds the layer too, and the first call then keeps those weights."""
        self.built = True

    def _build_for_call(self, input_shape):
        """Build on the first call (a container whose layers build as the batch runs through them
        overrides this)."""
        self.build(input_shape)

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs: the input mask for layers that support masking."""
        return mask if self.supports_masking else None

    def describe(self):
        return f"{type(self).__name__} {self.name!r}"

    # ----- the functional graph (Keras's layer.input / layer.output)
    @property
    def input(self):
        """The symbolic input of this layer's first call in a functional graph."""
        return self._first_symbolic_call("input")[0]

    @property
    def output(self):
        """The symbolic output of this layer's first call in a functional graph."""
        return self._first_symbolic_call("output")[1]

    def _first_symbolic_call(self, what):
        call = self.__dict__.get("_symbolic_call")
        if call is None:
            raise AttributeError(f"{self.describe()} has no {what}: it has not been called on a symbolic "
                                 "tensor (axon.Input(...) or another layer's output)")
        args, outputs = call
        return (args[0] if len(args) == 1 else list(args)), outputs

    def __call__(self, *inputs, training=None, mask=None, **kwargs):
        if any(isinstance(t, SymbolicTensor) for t in _flat(inputs) + _flat(list(kwargs.values()))):
            return trace_call(self, inputs, dict(kwargs, training=training, mask=mask))
        inputs = tuple(_to_tensor(x) for x in inputs)
        if not self.built:
            shapes = [tuple(t.shape) for t in _flat(inputs)]
            self._build_shapes = [(s, str(t.dtype)) for s, t in zip(shapes, _flat(inputs))]
            self._build_for_call(shapes[0] if len(shapes) == 1 else shapes)
            self.built = True
        if self.input_spec is not None:
            self.input_spec.check(self, inputs[0].shape, inputs[0].dtype)
        if mask is None:
            m = getattr(inputs[0], "_mask", None)
            mask = m
        kw = dict(kwargs)
        sig = _call_keywords(type(self))
        if "training" in sig:
            kw["training"] = self._is_training(training)
        if "mask" in sig and mask is not None:
            kw["mask"] = mask
        global _learning_phase
        if _holding_losses and not running_layers:  # an outermost call: its layers' last losses expire
            _clear_call_losses(self)
        prev = _learning_phase
        if training is not None:
            _learning_phase = training
        running_layers.append(self)  # function hooks read which layer an op runs in
        try:
            out = self.call(*inputs, **kw)
            if self.activity_regularizer is not None:
                self._add_activity_losses(out)
        finally:
            running_layers.pop()
            _learning_phase = prev
        single = isinstance(out, Tensor)
        if not self.keeps_inner_masks:
            out_mask = self.compute_mask(inputs[0] if len(inputs) == 1 else inputs, mask)
            if single:
                out._mask = out_mask
            elif isinstance(out, (list, tuple)) and out and isinstance(out[0], Tensor):
                out[0]._mask = out_mask
        if self.output_shape is None:  # as Keras: the shape of the first call, batch axis None
            if single:
                self.output_shape = _batchless(out.shape)
            elif isinstance(out, (list, tuple)) and out and isinstance(out[0], Tensor):
                self.output_shape = [_batchless(o.shape) for o in out]
        return out

    def build_from_shape(self, input_shape, dtype=None):
        """Build by running a batch of one zero sample of ``input_shape`` (batch axis excluded)."""
        from .input_layer import build_probe  # input_layer.py builds on this module
        x = build_probe((1,) + tuple(input_shape), dtype or self.dtype)
        with no_grad():
            self(x, training=False)
        return self

    def __repr__(self):
        return f"<{self.describe()}{'' if self.built else ' (not built)'}>"


def _clear_call_losses(root):
    inside = {id(layer) for layer in root._flatten_layers()}
    for layer in list(_holding_losses):
        if id(layer) in inside:
            layer.__dict__["_call_losses"] = []
            _holding_losses.discard(layer)


def _batchless(shape):
    return (None,) + tuple(shape[1:]) if len(shape) else ()


def _marks_built(build):
    """``build`` that leaves the layer ``built`` (Keras's rule), however it was called."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        out = build(self, *args, **kwargs)
        self.built = True
        return out
    wrapper.marks_built = True
    return wrapper


def _flat(items):
    out = []
    for x in items:
        if isinstance(x, (list, tuple)):
            out.extend(_flat(x))
        else:
            out.append(x)
    return out


def _to_tensor(x):
    if isinstance(x, Tensor) or x is None:
        return x
    if isinstance(x, (list, tuple)):
        if _holds_text(x):  # a batch of strings is one input, as in Keras (TextVectorization)
            return Tensor(np.asarray(x, dtype=object))
        return type(x)(_to_tensor(v) for v in x)
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        arr = arr.astype(backend.floatx())
    return Tensor(arr)


def _holds_text(x):
    while isinstance(x, (list, tuple)) and x:
        x = x[0]
    return isinstance(x, (str, bytes))


_KW_CACHE = {}


def _takes(cls, keyword):
    """Whether ``cls(keyword=...)`` is accepted (a subclassed model's constructor may not take it)."""
    params = inspect.signature(cls.__init__).parameters.values()
    return any(p.name == keyword or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _call_keywords(cls):
    kws = _KW_CACHE.get(cls)
    if kws is None:
        params = inspect.signature(cls.call).parameters
        kws = frozenset(k for k in ("training", "mask") if k in params)
        _KW_CACHE[cls] = kws
    return kws

