"""Small generated data for the earliest networks: logic truth tables (AND, OR, XOR, ...), the
``n-log2(n)-n`` encoder patterns of the Boltzmann machine, random bipolar patterns for Hopfield
networks, bit flips to corrupt them, and linearly separable point clouds.

>>> x, y = truth_table("xor")
>>> x.tolist(), y.tolist()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
>>> truth_table("and", bipolar=True)[1].tolist()
[-1.0, -1.0, -1.0, 1.0]
>>> encoder_patterns(4)[1].tolist()
[0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
"""
import numpy as np

from .. import backend

_TABLES = {
    "and": lambda a: np.all(a, axis=1),
    "or": lambda a: np.any(a, axis=1),
    "xor": lambda a: np.sum(a, axis=1) % 2 == 1,
    "nand": lambda a: ~np.all(a, axis=1),
    "nor": lambda a: ~np.any(a, axis=1),
    "xnor": lambda a: np.sum(a, axis=1) % 2 == 0,
    "not": lambda a: ~a[:, 0],
}


def _generator(seed):
    return backend.rng() if seed is None else np.random.default_rng(seed)


def truth_table(name, n_inputs=2, bipolar=False):
    """The truth table of the Boolean function ``name`` (``"and"``, ``"or"``, ``"xor"``, ``"nand"``,
    ``"nor"``, ``"xnor"``, ``"not"``) of ``n_inputs`` inputs (``"not"`` has one): inputs
    ``(2**n_inputs, n_inputs)`` in binary counting order and targets ``(2**n_inputs,)``, float32,
    in {0, 1}, or in {-1, 1} with ``bipolar=True`` (the inputs too)."""
    key = str(name).lower()
    if key not in _TABLES:
        raise ValueError(f"truth_table: unknown function {name!r}; choose one of {', '.join(_TABLES)}")
    if key == "not":
        n_inputs = 1
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)) or not 1 <= n_inputs <= 16:
        raise ValueError(f"truth_table: n_inputs must be a whole number from 1 to 16, got {n_inputs!r}")
    codes = np.arange(2 ** n_inputs)[:, None] >> np.arange(n_inputs - 1, -1, -1) & 1
    bits = codes.astype(bool)
    x, y = bits.astype(np.float32), _TABLES[key](bits).astype(np.float32)
    if bipolar:
        x, y = 2 * x - 1, 2 * y - 1
    return x, y


def encoder_patterns(n=4):
    """The ``n`` training vectors of the n-log2(n)-n encoder problem (Ackley, Hinton and Sejnowski,
    1985): ``(n, 2n)`` float32 rows, each a one-hot input half followed by the same one-hot output
    half."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"encoder_patterns: n must be a whole number >= 2 (the one-hot width), got {n!r}")
    eye = np.eye(n, dtype=np.float32)
    return np.concatenate([eye, eye], axis=1)


def random_bipolar_patterns(count, size, seed=None):
    """``count`` patterns of ``size`` independent, equally likely -1/+1 entries, float32
    ``(count, size)`` (the random memories of Hopfield's capacity analysis)."""
    for what, v in (("count", count), ("size", size)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"random_bipolar_patterns: {what} must be a positive whole number, got {v!r}")
    return np.where(_generator(seed).random((count, size)) < 0.5, -1.0, 1.0).astype(np.float32)


def flip_bits(patterns, fraction, seed=None):
    """A copy of the bipolar ``patterns`` (``(..., N)``) in which exactly ``round(fraction * N)``
    entries of each pattern, chosen at random, change sign."""
    patterns = np.asarray(patterns, dtype=np.float32)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"flip_bits: fraction must lie in [0, 1] (the share of entries flipped), got {fraction!r}")
    n = patterns.shape[-1]
    k = int(round(fraction * n))
    ranks = np.argsort(_generator(seed).random(patterns.shape), axis=-1).argsort(axis=-1)
    return np.where(ranks < k, -patterns, patterns).astype(np.float32)


def separable_points(n=100, n_features=2, margin=0.2, seed=None, bipolar=False):
    """``n`` points uniform in ``[-1, 1]^n_features`` with labels from a random hyperplane through
    the middle, those closer than ``margin`` to it left out: ``x (n, n_features)`` float32 and
    ``y (n,)`` in {0, 1} (or {-1, 1}); linearly separable with at least that margin."""
    if n < 2 or n_features < 1 or not 0 <= margin < 1:
        raise ValueError(f"separable_points: need n >= 2, n_features >= 1 and 0 <= margin < 1, got n={n!r}, "
                         f"n_features={n_features!r}, margin={margin!r}")
    rng = _generator(seed)
    normal = rng.standard_normal(n_features)
    normal /= np.linalg.norm(normal)
    x = np.empty((0, n_features))
    while len(x) < n:
        candidates = rng.uniform(-1, 1, (2 * n, n_features))
        x = np.concatenate([x, candidates[np.abs(candidates @ normal) >= margin]])[:n]
    y = (x @ normal > 0).astype(np.float32)
    return x.astype(np.float32), (2 * y - 1 if bipolar else y)
