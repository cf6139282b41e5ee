"""``keras.utils.set_random_seed``: one call makes a program's random draws repeatable."""
import random

import numpy as np

from .. import backend


def set_random_seed(seed):
    """Seed every random source a Keras program draws from: Axon's generator (weights, dropout,
    shuffling, augmentation, ``keras.random`` without a seed, new ``SeedGenerator()``s), Python's
    ``random`` and NumPy's global ``np.random``.

    >>> import axon, numpy as np
    >>> set_random_seed(1); a = (axon.random.normal((2,)).numpy(), np.random.rand())
    >>> set_random_seed(1); b = (axon.random.normal((2,)).numpy(), np.random.rand())
    >>> bool((a[0] == b[0]).all()) and a[1] == b[1]
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 32:
        raise ValueError(f"set_random_seed: seed must be an int in [0, 2**32), got {seed!r} "
                         f"(of type {type(seed).__name__})")
    seed = int(seed)
    backend.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
