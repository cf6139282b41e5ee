"""``Model``: a layer that trains.  ``compile``, ``summary`` and ``save`` live here, the steps
and ``fit``/``evaluate``/``predict`` in ``trainer.py``; ``Sequential`` and functional models
derive from it.

Subclassing::

    class MLP(axon.Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(128, activation="relu")
            self.out = Dense(10)

        def call(self, x):
            return self.out(self.hidden(x))

A model that trains in its own way (a GAN, a VAE) overrides ``train_step(data)``
and returns its logs; see docs/training.md.
"""
import functools

from .. import metrics as metrics_mod
from .. import optimizers
from ..layers.base import Layer
from ..serialization import serialize, deserialize, custom_object_scope
from .compile_utils import CompileLoss, CompileMetrics
from .trainer import Trainer


def records_compile_call(compile_fn):
    """Keep the arguments of the outermost ``compile`` call (an override calling ``super().compile()``
    included): saving writes them, loading calls ``compile`` with them again."""
    @functools.wraps(compile_fn)
    def compile(self, *args, **kwargs):
        outer = not self.__dict__.get("_compiling", False)
        if outer:
            self.__dict__["_compiling"] = True
            self.__dict__["_compile_call"] = (args, kwargs)
        try:
            return compile_fn(self, *args, **kwargs)
        finally:
            if outer:
                self.__dict__["_compiling"] = False
    compile.records_call = True
    return compile


class Model(Trainer, Layer):
    keeps_inner_masks = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("compile")
        if own is not None and not getattr(own, "records_call", False):
            cls.compile = records_compile_call(own)

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_arguments(args, kwargs):
            from .functional_model import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, name=None, **kwargs):
        if _functional_arguments(args, kwargs):
            # a subclass built from inputs and outputs (its __init__ passed them on), as Keras allows
            from .functional_model import Functional
            _make_functional(type(self))
            Functional.__init__(self, *args, name=name, **kwargs)
            return
        super().__init__(name=args[0] if args else name, **kwargs)
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._tracked_metrics = []
        self.stop_training = False
        self.history = None
        self.__dict__.setdefault("_compile_call", None)

    def __setattr__(self, key, value):
        # metrics set as attributes (a GAN's d_loss tracker) are the model's: fit resets them
        if isinstance(value, metrics_mod.Metric) and not key.startswith("_") and "_tracked_metrics" in self.__dict__:
            if all(value is not m for m in self._tracked_metrics):
                self._tracked_metrics.append(value)
        super().__setattr__(key, value)

    # ----- compile
    @records_compile_call
    def compile(self, optimizer="adam", loss=None, loss_weights=None, metrics=None, weighted_metrics=None):
        """Choose the optimizer, the loss and the metrics (strings resolve to the classes).

        A model with several outputs takes one loss for all of them or a list
        (one per output), ``loss_weights`` to weigh them in the total, and logs
        each metric per output as ``<output layer>_<metric>``.  ``metrics`` ignore
        sample weights, ``weighted_metrics`` use them.  ``loss`` may be left out
        when the model defines its own ``train_step``.
        """
        self.optimizer = optimizers.get(optimizer)
        names = self.output_names if getattr(self, "_multi_out", False) else None
        metrics = [metrics] if isinstance(metrics, (str, metrics_mod.Metric)) or callable(metrics) else metrics
        weighted_metrics = [weighted_metrics] if isinstance(weighted_metrics, (str, metrics_mod.Metric)) \
            or callable(weighted_metrics) else weighted_metrics
        self.loss = loss
        self._compile_loss = None if loss is None else CompileLoss(loss, loss_weights, names, self.describe())
        per_output = self._compile_loss.specs if loss is not None else [None] * (len(names) if names else 1)
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, per_output, names, self.describe())
        self._loss_tracker = metrics_mod.Mean("loss")
        self.compiled = True
        self.stop_training = False

    def get_compile_config(self):
        """The arguments ``compile`` was last called with, serialized (None before compile); raises
        TypeError for arguments that cannot be saved (an unregistered function)."""
        if self._compile_call is None:
            return None
        args, kwargs = self._compile_call
        return {"args": serialize(list(args)), "kwargs": serialize(dict(kwargs))}

    def compile_from_config(self, config):
        """Call ``compile`` again with the arguments ``get_compile_config`` saved."""
        self.compile(*deserialize(config["args"]), **deserialize(config["kwargs"]))

    def optimizers_by_attribute(self):
        """``{attribute: Optimizer}`` of the optimizers this model holds (``optimizer`` and, for a GAN,
        say ``d_optimizer`` and ``g_optimizer``)."""
        return {k: v for k, v in sorted(vars(self).items()) if isinstance(v, optimizers.Optimizer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from ``get_config()``'s output; ``Model.from_config`` of a functional model's
        config gives a functional model."""
        if cls is Model and "nodes" in config and "outputs" in config:
            from .functional_model import Functional
            return Functional.from_config(config, custom_objects)
        with custom_object_scope(custom_objects):
            return super().from_config(config)

    def to_json(self, **kwargs):
        """The architecture as a JSON string (``models.model_from_json`` rebuilds it, untrained);
        keyword arguments go to ``json.dumps``."""
        import json
        return json.dumps(serialize(self), **kwargs)

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at ``index`` in ``layers``."""
        if name is None and index is None:
            raise ValueError(f"{self.describe()}.get_layer: give a name or an index, got neither; its layers are "
                             f"{[layer.name for layer in self.layers]}")
        if index is not None:
            if name is not None:
                raise ValueError(f"{self.describe()}.get_layer: give name or index, not both")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"{self.describe()}.get_layer: index {index} is out of range; the model has "
                                 f"{len(self.layers)} layers: pass an index from {-len(self.layers)} to "
                                 f"{len(self.layers) - 1}")
            return self.layers[index]
        for layer in self._flatten_layers(include_self=False):
            if layer.name == name:
                return layer
        raise ValueError(f"{self.describe()} has no layer named {name!r}; its layers are "
                         f"{[l.name for l in self.layers]}")

    # ----- description and saving
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the layers, their output shapes and parameter counts, one line per call of
        ``print_fn`` (``print`` by default).  ``expand_nested`` lists the layers inside nested
        models (indented), ``show_trainable`` adds a column saying whether each layer trains,
        ``layer_range=(first_name, last_name)`` keeps the rows between two layers;
        ``line_length`` and ``positions`` are accepted for Keras's signature (columns fit their text)."""
        self._ensure_built("summary")
        print_fn = print_fn or print
        layers = self.layers
        if layer_range is not None:
            names = [l.name for l in layers]
            missing = [n for n in layer_range if n not in names]
            if len(layer_range) != 2 or missing:
                raise ValueError(f"{self.describe()}.summary: layer_range must name two of its layers "
                                 f"{names}, got {layer_range!r}")
            layers = layers[names.index(layer_range[0]):names.index(layer_range[1]) + 1]
        rows = []
        for layer, depth in _nested(layers, expand_nested):
            row = [f"{'  ' * depth}{'└ ' if depth else ''}{layer.name} ({type(layer).__name__})",
                   _shape_text(layer.output_shape), f"{layer.count_params():,}"]
            if show_trainable:
                row.append("Y" if layer.trainable else "N")
            rows.append(row)
        heads = ["Layer (type)", "Output Shape", "Param #"] + (["Trainable"] if show_trainable else [])
        widths = [max(len(h), *(len(r[i]) for r in rows)) + 2 if rows else len(h) + 2
                  for i, h in enumerate(heads)]
        fmt = lambda cells: "".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                                    enumerate(zip(cells, widths))).rstrip()
        line = "=" * sum(widths)
        print_fn(f'Model: "{self.name}"')
        for text in [line, fmt(heads), line] + [fmt(r) for r in rows] + [line]:
            print_fn(text)
        trainable = sum(w.size for w in self.trainable_weights)
        total = self.count_params()
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")

    def _ensure_built(self, what):
        if not (self.built or (self._layers and all(l.built for l in self._layers))):
            raise RuntimeError(f"{self.describe()} is not built yet, so {what}() has no shapes: call it "
                               "on a batch, fit it, or give the first layer input_shape=")

    def save(self, path, include_rng=False):
        """Write architecture, weights and optimizer state to one file (atomically);
        ``include_rng=True`` adds Axon's random state (see ``saving.save_model``)."""
        from .saving import save_model
        save_model(self, path, include_rng=include_rng)

    def export(self, filepath, format="onnx", verbose=True, input_signature=None, opset_version=None):
        """Write the model for another inference engine, as Keras 3's ``Model.export`` (Axon writes
        ``format="onnx"``, read by onnxruntime and other ONNX engines; needs ``pip install
        "axon[onnx]"``).  The batch axis stays dynamic; the graph is inference-only.  A layer
        without an ONNX converter is refused by name (``axon.export.UnsupportedLayerError``).
        ``axon.export.export_onnx`` does the same and returns the ``onnx.ModelProto``."""
        fmt = str(format).lower()
        if fmt != "onnx":
            raise ValueError(f"{self.describe()}.export: format must be 'onnx' (the one Axon writes), got "
                             f"{format!r}; TensorFlow SavedModel and OpenVINO are not supported")
        if input_signature is not None:
            raise ValueError(f"{self.describe()}.export: input_signature is not supported; the exported "
                             "inputs are the model's own (batch axis dynamic); build the model on the "
                             "input shape you want instead")
        from ..export.onnx import OPSET, export_onnx
        proto = export_onnx(self, filepath, OPSET if opset_version is None else int(opset_version))
        if verbose:
            print(f"Saved {self.name} as ONNX (opset {proto.opset_import[0].version}) at {filepath}")

    def save_weights(self, path):
        from .saving import save_weights
        save_weights(self, path)

    def load_weights(self, path):
        from .saving import load_weights
        load_weights(self, path)


def _functional_arguments(args, kwargs):
    """Whether a model's constructor was called as ``Model(inputs, outputs)`` (positions or keywords)."""
    return len(args) >= 2 or (len(args) == 1 and "outputs" in kwargs) or ("inputs" in kwargs and "outputs" in kwargs)


def _make_functional(cls):
    """Put ``Functional`` where ``Model`` stands among the bases of the subclass ``cls`` (and of its
    ``Model`` ancestors), so ``CustomModel(inputs, outputs)`` runs its graph and keeps the subclass's
    own steps, as in Keras 3.  The class stays changed: each later instance is functional too."""
    from .functional_model import Functional
    from .sequential import Sequential
    if issubclass(cls, (Functional, Sequential)):
        return
    cls.__bases__ = tuple(Functional if base is Model else base for base in cls.__bases__)
    for base in cls.__bases__:
        if issubclass(base, Model):
            _make_functional(base)


def _nested(layers, expand, depth=0):
    """(layer, depth) rows: each layer, then, with ``expand``, the layers inside a nested model."""
    for layer in layers:
        yield layer, depth
        if expand and isinstance(layer, Model):
            yield from _nested(layer.layers, expand, depth + 1)


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return str((None,) + tuple(shape[1:]))
