"""Layer 1: the array module, the default float type and the random generator.

Everything above this module asks here for ``xp`` (the array module: NumPy,
the only one supported until a GPU backend exists and is tested), for
``floatx()`` (float32 unless changed) and for the shared random generator
``rng()`` that ``manual_seed`` resets.  On glibc it also keeps freed memory for reuse
(``tune_allocator``), so that training steps do not page-fault their temporaries in again.
"""
import ctypes
import os
import platform

import numpy as np

xp = np
_floatx = np.float32
_rng = np.random.default_rng()


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
ALLOCATOR_TRIM_MB, ALLOCATOR_MMAP_MB = 256, 32
_allocator = {"tuned": False}


def tune_allocator(trim_mb=ALLOCATOR_TRIM_MB, mmap_mb=ALLOCATOR_MMAP_MB):
    """Keep up to ``trim_mb`` MB of freed memory in the process instead of returning it to the
    system, and serve blocks up to ``mmap_mb`` MB from the heap (glibc ``mallopt``:
    ``M_TRIM_THRESHOLD`` and ``M_MMAP_THRESHOLD``).  Returns True when applied.

    A training step allocates and frees tens of MB of activations and gradients.  By default
    glibc hands a freed block back to the system once the free space at the top of the heap
    passes a threshold that it adapts as it goes (twice the largest block freed so far), so in
    some stretches of steps every step page-faults ~25 MB in again: the CNN benchmark measured
    ~6,000 page faults and 13 ms of system time a step then, and none with these settings.
    32 MB is glibc's own upper bound for its adaptive mmap threshold; blocks above it (a large
    dataset) still get their own mapping and go back to the system when freed.

    Done once at import on glibc (Linux); a no-op elsewhere, when ``AXON_TUNE_MALLOC=0``, or when
    the user set glibc's ``MALLOC_TRIM_THRESHOLD_`` or ``MALLOC_MMAP_THRESHOLD_``, which win."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    if any(os.environ.get(v) for v in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    done = mallopt(_M_MMAP_THRESHOLD, int(mmap_mb) << 20) == 1 and mallopt(_M_TRIM_THRESHOLD, int(trim_mb) << 20) == 1
    _allocator["tuned"] = done
    return done


def allocator_tuned():
    """Whether ``tune_allocator`` has set glibc's thresholds in this process."""
    return _allocator["tuned"]


if os.environ.get("AXON_TUNE_MALLOC", "1") != "0":
    tune_allocator()


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
