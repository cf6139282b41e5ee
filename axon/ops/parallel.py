"""Threads and BLAS for the element-wise passes that NumPy runs on one core.

NumPy releases the GIL inside its loops, so a pass split over disjoint row
ranges runs on as many cores as the matrix products do (``over_batch``).
Per-channel statistics of channels-last arrays are matrix-vector products
with a ones vector (``sum_rows``), and per-channel affine maps run on rows
made long by tiling the channel vector (``channel_rows``): NumPy's inner loop
then runs over ~1,000 elements instead of over the few channels.

The chunked passes of convolution (columns, then a matrix product, per chunk of images) run
whole chunks on each thread with OpenBLAS on one thread meanwhile (``over_chunks``): one hand-off
per pass instead of OpenBLAS's threads and Axon's taking turns at every chunk, each waiting for
the other's slowest thread.  Each thread reuses its own scratch buffers (``workspace``).
"""
import ctypes
import os
import sys
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

from ..backend import on_clear_session

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
    Returns the list of ``fn``'s results, in range order.

    Meanwhile OpenBLAS runs on one thread (``one_blas_thread``): a product or a ``sum_rows`` inside
    ``fn`` runs whole on the thread that calls it.  Two threads each asking OpenBLAS's threads for
    a product queue for them (batch normalization's block sums ran no faster on 2 threads than on
    one)."""
    k = min(num_threads(), n)
    if k <= 1 or size < _PARALLEL_MIN:
        return [fn(0, n)]
    if _threads["pool"] is None or _threads["pool"]._max_workers < k - 1 or _threads["pid"] != os.getpid():
        # a forked child inherits the pool object but not its threads: make its own
        _threads["pool"] = ThreadPoolExecutor(k - 1, thread_name_prefix="axon-ops")
        _threads["pid"] = os.getpid()
    bounds = [n * i // k for i in range(k + 1)]
    with one_blas_thread():
        futures = [_threads["pool"].submit(fn, bounds[i], bounds[i + 1]) for i in range(1, k)]
        first = fn(bounds[0], bounds[1])
        return [first] + [f.result() for f in futures]


_blas = {"looked": False, "funcs": None}


def _find_openblas():
    """(get, set) of the thread count of the OpenBLAS that NumPy loaded, or None (another BLAS, or
    not Linux).  Found in the process's mapped libraries (SciPy may load a second copy: NumPy's
    own comes first), under any of the names OpenBLAS builds export."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.rsplit("/", 1)[-1].lower()}
    except OSError:
        return None
    home = os.path.dirname(np.__file__)  # a wheel's own copy lies in numpy.libs next to it
    for path in sorted(paths, key=lambda p: not p.startswith(home)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("", "scipy_"):
            for suffix in ("", "64_", "_64"):
                get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    get.restype, get.argtypes = ctypes.c_int, ()
                    put.restype, put.argtypes = None, (ctypes.c_int,)
                    return get, put
    return None


@contextmanager
def one_blas_thread():
    """Run the block with NumPy's OpenBLAS on one thread (its count is restored after); yields
    whether that could be done (False with another BLAS).  Products then run whole on the thread
    that calls them, so Axon's threads can each run their own.  The count is OpenBLAS's, for the
    whole process: products other Python threads run meanwhile run on one thread too (results
    are the same; OpenBLAS splits a product's rows and columns over its threads, never its sums)."""
    if not _blas["looked"]:
        _blas["funcs"], _blas["looked"] = _find_openblas(), True
    if _blas["funcs"] is None:
        yield False
        return
    get, put = _blas["funcs"]
    before = get()
    if before > 1:
        put(1)
    try:
        yield True
    finally:
        if before > 1:
            put(before)


def over_chunks(fn, bounds, size):
    """``[fn(start, stop) for start, stop in bounds]``, the chunks shared out in runs of neighbours
    over the threads, each thread running its chunks in order with OpenBLAS on one thread (its
    products whole, no threads inside threads).  ``size`` (elements touched) keeps small passes
    on the calling thread.  Results in chunk order.

    Which chunks a thread runs changes with the thread count, what each chunk computes does
    not: results that are combined in chunk order are bitwise the same on any number of threads."""
    k = min(num_threads(), len(bounds))
    if k <= 1 or size < _PARALLEL_MIN:
        return [fn(s, e) for s, e in bounds]
    with one_blas_thread() as alone:
        if not alone:  # another BLAS: it threads each product itself
            return [fn(s, e) for s, e in bounds]

        def run(a, b):
            return [fn(s, e) for s, e in bounds[a:b]]
        return [part for group in over_batch(run, len(bounds), size) for part in group]


_WORKSPACES = 8  # scratch buffers kept per thread (the last ones asked for)
_workspaces = {}  # thread id -> OrderedDict (name, shape, dtype) -> array
_workspaces_lock = threading.Lock()


def workspace(name, shape, dtype):
    """A scratch array of ``shape`` for this thread to reuse across calls (contents undefined):
    the buffer ``name`` of a pass (say the column buffer of a convolution's chunks).  Each thread
    keeps its last ``_WORKSPACES`` buffers; ``free_workspaces`` (run by ``clear_session``) drops
    them all.  A buffer is valid until the same thread asks for the same name and shape again."""
    key = (name, tuple(int(d) for d in shape), np.dtype(dtype).str)
    tid = threading.get_ident()
    with _workspaces_lock:
        cache = _workspaces.setdefault(tid, OrderedDict())
        buf = cache.pop(key, None)
        if buf is None:
            while len(cache) >= _WORKSPACES:
                cache.popitem(last=False)
            buf = np.empty(key[1], dtype=key[2])
        cache[key] = buf
    return buf


@on_clear_session
def free_workspaces():
    """Drop every thread's scratch buffers (their memory goes back to the allocator)."""
    with _workspaces_lock:
        _workspaces.clear()


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


_FILLED = {}
_FILLED_MAX = 1 << 22  # values of the largest cached constant array (16 MB in float32)


def filled(value, like):
    """A read-only array of ``like``'s shape and dtype holding ``value`` everywhere (a view of a
    cached one), or the scalar where ``like`` is larger than ``_FILLED_MAX`` values: NumPy's
    ``maximum`` of a contiguous array against another array runs twice as fast as against a
    scalar (0.015 against 0.030 ms for 131,072 float32 values), so a ReLU's ``max(x, 0)`` takes
    its zeros from here.

    >>> x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    >>> np.maximum(x, filled(0, x)).tolist()
    [[0.0, 2.0], [3.0, 0.0]]
    """
    size = like.size
    if size > _FILLED_MAX:
        return like.dtype.type(value)
    key = (float(value), like.dtype.str)
    cached = _FILLED.get(key)
    if cached is None or cached.size < size:
        cached = np.full(max(size, 1 << 16), value, dtype=like.dtype)
        cached.flags.writeable = False
        _FILLED[key] = cached
    return cached[:size].reshape(like.shape)


_ROW = 1024  # target length of a tiled row, in elements
_BLOCK = 1 << 17  # elements per block of a chunked pass: a few blocks fit in a core's L2


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
