"""``Input`` and ``InputLayer``: where a functional graph (or a ``Sequential`` stack) starts.

``Input(shape=(None,), dtype="int32")`` is a variable-length sequence of token
ids; ``None`` marks an axis whose size may change from batch to batch.

>>> import axon
>>> x = Input(shape=(None, 3), name="points")
>>> x.shape, x.name
((None, None, 3), 'points')
>>> type(x.input_layer).__name__
'InputLayer'
>>> Input(shape=(1,), dtype="string").dtype
dtype('O')
"""
import numpy as np

from .. import backend
from ..tensor import Tensor
from .base import Layer
from .symbolic import PROBE_LENGTHS, SymbolicTensor


class InputLayer(Layer):
    """The layer a model's input comes from; it computes nothing.  Its ``output`` is the symbolic
    input tensor (``shape`` excludes the batch axis; ``None`` marks a variable-length axis)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None):
        if sparse:
            raise ValueError(f"InputLayer {name!r}: sparse inputs are not supported; pass dense arrays")
        if input_tensor is not None:
            raise ValueError(f"InputLayer {name!r}: input_tensor= is not supported; call the layers on "
                             "axon.Input(shape=...) instead")
        if batch_shape is not None:
            if shape is not None:
                raise ValueError(f"InputLayer {name!r}: give shape= or batch_shape=, not both")
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        if shape is None:
            raise ValueError(f"InputLayer {name!r}: shape= is required, e.g. Input(shape=(28, 28, 1)) "
                             "(the batch axis excluded)")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for s in shape:
            if s is not None and (not isinstance(s, (int, np.integer)) or s < 1):
                raise ValueError(f"InputLayer {name!r}: shape must hold positive integers or None, got {shape}")
        text = is_string_dtype(dtype)
        if text:
            dtype = np.object_
        super().__init__(name=name, dtype=dtype or backend.floatx())
        self.shape, self.batch_size = shape, batch_size
        self._batch_input_shape = (batch_size,) + shape
        self.built = True
        self.output_shape = (None,) + shape
        dtype = np.dtype(dtype or backend.floatx())
        sizes = lambda length: (1,) + tuple(length if s is None else s for s in shape)
        if text:  # texts of two lengths, so that a TextVectorization output's length reads as None
            probe2 = Tensor(text_probe(sizes(PROBE_LENGTHS[1]), PROBE_LENGTHS[1]))
            probe = Tensor(text_probe(sizes(PROBE_LENGTHS[0]), PROBE_LENGTHS[0]))
        else:
            probe2 = Tensor(build_probe(sizes(PROBE_LENGTHS[1]), dtype)) if None in shape else None
            probe = Tensor(build_probe(sizes(PROBE_LENGTHS[0]), dtype))
        tensor = SymbolicTensor(probe, name=self.name, probe2=probe2)
        tensor.input_layer = self
        self.__dict__["_symbolic_call"] = ((tensor,), tensor)  # its input and output are the tensor

    def get_config(self):
        dtype = "string" if is_string_dtype(self.dtype) else str(np.dtype(self.dtype))
        return {"batch_shape": list(self._batch_input_shape), "dtype": dtype, "name": self.name}


def is_string_dtype(dtype):
    """Whether ``dtype`` stands for text: Keras's ``"string"`` (no NumPy name), ``str``, bytes or
    ``object`` (NumPy's arrays of Python strings)."""
    if dtype is None:
        return False
    if isinstance(dtype, str) and dtype in ("string", "str"):
        return True
    return np.dtype(dtype).kind in "OUS"


def text_probe(shape, words):
    """An object array of ``shape`` whose every element is a text of ``words`` words: what a string
    input's probe holds (an empty text would give a TextVectorization output of length 0)."""
    return np.full(shape, " ".join(["a"] * words), dtype=object)


def build_probe(shape, dtype):
    """The batch that builds a layer for inputs of ``shape`` (batch axis included) and ``dtype``:
    zeros for floats, ones for integers (token id 0 is padding to a masking Embedding, and an
    all-padding probe would average over nothing), texts for a string dtype.

    >>> build_probe((1, 2), "float32").tolist(), build_probe((1, 2), "int32").tolist()
    ([[0.0, 0.0]], [[1, 1]])
    >>> build_probe((1, 1), "string")[0, 0][:5]
    'a a a'
    """
    if is_string_dtype(dtype):
        return text_probe(shape, PROBE_LENGTHS[0])
    dtype = np.dtype(dtype)
    return (np.zeros if dtype.kind == "f" else np.ones)(shape, dtype)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None):
    """A model input of per-sample ``shape`` (batch axis excluded; ``None`` for a variable-length
    axis): the symbolic tensor the functional API calls layers on."""
    return InputLayer(shape, batch_size, dtype, sparse, batch_shape, tensor, name).output
