"""DCGAN training step, Axon against PyTorch in one run.

Workload: the generative zoo's DCGAN (``axon.zoo.generative.dcgan``, width 64) on 28x28x1 images,
batch 128, float32.  Generator z(100) -> Dense 7*7*128 -> BN -> ReLU -> Conv2DTranspose 64 (4x4,
stride 2, same) -> BN -> ReLU -> Conv2DTranspose 1 (4x4, stride 2, same) -> tanh; discriminator
Conv2D 64 (4x4, stride 2, same) -> LeakyReLU 0.2 -> Conv2D 128 (4x4, stride 2, same) -> BN ->
LeakyReLU 0.2 -> Flatten -> Dense 1 (a logit); Adam (2e-4, beta_1 0.5) for each network, binary
cross-entropy on logits, real targets smoothed to 0.9.

One training step (Axon: ``GAN.train_step``, what ``fit`` runs per batch): the generator makes a
batch from noise; the discriminator learns on the real batch and on the fake batch (no gradient
to the generator), each through batch norm on its own; then the generator learns with the
non-saturating loss, -log D(G(z)), through the updated discriminator, whose weight gradients are
skipped.  PyTorch runs the same models and the same step (discriminator weights set not to
require gradients during the generator's step), with the same threads and data, in interleaved
rounds.

Printed: samples/s (batch / median step), median, p10 and p90 step times of all rounds, and
PyTorch's median step over Axon's (the throughput ratio; above 1, Axon is faster), with the
spread of the per-round ratios.

    python benchmarks/bench_dcgan.py [--threads 2] [--rounds 5] [--steps 8] [--cpu]
    python benchmarks/bench_dcgan.py --profile   # Axon's per-op time table, no PyTorch
"""
import argparse
import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import report_steps, set_threads, torch_or_none  # noqa: E402

LATENT, WIDTH = 100, 64
NBATCH = 4  # distinct batches cycled through


def axon_trainer(axon, real):
    """A function running the zoo DCGAN's training step in Axon on batch ``i`` of ``real``."""
    from axon.zoo.generative.dcgan import dcgan
    gan = dcgan(image_shape=(28, 28, 1), latent_dim=LATENT, width=WIDTH, seed=0)
    gan.compile()

    def step(i):
        return gan.train_step(real[i])
    return step


def torch_trainer(torch, real, noise):
    """The same models and step in PyTorch (NCHW; Keras's 'same' for 4x4 kernels and stride 2 is
    PyTorch's padding 1, for the convolution and the transposed one alike)."""
    nn = torch.nn

    def bn(c, two_d=True):  # Keras momentum 0.9 is PyTorch's 0.1
        return (nn.BatchNorm2d if two_d else nn.BatchNorm1d)(c, eps=1e-5, momentum=0.1)
    torch.manual_seed(0)
    generator = nn.Sequential(
        nn.Linear(LATENT, 7 * 7 * 2 * WIDTH, bias=False), bn(7 * 7 * 2 * WIDTH, False), nn.ReLU(),
        nn.Unflatten(1, (2 * WIDTH, 7, 7)),
        nn.ConvTranspose2d(2 * WIDTH, WIDTH, 4, 2, 1, bias=False), bn(WIDTH), nn.ReLU(),
        nn.ConvTranspose2d(WIDTH, 1, 4, 2, 1), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Conv2d(1, WIDTH, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(WIDTH, 2 * WIDTH, 4, 2, 1, bias=False), bn(2 * WIDTH), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(7 * 7 * 2 * WIDTH, 1))
    for m in list(generator) + list(discriminator):  # DCGAN's N(0, 0.02) weights, BN scales N(1, 0.02)
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
    with torch.no_grad():
        assert generator(torch.zeros(2, LATENT)).shape == (2, 1, 28, 28)
    bce = nn.BCEWithLogitsLoss()
    d_params, g_params = list(discriminator.parameters()), list(generator.parameters())
    d_opt = torch.optim.Adam(d_params, lr=2e-4, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(g_params, lr=2e-4, betas=(0.5, 0.999))
    treal = [torch.from_numpy(r.transpose(0, 3, 1, 2).copy()) for r in real]
    tnoise = [torch.from_numpy(z) for z in noise]
    n = real.shape[1]
    smoothed, ones, zeros = torch.full((n, 1), 0.9), torch.ones(n, 1), torch.zeros(n, 1)

    def step(i):
        fake = generator(tnoise[i])
        d_opt.zero_grad()
        d_loss = bce(discriminator(treal[i]), smoothed) + bce(discriminator(fake.detach()), zeros)
        d_loss.backward()
        d_opt.step()
        g_opt.zero_grad()
        for p in d_params:  # the generator's step skips the discriminator's weight gradients
            p.requires_grad_(False)
        g_loss = bce(discriminator(fake), ones)
        for p in d_params:
            p.requires_grad_(True)
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
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
    ours = axon_trainer(axon, real)
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
        theirs = torch_trainer(torch, real, noise)
        for i in range(args.warmup):
            theirs(i)

    clock = time.process_time if args.cpu else time.perf_counter
    times = {"Axon": [], "PyTorch": []}
    ratios = []
    print(f"DCGAN step, batch {args.batch}, {args.threads} thread(s), "
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

    report_steps(f"DCGAN training step, batch {args.batch}, {args.threads} thread(s), "
                 f"{'CPU' if args.cpu else 'wall-clock'} time",
                 [(f"DCGAN step (batch {args.batch})", times["Axon"], times["PyTorch"] or None)], args.batch)
    if ratios:
        ratio = statistics.median(times["PyTorch"]) / statistics.median(times["Axon"])
        print(f"\nAxon/PyTorch throughput: {ratio:.2f}x (all steps' medians); per round "
              f"min {min(ratios):.2f}x, median {statistics.median(ratios):.2f}x, max {max(ratios):.2f}x")


if __name__ == "__main__":
    main()
