"""Recurrent training step times, Axon against PyTorch in one run.

Workload (the reference LSTM): sequences of 28 steps of 28 features (an MNIST
image read row by row), one recurrent layer of 128 units, its last state to
Dense 10, batch 128, Adam (lr 1e-3), float32, softmax cross-entropy on logits,
``--threads`` threads each (default 2); the same with a GRU of the same size.
Run: ``python benchmarks/bench_rnn.py`` (``--cell lstm`` or ``gru`` for one).

The two frameworks run interleaved in short rounds (``--rounds`` rounds of
``--steps`` timed steps each, after a warm-up), so that a change in the
machine's load hits both alike; the table gives the median, 10th and 90th
percentile of the step times of each (``common.report_steps``), samples per
second at the median, and the ratio of the medians.  A last table gives the
process (CPU) time per step, all threads counted, which the load barely moves.

The header names the OpenBLAS kernel set in use (``OPENBLAS_CORETYPE``): its
AVX-512 "SkylakeX" kernels multiply about 1.7x faster than the AVX2 "Haswell"
ones on an AVX-512 CPU, while PyTorch's oneDNN/MKL use AVX-512 either way, so
the ratios depend on it.
"""
import time
import argparse
import sys
import os

sys.path.insert(0, os.path.dirname(__file__))
from common import set_threads, torch_or_none, step_times, report_steps, percentiles  # noqa: E402


def blas_core():
    """The name of the kernel set OpenBLAS chose, or '?' when it cannot be asked."""
    import ctypes
    import glob
    import numpy as np
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*"))
    for lib in libs:
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            fn = getattr(ctypes.CDLL(lib), name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return "?"


def axon_step(cell, x, y, bs):
    """One Axon training step on the next batch of (x, y), as a function."""
    import axon
    from axon.layers import Dense, LSTM, GRU
    axon.manual_seed(0)
    model = axon.Sequential([LSTM(128) if cell == "lstm" else GRU(128), Dense(10)])
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=1e-3),
                  loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True))
    state = {"i": 0}
    n = len(x) // bs

    def step():
        i = state["i"] = (state["i"] + 1) % n
        model.train_on_batch(x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs])
    return step


def torch_step(torch, cell, x, y, bs):
    """The same training step in PyTorch."""
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            rnn = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
            self.rnn = rnn(x.shape[-1], 128, batch_first=True)
            self.fc = torch.nn.Linear(128, 10)

        def forward(self, inp):
            out, _ = self.rnn(inp)
            return self.fc(out[:, -1])

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    state = {"i": 0}
    n = len(x) // bs

    def step():
        i = state["i"] = (state["i"] + 1) % n
        opt.zero_grad()
        loss_fn(net(tx[i * bs:(i + 1) * bs]), ty[i * bs:(i + 1) * bs]).backward()
        opt.step()
    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--cell", choices=["lstm", "gru", "both"], default="both")
    ap.add_argument("--rounds", type=int, default=10, help="interleaved rounds of --steps timed steps each")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    set_threads(args.threads)
    import axon  # noqa: F401  (before NumPy: axon sets OpenBLAS's thread timeout, read when NumPy loads it)
    import numpy as np

    T, D, bs = 28, 28, args.batch
    rng = np.random.default_rng(0)
    n = bs * 16
    x = rng.random((n, T, D), dtype=np.float32)
    y = rng.integers(0, 10, n)
    torch = torch_or_none(args.threads)
    cells = ["lstm", "gru"] if args.cell == "both" else [args.cell]
    rows, cpu_rows = [], []
    for cell in cells:
        steps = [axon_step(cell, x, y, bs)] + ([torch_step(torch, cell, x, y, bs)] if torch else [])
        wall, cpu = [[] for _ in steps], [[] for _ in steps]
        for step in steps:
            step_times(step, 0, args.warmup)
        for _ in range(args.rounds):
            for k, step in enumerate(steps):
                wall[k] += step_times(step, args.steps, warmup=0)
                cpu[k] += step_times(step, 1, warmup=0, clock=time.process_time)
        name = f"{cell.upper()} {T}x{D} -> 128 train"
        rows.append((name, wall[0], wall[1] if torch else None))
        cpu_rows.append((name, cpu[0], cpu[1] if torch else None))
    report_steps(f"Recurrent training step times, batch {bs}, Adam, float32, {args.threads} threads, "
                 f"OpenBLAS kernel {blas_core()}; {args.rounds} interleaved rounds of {args.steps} steps", rows, bs)
    print("\nCPU time per step (all threads), median ms")
    for name, ours, theirs in cpu_rows:
        other = f"{percentiles(theirs)[0]:.2f}" if theirs else "-"
        print(f"{name:<28}Axon {percentiles(ours)[0]:>8.2f}   PyTorch {other:>8}")


if __name__ == "__main__":
    main()
