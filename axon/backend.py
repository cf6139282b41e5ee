"""Layer 1: the array module, the default float type and the random generator.

Everything above this module asks here for ``xp`` (NumPy, or CuPy when asked
for and installed), for ``floatx()`` (float32 unless changed) and for the
shared random generator ``rng()`` that ``manual_seed`` resets.
"""
import numpy as np

xp = np
_floatx = np.float32
_rng = np.random.default_rng()


def set_backend(name):
    """Select the array module: ``"numpy"`` (default) or ``"cupy"``."""
    global xp
    if name == "numpy":
        xp = np
    elif name == "cupy":
        try:
            import cupy
        except ImportError as e:
            raise ImportError("set_backend('cupy'): CuPy is not installed; "
                              "pip install cupy-cuda12x on a machine with a GPU") from e
        xp = cupy
    else:
        raise ValueError(f"set_backend: expected 'numpy' or 'cupy', got {name!r}")
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
