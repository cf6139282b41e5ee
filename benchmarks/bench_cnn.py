"""CNN training and inference step times, Axon against PyTorch in one run.

Workload (REFERENCE.md): 28x28x1 inputs, Conv 32 3x3 same ReLU, MaxPool 2,
Conv 64 3x3 same ReLU, MaxPool 2, Flatten, Dense 128 ReLU, Dense 10; float32,
softmax cross-entropy on logits.  Training: batch 128, Adam (lr 1e-3).
Inference: batch 1000, no graph.  ``--threads`` each (default 2).

Axon and PyTorch alternate in ``--rounds`` rounds of ``--steps`` timed steps, in the same
process on the same data; printed are the median, 10th and 90th percentile step times of all
rounds, samples/s at the median, the spread p90/median, and PyTorch's median over Axon's (the
throughput ratio; above 1, Axon is faster), with the range of the per-round ratios.
Run: ``python benchmarks/bench_cnn.py [--threads 2] [--rounds 5] [--steps 20]``.

On a machine shared with other jobs, wall-clock figures swing several-fold; ``--cpu`` times
each step by the process's CPU time instead, and with ``--threads 1`` that approximates the
speed on one idle core.  ``--profile`` prints Axon's per-op table and the page faults a step.
"""
import argparse
import gc
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import set_threads, step_times, torch_or_none, report_steps  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--infer-batch", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (Axon, then PyTorch)")
    ap.add_argument("--steps", type=int, default=20, help="timed training steps per framework per round")
    ap.add_argument("--cpu", action="store_true", help="time by process CPU time, not wall-clock time")
    ap.add_argument("--profile", action="store_true", help="print Axon's per-op profile and page faults, and stop")
    args = ap.parse_args()
    set_threads(args.threads)
    os.environ["AXON_NUM_THREADS"] = str(args.threads)
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

    if args.profile:
        for _ in range(3):
            axon_step()
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        with axon.profile():
            start = time.perf_counter()
            for _ in range(args.steps):
                axon_step()
            took = time.perf_counter() - start
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
        print(f"{args.steps} steps: {took / args.steps * 1e3:.1f} ms a step (with the profiler's hooks), "
              f"{faults / args.steps:,.0f} page faults a step; allocator tuned: {axon.backend.allocator_tuned()}")
        return

    torch = torch_or_none(args.threads)
    torch_step = torch_infer = None
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

    clock = time.process_time if args.cpu else time.perf_counter
    steps = {"train": ([], []), "infer": ([], [])}
    ratios = []
    print(f"CNN, {args.threads} thread(s), {args.rounds} rounds of {args.steps} training steps each, "
          f"{'CPU' if args.cpu else 'wall-clock'} time", flush=True)
    for r in range(args.rounds):
        for kind, ours, theirs, count in (("train", axon_step, torch_step, args.steps),
                                          ("infer", axon_infer, torch_infer, max(2, args.steps // 5))):
            gc.collect()
            a = step_times(ours, count, 1 if r else 3, clock)
            steps[kind][0].extend(a)
            if theirs is not None:
                gc.collect()
                t = step_times(theirs, count, 1 if r else 3, clock)
                steps[kind][1].extend(t)
                if kind == "train":
                    ratios.append(statistics.median(t) / statistics.median(a))
                    print(f"round {r + 1}: train step Axon {statistics.median(a) * 1e3:.1f} ms, PyTorch "
                          f"{statistics.median(t) * 1e3:.1f} ms, ratio {ratios[-1]:.2f}x", flush=True)
    clock_name = "CPU time" if args.cpu else "wall clock"
    report_steps(f"CNN Conv32-Pool-Conv64-Pool-Dense128-Dense10 on 28x28x1, {args.threads} threads, {clock_name}",
                 [(f"train (batch {bs}, Adam)", *steps["train"])], bs)
    report_steps("CNN inference, no graph", [(f"inference (batch {ib})", *steps["infer"])], ib)
    if ratios:
        print(f"\nper-round training ratios: min {min(ratios):.2f}x, median {statistics.median(ratios):.2f}x, "
              f"max {max(ratios):.2f}x")


if __name__ == "__main__":
    main()
