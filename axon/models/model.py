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
from ..serialization import serialize, deserialize
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
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs):
            from .functional_model import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
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
        names = [o.layer.name for o in self._outputs] if getattr(self, "_multi_out", False) else None
        metrics = [metrics] if isinstance(metrics, (str, metrics_mod.Metric)) or callable(metrics) else metrics
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

    # ----- description and saving
    def summary(self, print_fn=print):
        """Print the layers, their output shapes and parameter counts."""
        self._ensure_built("summary")
        rows = [(f"{l.name} ({type(l).__name__})", _shape_text(l.output_shape), f"{l.count_params():,}")
                for l in self.layers]
        w0 = max([len("Layer (type)")] + [len(r[0]) for r in rows]) + 2
        w1 = max([len("Output Shape")] + [len(r[1]) for r in rows]) + 2
        line = "=" * (w0 + w1 + 12)
        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        print_fn(f"{'Layer (type)':<{w0}}{'Output Shape':<{w1}}{'Param #':>10}")
        print_fn(line)
        for r in rows:
            print_fn(f"{r[0]:<{w0}}{r[1]:<{w1}}{r[2]:>10}")
        print_fn(line)
        trainable = sum(w.size for w in self.trainable_weights)
        total = self.count_params()
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")

    def _ensure_built(self, what):
        if not (self.built or (self._layers and all(l.built for l in self._layers))):
            raise RuntimeError(f"{self.describe()} is not built yet, so {what}() has no shapes: call it "
                               "on a batch, fit it, or give the first layer input_shape=")

    def save(self, path):
        """Write architecture, weights and optimizer state to one file (atomically)."""
        from .saving import save_model
        save_model(self, path)

    def save_weights(self, path):
        from .saving import save_weights
        save_weights(self, path)

    def load_weights(self, path):
        from .saving import load_weights
        load_weights(self, path)


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return str((None,) + tuple(shape[1:]))
