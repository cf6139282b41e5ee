"""Inference throughput of the reference CNN three ways: Axon's ``predict``, onnxruntime running
Axon's ONNX export (``predict(x, engine="onnxruntime")``), and PyTorch, in one process.

Workload (REFERENCE.md, as ``bench_cnn.py``): 28x28x1 inputs, Conv 32 3x3 same ReLU, MaxPool 2,
Conv 64 3x3 same ReLU, MaxPool 2, Flatten, Dense 128 ReLU, Dense 10; float32, batch 1000
(``--batch``), ``--threads`` each (default 2).  The three alternate in ``--rounds`` rounds of
``--steps`` timed batches on the same data; printed are the median, 10th and 90th percentile
batch times, samples/s at the median and the throughput ratios (onnxruntime over Axon and over
PyTorch).  The export's outputs are checked against Axon's first (within 1e-5).
Run: ``python benchmarks/bench_onnx.py [--threads 2] [--rounds 5] [--steps 10]``.
"""
import argparse
import gc
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import percentiles, set_threads, step_times, torch_or_none  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (Axon, onnxruntime, PyTorch)")
    ap.add_argument("--steps", type=int, default=10, help="timed batches per engine per round")
    args = ap.parse_args()
    set_threads(args.threads)
    os.environ["AXON_NUM_THREADS"] = str(args.threads)  # onnxruntime's session takes it too
    import axon  # before NumPy: axon sets OpenBLAS's thread timeout, read when NumPy loads it
    import numpy as np
    from axon.layers import Conv2D, Dense, Flatten, MaxPooling2D
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        sys.exit('bench_onnx: onnxruntime is not installed: pip install "axon[onnx]"')

    rng = np.random.default_rng(0)
    n = args.batch
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    axon.manual_seed(0)
    model = axon.Sequential([Conv2D(32, 3, padding="same", activation="relu", input_shape=(28, 28, 1)),
                             MaxPooling2D(), Conv2D(64, 3, padding="same", activation="relu"), MaxPooling2D(),
                             Flatten(), Dense(128, activation="relu"), Dense(10)])
    ours = model.predict(x, batch_size=n)
    theirs = model.predict(x, batch_size=n, engine="onnxruntime")
    err = float(np.abs(ours - theirs).max())
    assert err <= 1e-5 * max(1.0, float(np.abs(ours).max())), f"onnxruntime differs from Axon by {err}"

    engines = {"Axon predict": lambda: model.predict(x, batch_size=n),
               "onnxruntime (export)": lambda: model.predict(x, batch_size=n, engine="onnxruntime")}
    torch = torch_or_none(args.threads)
    if torch is not None:
        torch.manual_seed(0)
        nn = torch.nn
        net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10)).eval()
        tx = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())

        def torch_infer():
            with torch.no_grad():
                net(tx)
        engines["PyTorch"] = torch_infer

    times = {name: [] for name in engines}
    print(f"CNN inference, batch {n}, {args.threads} thread(s), {args.rounds} rounds of {args.steps} batches; "
          f"onnxruntime matches Axon within {err:.1e}", flush=True)
    for r in range(args.rounds):
        for name, run in engines.items():
            gc.collect()
            times[name].extend(step_times(run, args.steps, 1 if r else 3))
        print(f"round {r + 1}: " + ", ".join(f"{k} {statistics.median(v[-args.steps:]) * 1e3:.1f} ms"
                                             for k, v in times.items()), flush=True)

    print(f"\n{'engine':<22}{'median ms':>10}{'p10 ms':>9}{'p90 ms':>9}{'samples/s':>12}")
    medians = {}
    for name, t in times.items():
        p50, p10, p90 = percentiles(t)
        medians[name] = p50
        print(f"{name:<22}{p50:>10.2f}{p10:>9.2f}{p90:>9.2f}{n / p50 * 1e3:>12,.0f}")
    onnx_ms = medians["onnxruntime (export)"]
    print(f"\nonnxruntime / Axon predict throughput: {medians['Axon predict'] / onnx_ms:.2f}x")
    if "PyTorch" in medians:
        print(f"onnxruntime / PyTorch throughput: {medians['PyTorch'] / onnx_ms:.2f}x")
        print(f"Axon predict / PyTorch throughput: {medians['PyTorch'] / medians['Axon predict']:.2f}x")


if __name__ == "__main__":
    main()
