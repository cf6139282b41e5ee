"""The VAE on Fashion-MNIST, Axon against PyTorch in one run: training throughput, then the test
loss of both after the same training.

Model: pytorch/examples' VAE (784-400-20, ReLU, sigmoid output; ``axon.zoo.generative.dense_vae``),
loss the binary cross-entropy summed over the pixels plus the KL term, in nats per image; Adam
(lr 1e-3), batch 128, float32, Fashion-MNIST scaled to [0, 1] (60,000 training and 10,000 test
images).  Both networks start from the same weights (Axon's initialisation, copied into PyTorch)
and see the same batches in the same order; each draws its own noise for the reparameterisation.

1. Throughput: training samples per second of one step (forward, backward, Adam), measured in
   interleaved rounds with the same thread settings; best and median of the rounds, and the ratio.
2. Quality (``--epochs N``, 0 skips it): both trained N epochs; the test loss (nats per image, as
   pytorch/examples' ``test()``: z drawn, not the mean) after each epoch, and the gap; the seconds
   each epoch's training took, and the throughput of the whole training (steady state included).

Run: ``python benchmarks/bench_vae.py [--epochs 10] [--threads 1] [--rounds 5] [--seconds 3]``.
"""
import argparse
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import set_threads, throughput, torch_or_none  # noqa: E402


def torch_vae(torch, vae):
    """pytorch/examples' VAE holding the weights of the Axon ``vae`` (built by dense_vae)."""
    from axon.layers import Dense

    class VAE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc21, self.fc22 = torch.nn.Linear(784, 400), torch.nn.Linear(400, 20), torch.nn.Linear(400, 20)
            self.fc3, self.fc4 = torch.nn.Linear(20, 400), torch.nn.Linear(400, 784)

        def forward(self, x):
            h1 = torch.relu(self.fc1(x.view(-1, 784)))
            mu, logvar = self.fc21(h1), self.fc22(h1)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            return torch.sigmoid(self.fc4(torch.relu(self.fc3(z)))), mu, logvar

    net = VAE()
    ours = [l for l in vae.encoder.layers if isinstance(l, Dense)] + [l for l in vae.decoder.layers
                                                                       if isinstance(l, Dense)]
    with torch.no_grad():
        for fc, layer in zip([net.fc1, net.fc21, net.fc22, net.fc3, net.fc4], ours):
            fc.weight.copy_(torch.from_numpy(layer.kernel.data.T.copy()))
            fc.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
    return net


def torch_loss(torch, recon, mu, logvar, x):
    """pytorch/examples' loss_function (summed over the batch)."""
    bce = torch.nn.functional.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=10, help="epochs of the quality comparison (0: skip it)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved throughput rounds")
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per throughput measurement")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    set_threads(args.threads)
    import axon  # before NumPy: axon sets OpenBLAS's thread timeout, read when NumPy loads it
    import numpy as np
    from axon.zoo.generative import dense_vae

    torch = torch_or_none(args.threads)
    (x_train, _), (x_test, _) = axon.datasets.fashion_mnist.load_data(download=False)
    x_train = (x_train.astype(np.float32) / 255.0).reshape(-1, 28, 28, 1)
    x_test = (x_test.astype(np.float32) / 255.0).reshape(-1, 28, 28, 1)
    bs = args.batch

    def new_pair():
        axon.manual_seed(args.seed)
        vae = dense_vae(seed=args.seed)
        vae.compile(axon.optimizers.Adam(learning_rate=1e-3))
        if torch is None:
            return vae, None, None
        torch.manual_seed(args.seed)
        net = torch_vae(torch, vae)
        return vae, net, torch.optim.Adam(net.parameters(), lr=1e-3)

    def torch_step(net, opt, xb):
        opt.zero_grad()
        loss = torch_loss(torch, *net(xb), xb) / len(xb)
        loss.backward()
        opt.step()
        return loss

    # ----- 1. throughput
    vae, net, opt = new_pair()
    state = {"i": 0}
    steps = len(x_train) // bs
    tx_train = torch.from_numpy(x_train) if torch is not None else None

    def axon_step():
        i = state["i"] = (state["i"] + 1) % steps
        vae.train_on_batch(x_train[i * bs:(i + 1) * bs])

    def pytorch_step():
        i = state["i"] = (state["i"] + 1) % steps
        torch_step(net, opt, tx_train[i * bs:(i + 1) * bs])

    print(f"VAE 784-400-20 training, batch {bs}, Adam 1e-3, float32, {args.threads} thread(s), "
          f"{args.rounds} interleaved rounds of {args.seconds:g} s")
    ours, theirs = [], []
    for r in range(args.rounds):
        gc.collect()
        ours.append(throughput(axon_step, bs, args.seconds))
        if torch is not None:
            gc.collect()
            theirs.append(throughput(pytorch_step, bs, args.seconds))
        print(f"  round {r + 1}: Axon {ours[-1]:,.0f} samples/s" +
              (f", PyTorch {theirs[-1]:,.0f} samples/s, ratio {ours[-1] / theirs[-1]:.2f}x" if theirs else ""))
    best, median = max(ours), float(np.median(ours))
    print(f"{'':<10}{'best samples/s':>16}{'median samples/s':>18}")
    print(f"{'Axon':<10}{best:>16,.0f}{median:>18,.0f}")
    if theirs:
        print(f"{'PyTorch':<10}{max(theirs):>16,.0f}{float(np.median(theirs)):>18,.0f}")
        ratios = np.array(ours) / np.array(theirs)
        print(f"Axon/PyTorch: best against best {best / max(theirs):.2f}x, median of the rounds' ratios "
              f"{float(np.median(ratios)):.2f}x, per round {' '.join(f'{r:.2f}' for r in ratios)}")

    # ----- 2. quality: the same training in both, test loss after each epoch
    if args.epochs <= 0:
        return
    vae, net, opt = new_pair()
    order = np.random.default_rng(args.seed)
    tx_test = torch.from_numpy(x_test) if torch is not None else None
    print(f"\nTest loss (nats per image) after each epoch, {len(x_train):,} training / {len(x_test):,} test images")
    print(f"{'epoch':<7}{'Axon':>10}{'PyTorch':>10}{'gap':>9}{'Axon s':>9}{'PyTorch s':>11}")
    seconds = {"Axon": 0.0, "PyTorch": 0.0}
    for epoch in range(1, args.epochs + 1):
        perm = order.permutation(len(x_train))
        batches = [perm[i:i + bs] for i in range(0, len(perm), bs)]
        gc.collect()
        start = time.perf_counter()
        for idx in batches:
            vae.train_on_batch(x_train[idx])
        axon_s = time.perf_counter() - start
        ours = vae.evaluate(x_test, batch_size=1000, return_dict=True)["loss"]
        theirs = torch_s = None
        if torch is not None:
            net.train()
            gc.collect()
            start = time.perf_counter()
            for idx in batches:
                torch_step(net, opt, tx_train[torch.from_numpy(idx)])
            torch_s = time.perf_counter() - start
            net.eval()
            with torch.no_grad():
                theirs = sum(torch_loss(torch, *net(tx_test[i:i + 1000]), tx_test[i:i + 1000]).item()
                             for i in range(0, len(x_test), 1000)) / len(x_test)
        seconds["Axon"] += axon_s
        line = f"{epoch:<7}{ours:>10.2f}"
        if theirs is not None:
            seconds["PyTorch"] += torch_s
            line += f"{theirs:>10.2f}{100 * (ours - theirs) / theirs:>+8.2f}%{axon_s:>9.1f}{torch_s:>11.1f}"
        print(line, flush=True)
    n = args.epochs * len(x_train)
    line = f"Training over {args.epochs} epochs: Axon {seconds['Axon']:.0f} s ({n / seconds['Axon']:,.0f} samples/s)"
    if torch is not None:
        line += (f", PyTorch {seconds['PyTorch']:.0f} s ({n / seconds['PyTorch']:,.0f} samples/s), "
                 f"Axon/PyTorch {seconds['PyTorch'] / seconds['Axon']:.2f}x")
    print(line)


if __name__ == "__main__":
    main()
