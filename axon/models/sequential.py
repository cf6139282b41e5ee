"""``Sequential``: a plain stack of layers, each feeding the next.

>>> import axon, numpy as np
>>> from axon.layers import Dense
>>> model = Sequential([Dense(16, activation="relu", input_shape=(4,)), Dense(3)])
>>> model.predict(np.zeros((2, 4)), verbose=0).shape
(2, 3)
"""
import numpy as np

from ..autograd import no_grad
from ..layers.activation import rectifier_fusion
from ..layers.base import Layer
from ..serialization import serialize, deserialize
from ..layers.input_layer import InputLayer, build_probe, is_string_dtype
from ..layers.symbolic import SymbolicTensor
from .model import Model


class Sequential(Model):
    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._stack = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Append a layer (or an ``Input``/``InputLayer`` fixing the input shape)."""
        if isinstance(layer, InputLayer):
            layer = layer.output
        if isinstance(layer, SymbolicTensor):
            self._batch_input_shape = layer.shape
            self._input_dtype = layer.dtype
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Layer, got {type(layer).__name__}")
        if not self._stack and layer._batch_input_shape is not None:
            self._batch_input_shape = layer._batch_input_shape
        self._stack.append(layer)
        self._layers.append(layer)
        self.built, self.output_shape = False, None
        self._maybe_build()  # with a known input shape the weights exist at once, as in Keras

    def pop(self):
        layer = self._stack.pop()
        self._layers.remove(layer)
        self.output_shape = self._stack[-1].output_shape if self._stack else None
        return layer

    def call(self, x, training=None):
        self._check_input(x.shape if hasattr(x, "shape") else None)
        stack, i = self._stack, 0
        while i < len(stack):  # a layer followed by a rectifier it can apply runs as one call
            slope = rectifier_fusion(stack[i], stack[i + 1]) if i + 1 < len(stack) else None
            if slope is None:
                x = stack[i](x, training=training)
            else:
                x = stack[i](x, training=training, rectify=slope)
            i += 1 if slope is None else 2
        return x

    def build(self, input_shape=None):
        """Keras's ``model.build(input_shape)``: create every layer's weights for batches of
        ``input_shape`` (batch axis included, e.g. ``(None, 784)``; the declared input shape when
        left out), so ``summary()`` and ``weights`` work before any data is seen."""
        if input_shape is None:
            input_shape = self._batch_input_shape
        if input_shape is None:
            raise ValueError(f"{self.describe()}.build: give the input shape, batch axis included, e.g. "
                             "build((None, 784)), or start the model with axon.Input(shape=...)")
        self._check_input(input_shape)
        shape = tuple(input_shape)
        if None in shape[1:]:
            raise ValueError(f"{self.describe()}.build: input_shape {shape} has a variable-length axis; "
                             "build it by calling it on a batch instead")
        dtype = np.dtype(getattr(self, "_input_dtype", None) or self.dtype)
        probe = build_probe((1,) + shape[1:], dtype)
        self._build_shapes = [(probe.shape, str(dtype))]
        with no_grad():
            for layer in self._stack:
                probe = layer(probe, training=False)
        self.output_shape = probe.shape

    def _build_for_call(self, input_shape):
        self._check_input(input_shape)  # the layers build as the first batch runs through them

    def _check_input(self, input_shape):
        """Refuse a batch whose shape contradicts the declared ``input_shape``."""
        declared = self._batch_input_shape
        if declared is None or input_shape is None or isinstance(input_shape, list):
            return
        shape = tuple(input_shape)
        if len(shape) != len(declared) or any(d is not None and d != s for d, s in zip(declared[1:], shape[1:])):
            raise ValueError(f"{self.describe()}: expected input of shape {(None,) + tuple(declared[1:])} "
                             f"(its input_shape), got shape {shape}; reshape the data to match, or change "
                             "the model's Input shape")

    def _maybe_build(self):
        if not self.built and self._batch_input_shape is not None and self._stack:
            self.build_from_shape(self._batch_input_shape[1:], getattr(self, "_input_dtype", None))

    def _ensure_built(self, what):
        self._maybe_build()
        super()._ensure_built(what)

    def parameters(self):
        self._maybe_build()
        return super().parameters()

    @property
    def weights(self):
        self._maybe_build()
        return super().weights

    @property
    def trainable_weights(self):
        self._maybe_build()
        return super().trainable_weights

    @property
    def non_trainable_weights(self):
        self._maybe_build()
        return super().non_trainable_weights

    def named_weights(self):
        self._maybe_build()
        return super().named_weights()

    def get_config(self):
        config = {"name": self.name, "layers": [serialize(l) for l in self._stack]}
        if self._batch_input_shape is not None:
            config["input_shape"] = list(self._batch_input_shape[1:])
        dtype = getattr(self, "_input_dtype", None)
        if dtype is not None:
            config["input_dtype"] = "string" if is_string_dtype(dtype) else np.dtype(dtype).name
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        model = cls(name=config.get("name"))
        if "input_shape" in config:
            model._batch_input_shape = (None,) + tuple(config["input_shape"])
        if "input_dtype" in config:
            model._input_dtype = np.dtype(object) if is_string_dtype(config["input_dtype"]) \
                else np.dtype(config["input_dtype"])
        for c in config["layers"]:
            model.add(deserialize(c, custom_objects))
        return model
