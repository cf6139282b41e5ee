"""Recurrent training throughput, Axon against PyTorch in one run.

Workload (the reference LSTM): sequences of 28 steps of 28 features (an MNIST
image read row by row), one recurrent layer of 128 units, its last state to
Dense 10, batch 128, Adam (lr 1e-3), float32, softmax cross-entropy on logits,
2 threads each; the same with a GRU of the same size.
Run: ``python benchmarks/bench_rnn.py`` (``--cell lstm`` or ``gru`` for one).

On a shared machine wall-clock figures swing with the load, so besides the
plain throughput (``common.throughput``) the two frameworks also run
interleaved in short rounds (``--rounds``) and the best round of each is
reported: the figure least disturbed by other processes; and samples per
second of CPU time used (process time, all threads), which the load barely
moves (with one thread it is the work each framework does; with more it also
counts threads that spin while waiting).

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
from common import set_threads, throughput, torch_or_none, report  # noqa: E402


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


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--cell", choices=["lstm", "gru", "both"], default="both")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds of --steps steps each")
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    set_threads(args.threads)
    import axon  # before NumPy: axon sets OpenBLAS's thread timeout, read when NumPy loads it
    import numpy as np
    from axon.layers import Dense, LSTM, GRU

    T, D, H, bs = 28, 28, 128, args.batch
    rng = np.random.default_rng(0)
    n = bs * 16
    x = rng.random((n, T, D), dtype=np.float32)
    y = rng.integers(0, 10, n)
    torch = torch_or_none(args.threads)
    cells = ["lstm", "gru"] if args.cell == "both" else [args.cell]
    rows, best_rows, cpu_rows = [], [], []
    for cell in cells:
        state = {"i": 0}
        axon.manual_seed(0)
        layer = LSTM(H) if cell == "lstm" else GRU(H)
        model = axon.Sequential([layer, Dense(10)])
        model.compile(optimizer=axon.optimizers.Adam(learning_rate=1e-3),
                      loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True))

        def axon_step():
            i = state["i"] = (state["i"] + 1) % 16
            model.train_on_batch(x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs])

        ours = throughput(axon_step, bs, args.seconds)
        theirs = None
        if torch is not None:
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)

            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    rnn = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
                    self.rnn = rnn(D, H, batch_first=True)
                    self.fc = torch.nn.Linear(H, 10)

                def forward(self, inp):
                    out, _ = self.rnn(inp)
                    return self.fc(out[:, -1])

            net = Net()
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
            loss_fn = torch.nn.CrossEntropyLoss()

            def torch_step():
                i = state["i"] = (state["i"] + 1) % 16
                opt.zero_grad()
                loss_fn(net(tx[i * bs:(i + 1) * bs]), ty[i * bs:(i + 1) * bs]).backward()
                opt.step()

            theirs = throughput(torch_step, bs, args.seconds)
        rows.append((f"{cell.upper()} {T}x{D} -> {H} train", ours, theirs))
        steps = [axon_step] + ([torch_step] if torch is not None else [])
        best, best_cpu = [0.0] * len(steps), [0.0] * len(steps)
        for _ in range(args.rounds):
            for k, step in enumerate(steps):
                start, cpu = time.perf_counter(), time.process_time()
                for _ in range(args.steps):
                    step()
                best[k] = max(best[k], args.steps * bs / (time.perf_counter() - start))
                best_cpu[k] = max(best_cpu[k], args.steps * bs / max(time.process_time() - cpu, 1e-9))
        other = (lambda v: v[1]) if torch is not None else (lambda v: None)
        best_rows.append((f"{cell.upper()} best round", best[0], other(best)))
        cpu_rows.append((f"{cell.upper()} per CPU second", best_cpu[0], other(best_cpu)))
    report(f"Recurrent training, batch {bs}, Adam, float32, {args.threads} threads, "
           f"OpenBLAS kernel {blas_core()}", rows)
    report(f"Best of {args.rounds} interleaved rounds of {args.steps} steps", best_rows)
    report("Samples per second of CPU time (best round)", cpu_rows)


if __name__ == "__main__":
    main()
