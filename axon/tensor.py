"""Layer 2: ``Tensor``, an array with a gradient and a link to the op that made it.

>>> import axon
>>> x = axon.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad.tolist()
[[2.0, 4.0], [6.0, 8.0]]
"""
import numpy as np

from . import backend

_F = None  # the ops package (axon.ops); it registers itself here when imported


class Tensor:
    """An n-dimensional array (NumPy by default) that can record gradients.

    ``data``: the array; ``grad``: the accumulated gradient (same shape) or
    ``None``; ``requires_grad``: whether ops on it record a graph.  Python
    floats and lists become ``axon.floatx()`` (float32); NumPy arrays and
    NumPy scalars keep their dtype.
    """
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_idx", "name", "_mask", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if type(data) is not np.ndarray or dtype is not None:
            if isinstance(data, Tensor):
                data = data.data
            if dtype is not None:
                data = backend.xp.asarray(data, dtype=dtype)
            elif isinstance(data, np.generic):  # a NumPy scalar (ops on 0-d arrays give them) keeps its dtype
                data = np.asarray(data)
            elif not (isinstance(data, np.ndarray) or hasattr(data, "__cuda_array_interface__")):
                data = np.asarray(data)
                if data.dtype.kind == "f" or (data.dtype.kind in "iub" and requires_grad):
                    data = data.astype(backend.floatx())
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self._ctx = None
        self._idx = 0
        self.name = name
        self._mask = None

    # ----- array facts
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """The data as a NumPy array (no copy on the CPU)."""
        return self.data if isinstance(self.data, np.ndarray) else self.data.get()

    def item(self):
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __repr__(self):
        body = np.array2string(self.numpy(), precision=4, separator=", ", prefix="Tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}{extra})"

    __hash__ = object.__hash__

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.data)

    # ----- autograd
    def backward(self, grad=None, retain_graph=False, inputs=None):
        """Accumulate gradients of this tensor into every leaf that requires them (into the
        leaves in ``inputs`` only, when given)."""
        from .autograd import backward
        backward(self, grad, retain_graph, inputs)

    def detach(self):
        """The same data, cut from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, flag=True):
        self.requires_grad = flag
        return self

    def zero_grad(self):
        self.grad = None

    @property
    def value(self):
        """The tensor itself (Keras's ``Variable.value``: ``v.value.grad`` in a torch-backend loop)."""
        return self

    # ----- updating a variable in place (Keras's Variable API: metric state, a layer's counters)
    def assign(self, value):
        """Overwrite the values in place (shape kept, dtype cast); returns the tensor.

        >>> v = Tensor([1.0, 2.0]); v.assign_add([0.5, 0.5]).tolist()
        [1.5, 2.5]
        """
        value = np.asarray(unwrap(value))
        if value.shape != self.data.shape and value.size != self.data.size:
            raise ValueError(f"assign: the variable{' ' + repr(self.name) if self.name else ''} has shape "
                             f"{self.data.shape}, the value has shape {value.shape}")
        self.data[...] = value.reshape(self.data.shape)
        return self

    def assign_add(self, value):
        return self.assign(self.data + np.asarray(unwrap(value)))

    def assign_sub(self, value):
        return self.assign(self.data - np.asarray(unwrap(value)))

    @property
    def is_leaf(self):
        return self._ctx is None

    # ----- arithmetic (broadcasting; gradients are reduced back to each input's shape)
    def __add__(self, o): return _F.add(self, o)
    def __radd__(self, o): return _F.add(o, self)
    def __sub__(self, o): return _F.sub(self, o)
    def __rsub__(self, o): return _F.sub(o, self)
    def __mul__(self, o): return _F.mul(self, o)
    def __rmul__(self, o): return _F.mul(o, self)
    def __truediv__(self, o): return _F.div(self, o)
    def __rtruediv__(self, o): return _F.div(o, self)
    def __neg__(self): return _F.neg(self)
    def __pow__(self, o): return _F.pow(self, o)
    def __rpow__(self, o): return _F.pow(o, self)
    def __matmul__(self, o): return _F.matmul(self, o)
    def __rmatmul__(self, o): return _F.matmul(o, self)
    def __abs__(self): return _F.abs(self)
    def __getitem__(self, index): return _F.getitem(self, index)

    # comparisons give boolean tensors and no gradient
    def __lt__(self, o): return Tensor(self.data < unwrap(o))
    def __le__(self, o): return Tensor(self.data <= unwrap(o))
    def __gt__(self, o): return Tensor(self.data > unwrap(o))
    def __ge__(self, o): return Tensor(self.data >= unwrap(o))
    def __eq__(self, o): return Tensor(self.data == unwrap(o))
    def __ne__(self, o): return Tensor(self.data != unwrap(o))

    # ----- methods mirroring axon.ops
    def sum(self, axis=None, keepdims=False): return _F.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return _F.mean(self, axis, keepdims)
    def max(self, axis=None, keepdims=False): return _F.max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return _F.min(self, axis, keepdims)
    def var(self, axis=None, keepdims=False, ddof=0): return _F.var(self, axis, keepdims, ddof)
    def std(self, axis=None, keepdims=False, ddof=0): return _F.std(self, axis, keepdims, ddof)
    def argmax(self, axis=None): return Tensor(self.data.argmax(axis))
    def argmin(self, axis=None): return Tensor(self.data.argmin(axis))
    def exp(self): return _F.exp(self)
    def log(self): return _F.log(self)
    def sqrt(self): return _F.sqrt(self)
    def abs(self): return _F.abs(self)
    def clip(self, lo, hi): return _F.clip(self, lo, hi)
    def tanh(self): return _F.tanh(self)
    def sigmoid(self): return _F.sigmoid(self)
    def relu(self): return _F.relu(self)
    def softmax(self, axis=-1): return _F.softmax(self, axis)
    def reshape(self, *shape): return _F.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)
    def transpose(self, *axes): return _F.transpose(self, axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else (axes or None))
    def flatten(self, start_axis=1): return _F.flatten(self, start_axis)
    def squeeze(self, axis=None): return _F.squeeze(self, axis)
    def unsqueeze(self, axis): return _F.expand_dims(self, axis)
    def astype(self, dtype): return _F.cast(self, dtype)

    @property
    def T(self):
        return _F.transpose(self, None)


def unwrap(x):
    """The array inside a Tensor; anything else as it is (ops keep Python scalars weakly typed)."""
    return x.data if isinstance(x, Tensor) else x


def to_numpy(x, dtype=None):
    """A NumPy array of a Tensor, an array, or nested lists (of ``dtype`` when given)."""
    return np.asarray(x.numpy() if isinstance(x, Tensor) else x, dtype=dtype)


def as_tensor(x, dtype=None):
    """``x`` itself if it is a Tensor (of ``dtype`` when given), else a new Tensor."""
    if isinstance(x, Tensor) and (dtype is None or x.dtype == dtype):
        return x
    return Tensor(unwrap(x), dtype=dtype)
