"""CNN training and inference throughput, Axon against PyTorch in one run.

Workload (REFERENCE.md): 28x28x1 inputs, Conv 32 3x3 same ReLU, MaxPool 2,
Conv 64 3x3 same ReLU, MaxPool 2, Flatten, Dense 128 ReLU, Dense 10; float32,
softmax cross-entropy on logits.  Training: batch 128, Adam (lr 1e-3).
Inference: batch 1000, no graph.  2 threads each.
Run: ``python benchmarks/bench_cnn.py`` (``--seconds`` for longer timings).

On a machine shared with other jobs, wall-clock figures swing several-fold;
``--cpu`` times each step by the process's CPU time instead (median step),
and with ``--threads 1`` that approximates the speed on one idle core.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import set_threads, throughput, torch_or_none, report  # noqa: E402


def cpu_throughput(step, batch, seconds=3.0, warmup=3):
    """Samples per CPU-second of ``step()``, from the median CPU time of the steps run in ``seconds``."""
    for _ in range(warmup):
        step()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t = time.process_time()
        step()
        times.append(time.process_time() - t)
    return batch / statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--infer-batch", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=1,
                    help="alternate Axon and PyTorch this many times and keep each one's best figure "
                         "(steadier on a shared machine)")
    ap.add_argument("--cpu", action="store_true", help="time by process CPU time, not wall-clock time")
    args = ap.parse_args()
    set_threads(args.threads)
    import axon  # before NumPy: axon sets OpenBLAS's thread timeout, read when NumPy loads it
    import numpy as np
    from axon.layers import Conv2D, MaxPooling2D, Flatten, Dense

    rng = np.random.default_rng(0)
    bs, ib, nb = args.batch, args.infer_batch, 16
    x = rng.random((bs * nb, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, bs * nb)
    xi = rng.random((ib, 28, 28, 1), dtype=np.float32)

    axon.manual_seed(0)
    model = axon.Sequential([Conv2D(32, 3, padding="same", activation="relu", input_shape=(28, 28, 1)),
                             MaxPooling2D(), Conv2D(64, 3, padding="same", activation="relu"), MaxPooling2D(),
                             Flatten(), Dense(128, activation="relu"), Dense(10)])
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=1e-3),
                  loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True))
    state = {"i": 0}

    def axon_step():
        i = state["i"] = (state["i"] + 1) % nb
        model.train_on_batch(x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs])

    def axon_infer():
        with axon.no_grad():
            model(xi, training=False)

    ours = [0.0, 0.0]
    theirs = [None, None]
    torch = torch_or_none(args.threads)
    if torch is not None:
        nn = torch.nn
        tx = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
        ty = torch.from_numpy(y)
        txi = torch.from_numpy(xi.transpose(0, 3, 1, 2).copy())
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()

        def torch_step():
            i = state["i"] = (state["i"] + 1) % nb
            opt.zero_grad()
            loss_fn(net(tx[i * bs:(i + 1) * bs]), ty[i * bs:(i + 1) * bs]).backward()
            opt.step()

        def torch_infer():
            with torch.no_grad():
                net(txi)

    timer = cpu_throughput if args.cpu else throughput
    for _ in range(args.rounds):
        ours[0] = max(ours[0], timer(axon_step, bs, args.seconds))
        ours[1] = max(ours[1], timer(axon_infer, ib, args.seconds, warmup=1))
        if torch is not None:
            theirs[0] = max(theirs[0] or 0.0, timer(torch_step, bs, args.seconds))
            theirs[1] = max(theirs[1] or 0.0, timer(torch_infer, ib, args.seconds, warmup=1))
    clock = "CPU time" if args.cpu else "wall clock"
    report(f"CNN Conv32-Pool-Conv64-Pool-Dense128-Dense10 on 28x28x1, {args.threads} threads, {clock}",
           [(f"CNN train (batch {bs}, Adam)", ours[0], theirs[0]),
            (f"CNN inference (batch {ib})", ours[1], theirs[1])])


if __name__ == "__main__":
    main()
