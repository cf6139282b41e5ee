"""Elementwise arithmetic and math with broadcasting."""
import numpy as np

from ..autograd import Function
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


def add(a, b): return Add.apply(a, b)
def sub(a, b): return Sub.apply(a, b)
def mul(a, b): return Mul.apply(a, b)
def div(a, b): return Div.apply(a, b)
def neg(a): return Neg.apply(a)
def pow(a, b): return Pow.apply(a, b)
def exp(a): return Exp.apply(a)
def log(a): return Log.apply(a)
def sqrt(a): return Sqrt.apply(a)
def abs(a): return Abs.apply(a)
def square(a): return Mul.apply(a, a)
def clip(a, lo=None, hi=None): return Clip.apply(a, lo=lo, hi=hi)
def maximum(a, b): return Maximum.apply(a, b)
def minimum(a, b): return Minimum.apply(a, b)
def cast(a, dtype): return Cast.apply(a, dtype=np.dtype(dtype))


def where(cond, a, b):
    """``a`` where ``cond`` holds, else ``b`` (no gradient flows to ``cond``)."""
    from ..tensor import unwrap
    return Where.apply(np.asarray(unwrap(cond), dtype=bool), a, b)
