"""Memory stays flat over a long training run: 10,000 steps of a small model, the process's
resident set size sampled every 500 steps.

Workload: Dense 32 ReLU - Dropout - BatchNormalization - Dense 4 on 16 features, batch 4, Adam,
``fit`` with shuffling and a metric (every step through the whole training loop: batches,
callbacks, logs, the graph and its release).  A leak of even one small array per step shows as
a steady climb; a flat curve after the first samples (allocator warm-up) is the pass.
Run: ``python benchmarks/memory_flat.py`` (``--steps`` and ``--every`` to change the run).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import axon  # noqa: E402
from axon import layers  # noqa: E402
from axon.callbacks import Callback  # noqa: E402

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib():
    """The resident set size of this process now, in MiB (from ``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2 ** 20


class RSSSampler(Callback):
    """Records ``(step, RSS MiB)`` every ``every`` training steps."""

    def __init__(self, every):
        super().__init__()
        self.every, self.step, self.curve = every, 0, []

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step % self.every == 0:
            self.curve.append((self.step, rss_mib()))


def rss_curve(steps=10_000, every=500, batch_size=4):
    """Train the small model for ``steps`` steps; the list of ``(step, RSS MiB)`` samples."""
    axon.manual_seed(0)
    rs = np.random.default_rng(0)
    per_epoch = 500
    x = rs.normal(size=(per_epoch * batch_size, 16)).astype("float32")
    y = rs.integers(0, 4, size=len(x))
    model = axon.Sequential([layers.Input((16,)), layers.Dense(32, activation="relu"), layers.Dropout(0.2),
                             layers.BatchNormalization(), layers.Dense(4)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    sampler = RSSSampler(every)
    model.fit(x, y, batch_size=batch_size, epochs=-(-steps // per_epoch), shuffle=True, verbose=0,
              callbacks=[sampler])
    return sampler.curve


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=500)
    args = parser.parse_args()
    start = time.perf_counter()
    curve = rss_curve(args.steps, args.every)
    print(f"{args.steps} training steps in {time.perf_counter() - start:.1f} s")
    print("step     RSS MiB")
    for step, mib in curve:
        print(f"{step:>6}  {mib:8.2f}")
    first = curve[min(1, len(curve) - 1)][1]  # after the first sample: warm-up done
    print(f"growth after step {curve[min(1, len(curve) - 1)][0]}: {curve[-1][1] - first:+.2f} MiB")


if __name__ == "__main__":
    main()
