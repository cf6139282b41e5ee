"""MLP training throughput, Axon against PyTorch in one run.

Workload: 784-256-128-10 ReLU, batch 128, Adam (lr 1e-3), float32, softmax
cross-entropy on logits, 2 threads each.  Run: ``python benchmarks/bench_mlp.py``.
"""
import argparse
import sys
import os

sys.path.insert(0, os.path.dirname(__file__))
from common import set_threads, throughput, torch_or_none, report  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    set_threads(args.threads)
    import axon  # before NumPy: axon sets OpenBLAS's thread timeout, read when NumPy loads it
    import numpy as np
    from axon.layers import Dense

    rng = np.random.default_rng(0)
    n = args.batch * 64
    x = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    bs = args.batch

    axon.manual_seed(0)
    model = axon.Sequential([Dense(256, activation="relu", input_shape=(784,)),
                             Dense(128, activation="relu"), Dense(10)])
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=1e-3),
                  loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True))
    state = {"i": 0}

    def axon_step():
        i = state["i"] = (state["i"] + 1) % 64
        model.train_on_batch(x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs])

    ours = throughput(axon_step, bs, args.seconds)

    theirs = None
    torch = torch_or_none(args.threads)
    if torch is not None:
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                  torch.nn.ReLU(), torch.nn.Linear(128, 10))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()

        def torch_step():
            i = state["i"] = (state["i"] + 1) % 64
            opt.zero_grad()
            loss_fn(net(tx[i * bs:(i + 1) * bs]), ty[i * bs:(i + 1) * bs]).backward()
            opt.step()

        theirs = throughput(torch_step, bs, args.seconds)
    report(f"MLP 784-256-128-10 training, batch {bs}, Adam, {args.threads} threads", [("MLP train", ours, theirs)])


if __name__ == "__main__":
    main()
