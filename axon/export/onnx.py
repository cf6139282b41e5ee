"""Exporting a model to ONNX: ``export_onnx(model, path)`` writes a ``.onnx`` file (opset 20) that
onnxruntime and other ONNX engines run with Axon's outputs (float32, within 1e-5).

Sequential and functional models (nested ones included) made of layers with a converter
(``CONVERTERS``, one function per layer class in ``onnx_layers`` and ``onnx_recurrent``) are
exported; any other layer is refused at export with its name and class.  The batch axis is
dynamic (named ``batch``); variable-length axes of the inputs (a sequence length of ``None``)
stay dynamic too.  The graph is inference-only: dropout is the identity and batch
normalization uses its moving averages.

Images are channels-last in Axon and channels-first in ONNX's Conv and pooling: a value may be
held transposed (``Value.layout == "nchw"``) between convolutions, and a Transpose is inserted
only where a layer needs the channels-last order (Flatten, Dense, the outputs), so Flatten keeps
Keras's (H, W, C) order.

>>> import axon, numpy as np, onnx
>>> m = axon.Sequential([axon.layers.Dense(3, activation="relu", input_shape=(4,))])
>>> proto = export_onnx(m)
>>> [n.op_type for n in proto.graph.node]
['Gemm', 'Relu', 'Identity']
"""
import numpy as np

from ..registry import Registry

OPSET = 20
BATCH = "batch"

#: layer class name -> (class, converter function, whether the converter handles masks)
CONVERTERS = Registry("ONNX layer converter")


def converter(*classes, masks=False, call_arguments=()):
    """Register ``fn(graph, layer, inputs, kwargs) -> Value or [Value]`` as the converter of
    ``classes``; ``masks=True`` when it reads the inputs' masks and sets its outputs' masks;
    ``call_arguments``: the keyword arguments of the layer's call it exports (``initial_state``),
    any other given in a functional graph is refused."""
    def register(fn):
        for cls in classes:
            CONVERTERS.register(cls.__name__, (cls, fn, masks, tuple(call_arguments)))
        return fn
    return register


class Value:
    """One tensor of the ONNX graph: its ``name``, its Axon shape (batch axis ``None``), its layout
    (``None``: Axon's own; ``"nchw"``: an image held channels-first), the name of its mask
    (bool (N, T)) or None, and its NumPy dtype."""
    __slots__ = ("name", "shape", "layout", "mask", "dtype")

    def __init__(self, name, shape=None, layout=None, mask=None, dtype="float32"):
        self.name, self.shape, self.layout, self.mask, self.dtype = name, shape, layout, mask, np.dtype(dtype)

    def __repr__(self):
        return f"Value({self.name!r}, shape={self.shape}, layout={self.layout})"


NCHW = (0, 3, 1, 2)  # the axes of a channels-last (N, H, W, C) image in channels-first order


class Graph:
    """An ONNX graph under construction: nodes, initializers (the weights) and unique names."""

    def __init__(self, opset=OPSET):
        import onnx
        from onnx import helper, numpy_helper
        self.onnx, self.helper, self.numpy_helper = onnx, helper, numpy_helper
        self.opset = opset
        self.nodes, self.initializers = [], []
        self._taken, self._consts, self._layouts = set(), {}, {}

    def fresh(self, hint="t"):
        """A name not used yet in the graph, from ``hint``."""
        hint = "".join(ch if ch.isalnum() or ch in "_./" else "_" for ch in str(hint)) or "t"
        name, k = hint, 1
        while name in self._taken:
            name, k = f"{hint}_{k}", k + 1
        self._taken.add(name)
        return name

    def const(self, array, hint="const", dtype=None):
        """The name of an initializer holding ``array`` (small integer constants are shared)."""
        array = np.asarray(array, dtype=dtype)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        key = (array.dtype.str, array.shape, array.tobytes()) if array.size <= 16 else None
        if key is not None and key in self._consts:
            return self._consts[key]
        name = self.fresh(hint)
        self.initializers.append(self.numpy_helper.from_array(np.array(array, order="C"), name))
        if key is not None:
            self._consts[key] = name
        return name

    def op(self, op_type, inputs, outputs=1, hint=None, names=None, **attrs):
        """Add a node; returns its output name (or the list of names for ``outputs`` > 1);
        ``names``: output names already reserved with ``fresh``."""
        names = names or [self.fresh(f"{hint or op_type.lower()}" + (f"_out{i}" if outputs > 1 else ""))
                          for i in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.helper.make_node(op_type, list(inputs), names, name=self.fresh(f"{op_type}"),
                                                **attrs))
        return names[0] if outputs == 1 else names

    # ----- layouts
    def nchw(self, v):
        """The name of ``v`` (a 4-D image) held channels-first."""
        return v.name if v.layout == "nchw" else self._transposed(v.name, NCHW)

    def native(self, v):
        """The name of ``v`` in Axon's layout (channels-last images)."""
        return self._transposed(v.name, (0, 2, 3, 1)) if v.layout == "nchw" else v.name

    def _transposed(self, name, perm):
        key = (name, perm)
        if key not in self._layouts:
            self._layouts[key] = self.op("Transpose", [name], perm=list(perm), hint=f"{name}_t")
        return self._layouts[key]

    def stored_axis(self, v, axis):
        """The axis of the stored tensor that holds axis ``axis`` of ``v``'s Axon shape."""
        if v.layout != "nchw":
            return axis
        return NCHW.index(axis % 4)

    def ints(self, values, hint="ints"):
        return self.const(np.asarray(values, dtype=np.int64), hint)

    def dim(self, name, axis):
        """A 1-D int64 tensor holding the size of axis ``axis`` of tensor ``name``."""
        return self.op("Shape", [name], start=axis, end=axis + 1, hint=f"{name}_dim{axis}")


class UnsupportedLayerError(ValueError):
    """A layer of the model has no ONNX converter (or uses an option the converter refuses)."""


def refuse(layer, why):
    raise UnsupportedLayerError(f"cannot export {layer.describe()} ({type(layer).__name__}) to ONNX: {why}")


def find_converter(layer):
    """(converter, handles_masks, call_arguments) for ``layer``: those of its class, or of the nearest
    base class when no class in between overrides ``call``; an ``UnsupportedLayerError`` naming the
    layer when there is none."""
    _load_converters()
    overridden = False  # whether a class below the one reached so far defines its own call()
    for klass in type(layer).__mro__:
        if klass.__name__ in CONVERTERS and not overridden:
            entry = CONVERTERS.get(klass.__name__)
            if entry[0] is klass:
                return entry[1:]
        overridden = overridden or "call" in klass.__dict__
    raise UnsupportedLayerError(
        f"cannot export {layer.describe()} ({type(layer).__name__}) to ONNX: no converter for "
        f"{type(layer).__name__}; layers that export: {', '.join(sorted(n for n, _ in _classes()))}")


def _classes():
    return [(entry[0].__name__, entry[0]) for _, entry in CONVERTERS.items()]


def convert_layer(g, layer, inputs, kwargs=None):
    """Convert one call of ``layer`` on the Values ``inputs``; returns its output Values (without
    shapes: the caller knows them from Axon's graph)."""
    fn, masks, accepted = find_converter(layer)
    kwargs = {k: v for k, v in (kwargs or {}).items() if k not in ("training",) and v is not None}
    explicit = kwargs.pop("mask", None)
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        refuse(layer, f"it is called with {', '.join(unknown)}=, which its converter does not export")
    if explicit is not None:
        if not isinstance(explicit, Value):
            refuse(layer, "an explicit mask= list is not supported; let the mask come with the input")
        inputs = [Value(inputs[0].name, inputs[0].shape, inputs[0].layout, explicit.name, inputs[0].dtype)] + \
            list(inputs[1:])
    if not masks and any(v.mask for v in inputs) and _takes_mask(layer):
        refuse(layer, "it reads the mask its input carries, and its converter does not handle masks")
    out = fn(g, layer, inputs, kwargs)
    outs = [out] if isinstance(out, Value) else list(out)
    if not masks and outs:
        keeps = layer.supports_masking and type(layer).compute_mask is _base_compute_mask()
        outs[0].mask = inputs[0].mask if keeps else None
    return outs


def _takes_mask(layer):
    import inspect
    return "mask" in inspect.signature(layer.call).parameters


def _base_compute_mask():
    from ..layers.base import Layer
    return Layer.compute_mask


def convert_model(g, model, inputs):
    """The output Values of ``model`` (Sequential or functional) run on the Values ``inputs``."""
    from ..models.sequential import Sequential
    from ..models.functional_model import Functional
    if isinstance(model, Sequential) and type(model).call is Sequential.call:
        v = inputs[0]
        for layer in model._stack:
            outs = convert_layer(g, layer, [v])
            _set_shapes(outs, layer.output_shape)
            v = outs[0] if len(outs) == 1 else outs
            if isinstance(v, list):
                if layer is not model._stack[-1]:
                    refuse(layer, "a layer with several outputs can only end a Sequential model")
                return v
        return [v]
    if isinstance(model, Functional) and type(model).call is Functional.call:
        from ..layers.symbolic import SymbolicTensor
        values = {id(i): v for i, v in zip(model._inputs, inputs)}
        done = {}
        for node in model._nodes:
            key = (id(node.layer), id(node.args))
            if key not in done:
                args = _flat(_substitute(node.args, values, SymbolicTensor))
                kwargs = {k: _substitute(v, values, SymbolicTensor) for k, v in node.kwargs.items()}
                done[key] = convert_layer(g, node.layer, args, kwargs)
            outs = done[key]
            v = outs[0 if node.index is None else node.index]
            if v.shape is None:
                v.shape = tuple(node.shape)
            values[id(node)] = v
        return [values[id(o)] for o in model._outputs]
    refuse(model, "a subclassed model's call() is Python code, not a graph of layers; build it as a "
                  "Sequential or functional model (axon.Model(inputs, outputs)) to export it")


def _set_shapes(outs, shape):
    shapes = shape if isinstance(shape, list) else [shape]
    for v, s in zip(outs, shapes):
        if v.shape is None and s is not None:
            v.shape = (None,) + tuple(s[1:])


def _substitute(structure, values, symbolic):
    if isinstance(structure, (list, tuple)):
        return [_substitute(s, values, symbolic) for s in structure]
    if isinstance(structure, dict):
        return {k: _substitute(v, values, symbolic) for k, v in structure.items()}
    return values[id(structure)] if isinstance(structure, symbolic) else structure


def _flat(items):
    out = []
    for item in items:
        out.extend(_flat(item) if isinstance(item, (list, tuple)) else [item])
    return out


def model_signature(model):
    """[(name, shape with None for the batch and variable axes, dtype)] of the model's inputs."""
    from ..models.functional_model import Functional
    if isinstance(model, Functional):
        return [(n, tuple(t.shape), np.dtype(t.dtype)) for n, t in zip(model.input_names, model._inputs)]
    declared = getattr(model, "_batch_input_shape", None)
    built = getattr(model, "_build_shapes", None)
    if declared is None and not built:
        raise ValueError(f"{model.describe()} has no input shape yet, so it cannot be exported: build it "
                         "first (call it on a batch, fit it, or give the first layer input_shape=)")
    dtype = getattr(model, "_input_dtype", None) or (built[0][1] if built else "float32")
    shape = (None,) + tuple(declared[1:]) if declared is not None else (None,) + tuple(built[0][0][1:])
    return [("input", shape, np.dtype(dtype))]


def output_names(model):
    names = getattr(model, "output_names", None)
    return list(names) if names else ["output"]


def _elem_type(dtype):
    from onnx import helper
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def to_onnx(model, opset=OPSET):
    """The ``onnx.ModelProto`` of ``model`` (checked by ``onnx.checker``)."""
    if opset < 17:
        raise ValueError(f"export_onnx: opset must be 17 or later (LayerNormalization, axes as inputs), "
                         f"got {opset}; pass e.g. opset={OPSET}")
    if not model.built:
        model._ensure_built("export")
    g = Graph(opset)
    signature = model_signature(model)
    inputs = []
    graph_inputs = []
    for k, (name, shape, dtype) in enumerate(signature):
        if dtype.kind not in "biuf":
            raise ValueError(f"{model.describe()}: input {name!r} holds {dtype} values; only numeric inputs "
                             "export to ONNX (put text preprocessing outside the exported model)")
        name = g.fresh(name)
        dims = [BATCH] + [d if d is not None else f"{name}_dim{i + 1}" for i, d in enumerate(shape[1:])]
        graph_inputs.append(g.helper.make_tensor_value_info(name, _elem_type(dtype), dims))
        inputs.append(Value(name, shape, dtype=dtype))
    reserved = [g.fresh(name) for name in output_names(model)]  # the outputs keep the model's names
    outs = convert_model(g, model, inputs)
    graph_outputs = []
    for v, name in zip(outs, reserved):
        final = g.op("Identity", [g.native(v)], names=[name])
        dims = [BATCH] + [d if d is not None else f"{final}_dim{i + 1}" for i, d in enumerate(v.shape[1:])]
        graph_outputs.append(g.helper.make_tensor_value_info(final, _elem_type(v.dtype), dims))
    graph = g.helper.make_graph(g.nodes, model.name or "axon_model", graph_inputs, graph_outputs,
                                initializer=g.initializers)
    proto = g.helper.make_model(graph, opset_imports=[g.helper.make_opsetid("", opset)],
                                producer_name="axon", ir_version=10)
    g.onnx.checker.check_model(proto)
    return proto


def export_onnx(model, path=None, opset=OPSET):
    """Write ``model`` as an ONNX file at ``path`` (atomically; none when ``path`` is None) and
    return the ``onnx.ModelProto``.  Raises ``UnsupportedLayerError`` (a ``ValueError``) naming the
    first layer that has no converter."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ImportError('exporting to ONNX needs the onnx package: pip install "axon[onnx]"') from None
    proto = to_onnx(model, opset)
    if path is not None:
        from ..io import atomic_write
        data = proto.SerializeToString()
        atomic_write(path, lambda f: f.write(data))
    return proto


_LOADED = []


def _load_converters():
    if not _LOADED:
        from . import onnx_layers, onnx_recurrent  # noqa: F401  (they register their converters)
        from ..models.sequential import Sequential
        from ..models.functional_model import Functional
        for cls in (Sequential, Functional):
            CONVERTERS.register(cls.__name__, (cls, _nested_model, True, ()))
        _LOADED.append(True)


def _nested_model(g, model, inputs, kwargs):
    return convert_model(g, model, inputs)
