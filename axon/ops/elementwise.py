"""Elementwise arithmetic and math with broadcasting."""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor, unwrap
from ._util import unbroadcast, shape_of


class Add(Function):
    def forward(self, a, b):
        self.save(a_shape=shape_of(a), b_shape=shape_of(b))
        return a + b

    def backward(self, g):
        s = self.saved
        return (unbroadcast(g, s.a_shape) if self.needs_grad[0] else None,
                unbroadcast(g, s.b_shape) if self.needs_grad[1] else None)


class Sub(Function):
    def forward(self, a, b):
        self.save(a_shape=shape_of(a), b_shape=shape_of(b))
        return a - b

    def backward(self, g):
        s = self.saved
        return (unbroadcast(g, s.a_shape) if self.needs_grad[0] else None,
                unbroadcast(-g, s.b_shape) if self.needs_grad[1] else None)


class Mul(Function):
    def forward(self, a, b):
        self.save(a=a, b=b)
        return a * b

    def backward(self, g):
        a, b = self.saved.a, self.saved.b
        return (unbroadcast(g * b, shape_of(a)) if self.needs_grad[0] else None,
                unbroadcast(g * a, shape_of(b)) if self.needs_grad[1] else None)


class Div(Function):
    def forward(self, a, b):
        out = a / b
        self.save(a=a, b=b, out=out)
        return out

    def backward(self, g):
        a, b, out = self.saved.a, self.saved.b, self.saved.out
        ga = unbroadcast(g / b, shape_of(a)) if self.needs_grad[0] else None
        # d(a/b)/db = -a/b^2 = -out/b
        gb = unbroadcast(-g * out / b, shape_of(b)) if self.needs_grad[1] else None
        return ga, gb


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class Pow(Function):
    def forward(self, a, b):
        out = np.power(a, b)
        self.save(a=a, b=b, out=out)
        return out

    def backward(self, g):
        a, b, out = self.saved.a, self.saved.b, self.saved.out
        ga = gb = None
        if self.needs_grad[0]:
            ga = unbroadcast(g * b * np.power(a, b - 1), shape_of(a))
        if self.needs_grad[1]:
            # d(a^b)/db = a^b log a
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = unbroadcast(g * out * np.log(np.where(a > 0, a, 1)), shape_of(b))
        return ga, gb


class Exp(Function):
    def forward(self, a):
        out = np.exp(a)
        self.save(out=out)
        return out

    def backward(self, g):
        return g * self.saved.out


class Log(Function):
    def forward(self, a):
        self.save(a=a)
        return np.log(a)

    def backward(self, g):
        return g / self.saved.a


class Sqrt(Function):
    def forward(self, a):
        out = np.sqrt(a)
        self.save(out=out)
        return out

    def backward(self, g):
        return g / (2 * self.saved.out)


class Abs(Function):
    def forward(self, a):
        self.save(a=a)
        return np.abs(a)

    def backward(self, g):
        return g * np.sign(self.saved.a)


class Clip(Function):
    def forward(self, a, lo=None, hi=None):
        self.save(a=a, lo=lo, hi=hi)
        return np.clip(a, lo, hi)

    def backward(self, g):
        a, lo, hi = self.saved.a, self.saved.lo, self.saved.hi
        keep = np.ones(a.shape, dtype=bool)
        if lo is not None:
            keep &= a >= lo
        if hi is not None:
            keep &= a <= hi
        return g * keep


class Maximum(Function):
    def forward(self, a, b):
        self.save(a=a, b=b)
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.saved.a, self.saved.b
        first = a >= b  # ties go to the first input, as in NumPy's argmax
        return (unbroadcast(g * first, shape_of(a)) if self.needs_grad[0] else None,
                unbroadcast(g * ~first, shape_of(b)) if self.needs_grad[1] else None)


class Minimum(Function):
    def forward(self, a, b):
        self.save(a=a, b=b)
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.saved.a, self.saved.b
        first = a <= b
        return (unbroadcast(g * first, shape_of(a)) if self.needs_grad[0] else None,
                unbroadcast(g * ~first, shape_of(b)) if self.needs_grad[1] else None)


class Where(Function):
    def forward(self, cond, a, b):
        self.save(cond=cond, a_shape=shape_of(a), b_shape=shape_of(b))
        return np.where(cond, a, b)

    def backward(self, g):
        s = self.saved
        return (None,
                unbroadcast(np.where(s.cond, g, 0), s.a_shape) if self.needs_grad[1] else None,
                unbroadcast(np.where(s.cond, 0, g), s.b_shape) if self.needs_grad[2] else None)


class Cast(Function):
    def forward(self, a, dtype=None):
        self.save(dtype=a.dtype)
        return a.astype(dtype)

    def backward(self, g):
        return g.astype(self.saved.dtype)


def add(x1, x2): return Add.apply(x1, x2)
def sub(x1, x2): return Sub.apply(x1, x2)
def mul(x1, x2): return Mul.apply(x1, x2)
def div(x1, x2): return Div.apply(x1, x2)
def neg(x): return Neg.apply(x)
def pow(x1, x2): return Pow.apply(x1, x2)
def exp(x): return Exp.apply(x)
def log(x): return Log.apply(x)
def sqrt(x): return Sqrt.apply(x)
def abs(x): return Abs.apply(x)
def square(x): return Mul.apply(x, x)
def clip(x, x_min=None, x_max=None): return Clip.apply(x, lo=x_min, hi=x_max)
def maximum(x1, x2): return Maximum.apply(x1, x2)
def minimum(x1, x2): return Minimum.apply(x1, x2)


def cast(x, dtype):
    """``x`` (a tensor, array, number or list) as ``dtype``; float to float keeps the gradient."""
    return Cast.apply(x if isinstance(x, Tensor) else np.asarray(x), dtype=np.dtype(dtype))


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2`` (no gradient flows to ``condition``).  With
    neither ``x1`` nor ``x2``, the indices where it holds: one int tensor per axis (``np.nonzero``).

    >>> import axon
    >>> where(axon.Tensor([True, False]), 1.0, axon.Tensor([5.0, 6.0])).tolist()
    [1.0, 6.0]
    >>> [i.tolist() for i in where(axon.Tensor([0.0, 2.0, 3.0]) > 1)]
    [[1, 2]]
    """
    cond = np.asarray(unwrap(condition), dtype=bool)
    if x1 is None and x2 is None:
        return tuple(Tensor(i) for i in np.nonzero(cond))
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2 (values where the condition holds and where "
                         "it does not), or neither (to get the indices where it holds)")
    return Where.apply(cond, x1, x2)


class Sin(Function):
    def forward(self, a):
        self.save(a=a)
        return np.sin(a)

    def backward(self, g):
        return g * np.cos(self.saved.a)


class Cos(Function):
    def forward(self, a):
        self.save(a=a)
        return np.cos(a)

    def backward(self, g):
        return -g * np.sin(self.saved.a)


def sin(x): return Sin.apply(x)
def cos(x): return Cos.apply(x)
