"""Kohonen SOM, Axon against MiniSom in one run: the same data, start, order and settings.

Workload: a 10x10 map on the first 10,000 Fashion-MNIST training images (pixels / 255, 784
features), sigma 1.5, learning rate 0.5, Gaussian neighbourhood, MiniSom's asymptotic decay of
both; the start is Axon's PCA initialisation, copied into MiniSom.

- online: ``epochs * 10,000`` single-sample updates.  MiniSom's ``train_random(x, T)`` draws its
  order of samples from its generator; Axon is fed the same sequence (``fit(x[order],
  shuffle=False)``), so the two run the same algorithm on the same samples in the same order.
- batch: Kohonen's batch map, ``epochs`` updates from all samples: MiniSom's
  ``train_batch_offline``, Axon's ``mode="batch"`` (one batch of the whole set per epoch).

The libraries run interleaved in ``--rounds`` rounds; the best wall-clock round of each and the
CPU seconds of that round (process time, which other processes on a shared machine barely move)
are printed with the quantisation and topographic errors and the ratios (MiniSom / Axon: above 1,
Axon is faster).  Run: ``python benchmarks/bench_som.py`` (``--quick`` for 2,000 images).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import set_threads  # noqa: E402


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--grid", type=int, default=10)
    parser.add_argument("--online-epochs", type=int, default=2)
    parser.add_argument("--batch-epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="2,000 images, one round")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.rounds = 2000, 1
    set_threads(args.threads)
    import numpy as np
    import axon
    from axon.zoo.classic.som import SelfOrganizingMap
    try:
        from minisom import MiniSom
    except ImportError:
        MiniSom = None
        print("MiniSom is not installed (pip install minisom, or axon[compare]): Axon alone")
    (images, _), _ = axon.datasets.fashion_mnist.load_data(download=False)
    x = images[:args.samples].reshape(args.samples, -1).astype(np.float32) / 255.0
    rows = cols = args.grid
    settings = dict(sigma=1.5, learning_rate=0.5)
    print(f"SOM {rows}x{cols} on {len(x)} Fashion-MNIST images, sigma {settings['sigma']}, learning rate "
          f"{settings['learning_rate']}, Gaussian, asymptotic decay; {args.threads} thread(s), {args.rounds} rounds")
    start = SelfOrganizingMap(grid=(rows, cols), seed=0, **settings).initialize(x).get_codebook()
    iterations = args.online_epochs * len(x)
    order = np.arange(iterations) % len(x)
    np.random.RandomState(0).shuffle(order)  # train_random's order with random_seed=0
    ordered = x[order]

    def ours(mode):
        som = SelfOrganizingMap(grid=(rows, cols), mode=mode, seed=0, **settings)
        som.initialize(x)
        som.codebook.data[...] = start.reshape(rows * cols, -1)
        if mode == "online":
            return som, lambda: som.fit(ordered, epochs=1, shuffle=False, verbose=0)
        return som, lambda: som.fit(x, epochs=args.batch_epochs, verbose=0)

    def theirs(mode):
        som = MiniSom(rows, cols, x.shape[1], random_seed=0, **settings)
        som._weights = start.astype(np.float64).copy()
        som._random_generator = np.random.RandomState(0)
        if mode == "online":
            return som, lambda: som.train_random(x, iterations)
        return som, lambda: som.train_batch_offline(x, args.batch_epochs)

    rows_out = []
    for mode in ("online", "batch"):
        best = {}
        for r in range(args.rounds):
            runners = [("Axon", ours)] + ([("MiniSom", theirs)] if MiniSom else [])
            for name, make in (runners if r % 2 == 0 else runners[::-1]):
                som, run = make(mode)
                wall, cpu = timed(run)
                if name not in best or wall < best[name][0]:
                    best[name] = (wall, cpu, som.quantization_error(x), som.topographic_error(x))
        updates = f"{iterations} updates" if mode == "online" else f"{args.batch_epochs} epochs"
        rows_out.append((f"{mode} ({updates})", best))
    print(f"\n{'workload':<26}{'library':<9}{'QE':>8}{'TE':>8}{'wall s':>9}{'CPU s':>8}")
    for workload, best in rows_out:
        for name, (wall, cpu, qe, te) in best.items():
            print(f"{workload:<26}{name:<9}{qe:>8.4f}{te:>8.4f}{wall:>9.2f}{cpu:>8.2f}")
        if "MiniSom" in best:
            a, m = best["Axon"], best["MiniSom"]
            print(f"{'':<26}{'ratio':<9}{'QE ' + compare(a[2], m[2]):>8}{'TE ' + compare(a[3], m[3]):>8}"
                  f"{m[0] / a[0]:>8.2f}x{m[1] / a[1]:>7.2f}x")
    print("\nQE/TE '=': equal to 1e-4 relative (Axon's float32 prototypes against MiniSom's float64 ones: a "
          "near-tie\nwinner may fall the other way); '<' better, '>' worse; ratios: MiniSom seconds / Axon seconds")


def compare(ours, theirs):
    """'=' when the two errors agree to 1e-4 relative, else '<' (ours lower, better) or '>'."""
    if abs(ours - theirs) <= 1e-4 * max(abs(theirs), 1e-12):
        return "="
    return "<" if ours < theirs else ">"


if __name__ == "__main__":
    main()
