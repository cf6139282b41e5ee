"""Training keeps memory flat: after warm-up, 1,500 more steps of ``fit`` grow the resident set
by less than 3 MiB (a leak of one small array per step would exceed it).
``benchmarks/memory_flat.py`` runs the full 10,000 steps and prints the curve."""
import importlib.util
import mmap
import os

import numpy as np

_spec = importlib.util.spec_from_file_location(
    "memory_flat", os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks", "memory_flat.py"))
memory_flat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(memory_flat)


def test_rss_reading_sees_an_allocation():
    before = memory_flat.rss_mib()
    # 64 MiB of fresh pages from the system, touched (np.ones could reuse freed heap memory that
    # axon.backend.tune_allocator keeps resident, and add nothing to the resident set)
    block = mmap.mmap(-1, 64 * 2 ** 20)
    np.frombuffer(block, dtype=np.uint8)[::memory_flat._PAGE] = 1
    assert memory_flat.rss_mib() - before > 48
    block.close()


def test_two_thousand_training_steps_keep_memory_flat():
    curve = memory_flat.rss_curve(steps=2_000, every=250)
    assert [s for s, _ in curve] == list(range(250, 2_001, 250))
    warm = dict(curve)[500]
    growth = max(mib for _, mib in curve) - warm
    assert growth < 3.0, f"RSS grew by {growth:.2f} MiB after warm-up: {curve}"
