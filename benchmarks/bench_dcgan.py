"""DCGAN training step, Axon against PyTorch in one run.

Workload (the DCGAN of the generative zoo, on 28x28x1 images):
generator z(100) -> Dense 7*7*128 -> BN -> ReLU -> Conv2DTranspose 64 (k, stride 2, same) -> BN -> ReLU
-> Conv2DTranspose 1 (k, stride 2, same) -> tanh; discriminator Conv2D 64 (k, stride 2, same) ->
LeakyReLU 0.2 -> Conv2D 128 (k, stride 2, same) -> BN -> LeakyReLU 0.2 -> Flatten -> Dense 1 (a logit).
Adam (2e-4, beta_1 0.5) for each network, binary cross-entropy on logits, float32, batch 128.

One training step: the generator makes a batch from noise; the discriminator learns on the real
batch (label 1) and the fake batch (label 0, no gradient to the generator), each through batch norm
on its own; then the generator learns with the non-saturating loss, -log D(G(z)), through the
updated discriminator.  Axon steps as docs/training.md does (``axon.grad`` of each loss for the
network it updates), PyTorch as its own DCGAN example (pytorch/examples dcgan/main.py: ``backward()``
on each loss).  Both compute the same gradients: the generator's loss also yields the
discriminator's weight gradients, unused, in both.  Same threads, same data, interleaved rounds.

Printed: samples/s (batch / median step), median, p10 and p90 step times of all rounds, and
PyTorch's median step over Axon's (the throughput ratio; above 1, Axon is faster), with the
spread of the per-round ratios.

    python benchmarks/bench_dcgan.py [--threads 2] [--rounds 5] [--steps 8] [--kernel 5]
    python benchmarks/bench_dcgan.py --profile   # Axon's per-op time table, no PyTorch
"""
import argparse
import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import set_threads, torch_or_none  # noqa: E402

LATENT = 100


def axon_models(axon, kernel):
    from axon import layers as L
    generator = axon.Sequential([
        L.Dense(7 * 7 * 128, use_bias=False, input_shape=(LATENT,)), L.BatchNormalization(), L.ReLU(),
        L.Reshape((7, 7, 128)),
        L.Conv2DTranspose(64, kernel, strides=2, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.Conv2DTranspose(1, kernel, strides=2, padding="same", activation="tanh")], name="generator")
    discriminator = axon.Sequential([
        L.Conv2D(64, kernel, strides=2, padding="same", input_shape=(28, 28, 1)), L.LeakyReLU(0.2),
        L.Conv2D(128, kernel, strides=2, padding="same"), L.BatchNormalization(), L.LeakyReLU(0.2),
        L.Flatten(), L.Dense(1)], name="discriminator")
    return generator, discriminator


def axon_trainer(axon, kernel, real, noise):
    """A function running one DCGAN step in Axon on batch ``i`` of ``real`` and ``noise``."""
    generator, discriminator = axon_models(axon, kernel)
    bce = axon.losses.BinaryCrossentropy(from_logits=True)
    d_opt = axon.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
    g_opt = axon.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
    n = real.shape[1]
    ones, zeros = axon.ops.ones((n, 1)).numpy(), axon.ops.zeros((n, 1)).numpy()

    def step(i):
        fake = generator(noise[i], training=True)
        d_weights = discriminator.trainable_weights
        # discriminator: log D(x) + log(1 - D(G(z))), real and fake batches normalized apart
        d_loss = (bce(ones, discriminator(real[i], training=True))
                  + bce(zeros, discriminator(fake.detach(), training=True)))
        d_opt.apply(axon.grad(d_loss, d_weights), d_weights)
        # generator, non-saturating: maximize log D(G(z))
        g_weights = generator.trainable_weights
        g_loss = bce(ones, discriminator(fake, training=True))
        g_opt.apply(axon.grad(g_loss, g_weights), g_weights)
        return float(d_loss.numpy()), float(g_loss.numpy())
    return step


def torch_trainer(torch, kernel, real, noise):
    """The same step in PyTorch (NCHW; 'same' padding as explicit padding and output_padding)."""
    nn = torch.nn
    pad = (kernel - 1) // 2  # stride-2 convolution, 'same': ceil(n / 2) outputs
    tpad = (kernel - 1) // 2  # stride-2 transposed convolution, 'same': 2n outputs ...
    out_pad = 2 * tpad + 2 - kernel  # ... (n - 1) * 2 - 2 * tpad + kernel + out_pad = 2n
    torch.manual_seed(0)
    generator = nn.Sequential(
        nn.Linear(LATENT, 7 * 7 * 128, bias=False), nn.BatchNorm1d(7 * 7 * 128, eps=1e-3, momentum=0.01),
        nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, kernel, 2, tpad, out_pad, bias=False), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
        nn.ReLU(), nn.ConvTranspose2d(64, 1, kernel, 2, tpad, out_pad), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Conv2d(1, 64, kernel, 2, pad), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, kernel, 2, pad), nn.BatchNorm2d(128, eps=1e-3, momentum=0.01), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    with torch.no_grad():
        assert generator(torch.zeros(2, LATENT)).shape == (2, 1, 28, 28)
    bce = nn.BCEWithLogitsLoss()
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    treal = [torch.from_numpy(r.transpose(0, 3, 1, 2).copy()) for r in real]
    tnoise = [torch.from_numpy(z) for z in noise]
    n = real.shape[1]
    ones, zeros = torch.ones(n, 1), torch.zeros(n, 1)

    def step(i):  # as pytorch/examples dcgan/main.py
        fake = generator(tnoise[i])
        d_opt.zero_grad()
        d_loss = bce(discriminator(treal[i]), ones) + bce(discriminator(fake.detach()), zeros)
        d_loss.backward()
        d_opt.step()
        g_opt.zero_grad()
        g_loss = bce(discriminator(fake), ones)
        g_loss.backward()
        g_opt.step()
        return d_loss.item(), g_loss.item()
    return step


def time_steps(step, count, start, clock=time.perf_counter):
    """Seconds of each of ``count`` steps, on batches start, start + 1, ... (cycling)."""
    times = []
    for k in range(count):
        t = clock()
        step((start + k) % NBATCH)
        times.append(clock() - t)
    return times


NBATCH = 4


def quantile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] if len(values) > 1 else values[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--kernel", type=int, default=5, help="kernel size of every (transposed) convolution")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (Axon, then PyTorch)")
    ap.add_argument("--steps", type=int, default=8, help="timed steps per framework per round")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--cpu", action="store_true",
                    help="time steps by the process's CPU time (steadier on a busy machine; with --threads 1 "
                         "about the time on one idle core)")
    ap.add_argument("--profile", action="store_true", help="print Axon's per-op profile of --steps steps and stop")
    args = ap.parse_args()
    set_threads(args.threads)
    os.environ["AXON_NUM_THREADS"] = str(args.threads)
    import axon  # before NumPy: axon sets OpenBLAS's thread timeout, read when NumPy loads it
    import numpy as np

    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (NBATCH, args.batch, 28, 28, 1)).astype(np.float32)
    noise = rng.standard_normal((NBATCH, args.batch, LATENT)).astype(np.float32)
    axon.manual_seed(0)
    ours = axon_trainer(axon, args.kernel, real, noise)
    for i in range(args.warmup):
        ours(i)
    if args.profile:
        with axon.profile():
            start = time.perf_counter()
            for i in range(args.steps):
                ours(i % NBATCH)
            took = time.perf_counter() - start
        print(f"{args.steps} steps: {took / args.steps * 1e3:.1f} ms a step (with the profiler's hooks)")
        return
    torch = torch_or_none(args.threads)
    theirs = None
    if torch is not None:
        theirs = torch_trainer(torch, args.kernel, real, noise)
        for i in range(args.warmup):
            theirs(i)

    clock = time.process_time if args.cpu else time.perf_counter
    times = {"Axon": [], "PyTorch": []}
    ratios = []
    print(f"DCGAN step, batch {args.batch}, kernel {args.kernel}, {args.threads} thread(s), "
          f"{args.rounds} rounds of {args.steps} steps each, {'CPU' if args.cpu else 'wall-clock'} time", flush=True)
    for r in range(args.rounds):
        gc.collect()
        a = time_steps(ours, args.steps, r * args.steps, clock)
        times["Axon"] += a
        line = f"round {r + 1}: Axon {statistics.median(a) * 1e3:.0f} ms"
        if theirs is not None:
            gc.collect()
            t = time_steps(theirs, args.steps, r * args.steps, clock)
            times["PyTorch"] += t
            ratios.append(statistics.median(t) / statistics.median(a))
            line += f", PyTorch {statistics.median(t) * 1e3:.0f} ms, ratio {ratios[-1]:.2f}x"
        print(line, flush=True)

    print(f"\n{'framework':<10}{'samples/s':>11}{'median ms':>11}{'p10 ms':>9}{'p90 ms':>9}")
    for name, ts in times.items():
        if ts:
            med = statistics.median(ts)
            print(f"{name:<10}{args.batch / med:>11,.0f}{med * 1e3:>11.1f}{quantile(ts, 0.1) * 1e3:>9.1f}"
                  f"{quantile(ts, 0.9) * 1e3:>9.1f}")
    if ratios:
        ratio = statistics.median(times["PyTorch"]) / statistics.median(times["Axon"])
        print(f"\nAxon/PyTorch throughput: {ratio:.2f}x (all steps' medians); per round "
              f"min {min(ratios):.2f}x, median {statistics.median(ratios):.2f}x, max {max(ratios):.2f}x")


if __name__ == "__main__":
    main()
