"""Threads and BLAS for the element-wise passes that NumPy runs on one core.

NumPy releases the GIL inside its loops, so a pass split over disjoint row
ranges runs on as many cores as the matrix products do (``over_batch``).
Per-channel statistics of channels-last arrays are matrix-vector products
with a ones vector (``sum_rows``), and per-channel affine maps run on rows
made long by tiling the channel vector (``channel_rows``): NumPy's inner loop
then runs over ~1,000 elements instead of over the few channels.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_PARALLEL_MIN = 1 << 18  # elements below which threading costs more than it saves
_threads = {"n": None, "pool": None, "pid": None}


def num_threads():
    """Threads for the element-wise parts of convolution, pooling and normalization:
    ``AXON_NUM_THREADS``, else the BLAS setting (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``),
    else the CPU count."""
    if _threads["n"] is None:
        n = None
        for var in ("AXON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            value = os.environ.get(var, "")
            if value.isdigit() and int(value) > 0:
                n = int(value)
                break
        _threads["n"] = n or min(os.cpu_count() or 1, 8)
    return _threads["n"]


def over_batch(fn, n, size):
    """Run ``fn(start, stop)`` on disjoint ranges covering ``range(n)`` (the batch axis, or rows),
    one per thread; ``size`` (elements touched) keeps small calls on the calling thread.
    Returns the list of ``fn``'s results, in range order."""
    k = min(num_threads(), n)
    if k <= 1 or size < _PARALLEL_MIN:
        return [fn(0, n)]
    if _threads["pool"] is None or _threads["pool"]._max_workers < k - 1 or _threads["pid"] != os.getpid():
        # a forked child inherits the pool object but not its threads: make its own
        _threads["pool"] = ThreadPoolExecutor(k - 1, thread_name_prefix="axon-ops")
        _threads["pid"] = os.getpid()
    bounds = [n * i // k for i in range(k + 1)]
    futures = [_threads["pool"].submit(fn, bounds[i], bounds[i + 1]) for i in range(1, k)]
    first = fn(bounds[0], bounds[1])
    return [first] + [f.result() for f in futures]


_ONES = {}


def sum_rows(a2):
    """``a2.sum(axis=0)`` of a (rows, C) matrix as a product with a cached ones vector (several
    times faster than NumPy's strided reduction).

    >>> sum_rows(np.arange(6.0).reshape(3, 2)).tolist()
    [6.0, 9.0]
    """
    key = (a2.shape[0], a2.dtype.str)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 16:
            _ONES.clear()
        ones = _ONES[key] = np.ones(a2.shape[0], dtype=a2.dtype)
    return ones @ a2


_ROW = 1024  # target length of a tiled row, in elements
_BLOCK = 1 << 16  # elements per block of a chunked pass: a few blocks fit in a core's L2


def channel_rows(*arrays):
    """Contiguous channels-last arrays of one shape (..., C) as (rows, k*C) views, k a divisor of
    their row count with k*C near ``_ROW``; returns the views and k (tile a channel vector k times
    to broadcast over a row).

    >>> (v,), k = channel_rows(np.zeros((4, 3, 3, 8)))
    >>> v.shape, k
    ((1, 288), 36)
    """
    c = arrays[0].shape[-1]
    rows = arrays[0].size // max(c, 1)
    k = max(1, min(rows, _ROW // max(c, 1)))
    while rows % k:
        k -= 1
    return [a.reshape(rows // k, k * c) for a in arrays], k


def in_blocks(fn, rows, width):
    """``fn(start, stop)`` over blocks of about ``_BLOCK`` elements of a (rows, width) array, the
    blocks split over the threads: each block's temporaries stay in cache.  Returns the sum of
    ``fn``'s results (None when it returns nothing).

    The block boundaries depend only on ``rows`` and ``width`` and the results are added block
    by block in order, so the sum is bitwise the same whatever the number of threads.

    >>> a = np.arange(12.0).reshape(6, 2)
    >>> in_blocks(lambda s, e: sum_rows(a[s:e]), 6, 2).tolist()
    [30.0, 36.0]
    """
    step = max(1, _BLOCK // max(width, 1))
    starts = range(0, rows, step)

    def run(i, j):  # blocks i..j-1, whichever thread runs them
        return [fn(a, min(rows, a + step)) for a in starts[i:j]]
    total = None
    for group in over_batch(run, len(starts), rows * width):
        for part in group:
            if part is not None:
                total = part if total is None else total + part
    return total
