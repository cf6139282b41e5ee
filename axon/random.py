"""Random tensors, Keras's ``keras.random``.

Every function takes ``seed``, as Keras:

- ``None``: draw from Axon's shared generator (reset by ``axon.manual_seed`` and by
  ``keras.utils.set_random_seed``);
- an int: the same seed gives the same values at every call;
- a ``SeedGenerator``: a fresh stream at every call, the sequence of streams fixed by the
  generator's own seed (what a layer holds to draw new noise at each step, reproducibly).

>>> import axon
>>> normal((2, 3)).shape
(2, 3)
>>> bool((uniform((4,), seed=7).numpy() == uniform((4,), seed=7).numpy()).all())
True
>>> gen = SeedGenerator(42)
>>> bool((uniform((4,), seed=gen).numpy() == uniform((4,), seed=gen).numpy()).all())
False

``dropout`` is differentiable: it runs ``axon.ops.dropout`` (through the table of ops that
``Tensor``'s own arithmetic uses, since the ops sit one layer above this module).
"""
import numpy as np

from . import backend
from .ops.dropout import dropout as _dropout
from .tensor import Tensor, as_tensor, to_numpy

_SEED_LIMIT = 2 ** 31


class SeedGenerator:
    """A source of seeds, as ``keras.random.SeedGenerator``: passed as ``seed=`` to a function
    of ``axon.random``, it gives that call a fresh NumPy generator, the ``k``-th one determined by
    ``(seed, k)``; so two SeedGenerators of one seed draw the same sequence.  ``seed=None`` takes a
    seed from Axon's shared generator (fixed by ``axon.manual_seed``/``set_random_seed``).

    >>> a, b = SeedGenerator(3), SeedGenerator(3)
    >>> [int(a.next().integers(100)) for _ in range(3)] == [int(b.next().integers(100)) for _ in range(3)]
    True
    """

    def __init__(self, seed=None, name=None):
        if seed is None:
            seed = int(backend.rng().integers(1, _SEED_LIMIT))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"SeedGenerator: seed must be a non-negative int or None, got {seed!r}")
        self.seed = int(seed)
        self.name = name or "seed_generator"
        self.count = 0

    def next(self):
        """The generator for the next call: a new ``numpy.random.Generator`` each time."""
        gen = np.random.default_rng([self.seed, self.count])
        self.count += 1
        return gen

    def get_config(self):
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"SeedGenerator(seed={self.seed}, draws={self.count})"


def draw_generator(seed):
    """The NumPy generator a call with ``seed`` (None, an int or a SeedGenerator) draws from."""
    if seed is None:
        return backend.rng()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"seed must be None, a non-negative int or a keras.random.SeedGenerator, "
                     f"got {seed!r} (of type {type(seed).__name__})")


def _float(dtype):
    dt = np.dtype(dtype or backend.floatx())
    if dt.kind != "f":
        raise ValueError(f"expected a float dtype for random floats, got dtype={dtype!r}")
    return dt


def _shape(shape):
    return tuple(int(n) for n in (shape if np.ndim(shape) else (shape,)))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A tensor of ``shape`` drawn from N(mean, stddev^2)."""
    values = draw_generator(seed).normal(mean, stddev, size=_shape(shape))
    return Tensor(values.astype(_float(dtype)))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A tensor of ``shape`` drawn from N(mean, stddev^2), redrawing every value more than two
    standard deviations from the mean (as Keras: the result lies in ``mean +- 2 stddev``)."""
    gen = draw_generator(seed)
    values = gen.normal(0.0, 1.0, size=_shape(shape))
    bad = np.abs(values) > 2
    while bad.any():  # each round redraws the ~5% outside, so a few rounds suffice
        values[bad] = gen.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(values) > 2
    return Tensor((mean + stddev * values).astype(_float(dtype)))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """A tensor of ``shape`` drawn uniformly from [minval, maxval)."""
    values = draw_generator(seed).uniform(minval, maxval, size=_shape(shape))
    return Tensor(values.astype(_float(dtype)))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """A tensor of ``shape`` of integers drawn uniformly from [minval, maxval)."""
    return Tensor(draw_generator(seed).integers(minval, maxval, size=_shape(shape)).astype(dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class ids for each row of ``logits`` (batch, classes), drawn with the
    probabilities ``softmax(logits)``: shape (batch, num_samples).  A logit of ``-inf`` is
    never drawn."""
    z = to_numpy(logits, np.float64)
    if z.ndim != 2:
        raise ValueError(f"categorical: logits must be 2-D (batch_size, num_classes), got shape {z.shape}")
    p = np.exp(z - z.max(axis=1, keepdims=True))
    cdf = np.cumsum(p, axis=1)
    u = draw_generator(seed).random((z.shape[0], int(num_samples))) * cdf[:, -1:]
    # inverse CDF: the id is how many cumulative probabilities the uniform draw has passed
    ids = (cdf[:, None, :] <= u[:, :, None]).sum(axis=2)
    return Tensor(np.minimum(ids, z.shape[1] - 1).astype(dtype))


def gamma(shape, alpha, dtype=None, seed=None):
    """A tensor of ``shape`` drawn from the Gamma distribution of shape ``alpha``, scale 1."""
    return Tensor(draw_generator(seed).gamma(alpha, 1.0, size=_shape(shape)).astype(_float(dtype)))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """A tensor of ``shape``: successes in ``counts`` trials of probability ``probabilities``."""
    values = draw_generator(seed).binomial(counts, probabilities, size=_shape(shape))
    return Tensor(values.astype(_float(dtype)))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """A tensor of ``shape`` drawn from the Beta(alpha, beta) distribution."""
    return Tensor(draw_generator(seed).beta(alpha, beta, size=_shape(shape)).astype(_float(dtype)))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with a fraction ``rate`` of entries zeroed and the others scaled by
    ``1 / (1 - rate)``; differentiable (the gradient passes through the same mask).
    ``noise_shape`` broadcasts one mask over some axes (``None`` entries take the size of the
    input's axis, as Keras), e.g. ``(None, 1, None)`` drops the same features at every step."""
    x = as_tensor(inputs)
    if not 0 <= rate <= 1:
        raise ValueError(f"dropout: rate must be in [0, 1], got {rate}")
    if rate == 1:
        return x * 0.0
    if noise_shape is not None:
        if len(noise_shape) != x.ndim:
            raise ValueError(f"dropout: noise_shape needs one entry per axis of the inputs "
                             f"{x.shape}, got {tuple(noise_shape)}")
        noise_shape = tuple(x.shape[i] if n is None else n for i, n in enumerate(noise_shape))
    return _dropout(x, rate, noise_shape=noise_shape, rng=draw_generator(seed))


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order (a new tensor)."""
    data = to_numpy(x)
    order = draw_generator(seed).permutation(data.shape[axis])
    return Tensor(np.take(data, order, axis=axis))
