"""Results do not depend on the number of Axon threads: the same training run with 1 and with 2
threads gives bitwise the same weights (DESIGN.md: every reduction sums in the same order).

The BLAS thread count is fixed at 1 in both runs (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``):
OpenBLAS's own products may split their sums by its thread count, which is not Axon's to fix.
Only ``AXON_NUM_THREADS`` (the element-wise passes of ops/parallel.py) varies.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

from axon.ops import parallel
from helpers import train_in_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# a small CNN with batch normalization whose activations (32 x 24 x 24 x 16) are large enough for
# the element-wise passes to be split over the threads (ops/parallel.py _PARALLEL_MIN)
TRAIN = """
import sys
import numpy as np
import pytest
import axon
from axon import layers
from axon.ops import parallel
assert parallel.num_threads() == int(sys.argv[2]), parallel.num_threads()
axon.manual_seed(0)
rs = np.random.default_rng(0)
x = rs.normal(size=(64, 24, 24, 3)).astype("float32") * 3 + 1
y = rs.integers(0, 4, size=64)
model = axon.Sequential([layers.Input((24, 24, 3)), layers.Conv2D(16, 3, padding="same"),
                         layers.BatchNormalization(), layers.ReLU(), layers.MaxPooling2D(2),
                         layers.Flatten(), layers.Dense(4)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x, y, batch_size=32, epochs=2, shuffle=True, verbose=0)
np.savez(sys.argv[1], *[w.data for _, w in model.named_weights()])
"""


def _train(tmp_path, threads):
    return train_in_process(TRAIN, tmp_path, threads)


def test_training_with_one_and_two_threads_gives_the_same_weights(tmp_path):
    one, two = _train(tmp_path, 1), _train(tmp_path, 2)
    assert len(one) == len(two) == 8  # conv 2, batch norm 4 (moving statistics included), dense 2
    for a, b in zip(one, two):
        assert np.array_equal(a, b)


def test_block_sums_do_not_depend_on_the_thread_count(monkeypatch):
    """The sum over blocks is the same, bitwise, for any number of threads (float32 sums whose
    rounding depends on the order they are added in)."""
    rs = np.random.default_rng(1)
    a = (rs.normal(size=(50_000, 8)) * 1e3).astype("float32")
    sums = {}
    for n in (1, 2, 3, 5):
        monkeypatch.setitem(parallel._threads, "n", n)
        sums[n] = parallel.in_blocks(lambda s, e: parallel.sum_rows(a[s:e]), *a.shape)
    for n in (2, 3, 5):
        assert np.array_equal(sums[1], sums[n]), n


def _rand32(rs, *shape):
    return (rs.normal(size=shape) * 3).astype("float32")


def test_chunked_convolutions_are_bitwise_the_same_on_one_and_three_threads(monkeypatch):
    """The chunks of every convolution pass (columns and a product each) run whole on each thread
    (``over_chunks``): what a chunk computes, and the order its kernel-gradient parts are added in,
    do not depend on the thread count.  float32, so any change of summation order would show."""
    import axon.ops as F
    import axon.ops.conv as C
    from axon import Tensor
    rs = np.random.default_rng(2)
    x, w, b = _rand32(rs, 7, 9, 8, 3), _rand32(rs, 3, 3, 3, 5), _rand32(rs, 5)
    w4 = _rand32(rs, 4, 4, 3, 5)
    xt, wt, bt = _rand32(rs, 7, 4, 5, 6), _rand32(rs, 4, 4, 3, 6), _rand32(rs, 3)

    def run():
        out = []
        for op, args in ((lambda x, w, b: F.conv2d(x, w, b, 1, "same", relu=True), (x, w, b)),
                         (lambda x, w, b: F.conv2d(x, w, b, 2, "same"), (x, w4, b)),
                         (lambda x, w, b: F.conv2d_transpose(x, w, b, 2, "same"), (xt, wt, bt))):
            ts = [Tensor(a, requires_grad=True) for a in args]
            y = op(*ts)
            (y * y).sum().backward()
            out += [y.data] + [t.grad for t in ts]
        return out

    monkeypatch.setattr(C, "_CHUNK_ELEMENTS", 700)  # a few images a chunk: several chunks a pass
    monkeypatch.setattr(parallel, "_PARALLEL_MIN", 0)
    monkeypatch.setitem(parallel._threads, "n", 1)
    serial = run()
    monkeypatch.setitem(parallel._threads, "n", 3)
    for a, b_ in zip(run(), serial):
        assert np.array_equal(a, b_)


def test_over_chunks_returns_results_in_chunk_order(monkeypatch):
    monkeypatch.setattr(parallel, "_PARALLEL_MIN", 0)
    monkeypatch.setitem(parallel._threads, "n", 3)
    bounds = [(0, 2), (2, 3), (3, 7), (7, 8), (8, 10)]
    assert parallel.over_chunks(lambda s, e: (s, e), bounds, 10) == bounds


def test_chunk_bounds_cover_the_batch_in_even_chunks():
    from axon.ops.conv import chunk_bounds, _CHUNK_ELEMENTS
    for n, per_image in ((128, 196 * 288), (128, 49 * 1024), (3, _CHUNK_ELEMENTS), (1, 10), (50, 1)):
        bounds = chunk_bounds(n, per_image)
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(e == s2 for (_, e), (s2, _) in zip(bounds, bounds[1:]))
        sizes = [e - s for s, e in bounds]
        assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1
        assert len(bounds) <= 2 or len(bounds) % 4 == 0 or len(bounds) == n


def test_one_blas_thread_sets_openblas_to_one_thread_and_restores_it():
    if parallel._find_openblas() is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS whose thread count can be set")
    get, put = parallel._find_openblas()
    before = get()
    put(2)
    try:
        with parallel.one_blas_thread() as alone:
            assert alone and get() == 1
            with parallel.one_blas_thread():  # nested: still one, and the outer count comes back
                assert get() == 1
            assert get() == 1
        assert get() == 2
    finally:
        put(before)


def test_workspaces_are_reused_bounded_and_freed_by_clear_session():
    import axon
    parallel.free_workspaces()
    a = parallel.workspace("t", (3, 4), "float32")
    assert parallel.workspace("t", (3, 4), "float32") is a
    assert parallel.workspace("t", (3, 5), "float32") is not a
    for k in range(parallel._WORKSPACES):  # more buffers than a thread keeps: the oldest go
        parallel.workspace("other", (k + 1,), "float32")
    assert parallel.workspace("t", (3, 4), "float32") is not a
    assert sum(len(c) for c in parallel._workspaces.values()) <= parallel._WORKSPACES
    axon.backend.clear_session()
    assert not parallel._workspaces


@pytest.mark.parametrize("env, expected", [({}, "True"), ({"AXON_TUNE_MALLOC": "0"}, "False"),
                                           ({"MALLOC_TRIM_THRESHOLD_": "1000000"}, "False")])
def test_allocator_is_tuned_on_glibc_unless_switched_off(env, expected):
    import platform
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt tuning is for glibc only")
    base = {k: v for k, v in os.environ.items()
            if k not in ("AXON_TUNE_MALLOC", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")}
    base["PYTHONPATH"] = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
    code = "import axon; print(axon.backend.allocator_tuned())"
    done = subprocess.run([sys.executable, "-c", code], env=dict(base, **env), capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == expected


OPTIMIZER_CONFIGS = [
    ("SGD", {}), ("SGD", dict(momentum=0.9)), ("SGD", dict(momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adagrad", {}), ("RMSprop", {}), ("RMSprop", dict(centered=True, momentum=0.5)),
    ("Adam", {}), ("Adam", dict(amsgrad=True, weight_decay=0.01)), ("AdamW", {}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZER_CONFIGS)
def test_optimizer_updates_split_over_threads_are_bitwise_the_serial_ones(monkeypatch, name, kwargs):
    """A parameter's update runs in slices over the threads (``optimizer.over_elements``): the
    same values, bitwise, as the whole update on one thread (float32; the parity tests check the
    serial one against PyTorch), for a contiguous and a transposed (non-contiguous) gradient."""
    import axon
    rs = np.random.default_rng(3)
    init = _rand32(rs, 40, 30)
    grads = [_rand32(rs, 40, 30) for _ in range(3)] + [_rand32(rs, 30, 40).T]

    def run(threads):
        monkeypatch.setitem(parallel._threads, "n", threads)
        p = axon.Tensor(init.copy(), requires_grad=True)
        opt = getattr(axon.optimizers, name)([p], 0.01, **kwargs)
        for g in grads:
            p.grad = g
            opt.step()
        return p.data

    monkeypatch.setattr(parallel, "_PARALLEL_MIN", 0)
    serial = run(1)
    assert not np.array_equal(serial, init)
    assert np.array_equal(run(3), serial)
