"""Shared by the benchmarks: thread setup, timing loops and the result table.

Both frameworks run in the same process, on the same data, with the same
number of threads; figures are training (or inference) samples per second.
"""
import os
import time


def set_threads(n):
    """Limit BLAS and PyTorch to ``n`` threads (call before importing NumPy's heavy users)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def throughput(step, batch, seconds=3.0, warmup=3):
    """Samples per second of ``step()`` (one batch of ``batch`` samples), timed for ``seconds``."""
    for _ in range(warmup):
        step()
    n, start = 0, time.perf_counter()
    while True:
        step()
        n += 1
        took = time.perf_counter() - start
        if took >= seconds:
            return n * batch / took


def torch_or_none(threads):
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: pip install torch==2.13.0 to compare")
        return None
    torch.set_num_threads(threads)
    return torch


def report(title, rows):
    """rows: (workload, axon samples/s, torch samples/s or None)."""
    print(f"\n{title}")
    print(f"{'workload':<28}{'Axon samples/s':>16}{'PyTorch samples/s':>20}{'Axon/PyTorch':>14}")
    for name, ours, theirs in rows:
        ratio = f"{ours / theirs:.2f}x" if theirs else "-"
        other = f"{theirs:,.0f}" if theirs else "-"
        print(f"{name:<28}{ours:>16,.0f}{other:>20}{ratio:>14}")
