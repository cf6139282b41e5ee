"""Layer 1: the array module, the default float type and the random generator.

Everything above this module asks here for ``xp`` (the array module: NumPy,
the only one supported until a GPU backend exists and is tested), for
``floatx()`` (float32 unless changed) and for the shared random generator
``rng()`` that ``manual_seed`` resets.
"""
import numpy as np

xp = np
_floatx = np.float32
_rng = np.random.default_rng()


def set_backend(name):
    """Select the array module.  Only ``"numpy"`` is supported: no GPU backend is tested end to
    end yet, so any other name (``"cupy"`` included) is refused rather than half working.

    >>> set_backend("numpy").__name__
    'numpy'
    """
    global xp
    if name != "numpy":
        raise ValueError(f"set_backend: expected 'numpy' (the only backend supported until a GPU "
                         f"backend exists and is tested), got {name!r}")
    xp = np
    return xp


def floatx():
    """The default floating dtype of new tensors and weights (float32)."""
    return _floatx


def set_floatx(dtype):
    """Change the default float dtype, e.g. to ``"float64"`` for gradient checks."""
    global _floatx
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"set_floatx: expected a float dtype, got {dtype!r}")
    _floatx = dt.type


def manual_seed(seed):
    """Seed Axon's random generator (weights, dropout, shuffling, augmentation)."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def rng():
    """Axon's shared ``numpy.random.Generator``."""
    return _rng


def get_rng_state():
    """The state of Axon's shared generator: NumPy's ``bit_generator.state``, a dict of ints for
    the PCG64 generator ``manual_seed`` makes (so it fits in JSON); ``set_rng_state`` of it makes
    the next draws repeat.

    >>> state = get_rng_state()
    >>> a = rng().random()
    >>> set_rng_state(state)
    >>> rng().random() == a
    True
    """
    return _rng.bit_generator.state


def set_rng_state(state):
    """Put Axon's shared generator back in ``state`` (from ``get_rng_state``)."""
    global _rng
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise ValueError(f"set_rng_state: expected the dict get_rng_state() returns, got {state!r:.80}")
    name = state["bit_generator"]
    if type(_rng.bit_generator).__name__ != name:
        bit_generator = getattr(np.random, name, None)
        if not (isinstance(bit_generator, type) and issubclass(bit_generator, np.random.BitGenerator)):
            raise ValueError(f"set_rng_state: unknown bit generator {name!r} in the state; expected one of "
                             "NumPy's (PCG64, Philox, SFC64, MT19937)")
        _rng = np.random.Generator(bit_generator())
    _rng.bit_generator.state = state


_session_resets = []  # functions of upper layers that forget session state (layer name counters)


def on_clear_session(fn):
    """Register ``fn()`` to run at ``clear_session()`` (used by the layers for their name counters)."""
    _session_resets.append(fn)
    return fn


def clear_session():
    """Forget what this session has made: the automatic layer names start again (``dense``,
    ``dense_1``, ...), as after Keras's ``clear_session``.  The random state is left alone."""
    for fn in _session_resets:
        fn()
