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

from axon.ops import parallel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# a small CNN with batch normalization whose activations (32 x 24 x 24 x 16) are large enough for
# the element-wise passes to be split over the threads (ops/parallel.py _PARALLEL_MIN)
TRAIN = """
import sys
import numpy as np
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
    out = str(tmp_path / f"w{threads}.npz")
    env = dict(os.environ, AXON_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", TRAIN, out, str(threads)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


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
