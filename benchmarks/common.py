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


def step_times(step, steps=30, warmup=3, clock=time.perf_counter):
    """Seconds taken by each of ``steps`` calls of ``step()`` after ``warmup`` untimed ones, by
    ``clock`` (wall clock; ``time.process_time`` for the process's CPU time, all threads)."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = clock()
        step()
        times.append(clock() - start)
    return times


def percentiles(times):
    """(median, 10th, 90th percentile) of ``times`` in milliseconds."""
    import numpy as np
    p50, p10, p90 = np.percentile(np.asarray(times) * 1e3, [50, 10, 90])
    return float(p50), float(p10), float(p90)


def report_steps(title, rows, batch):
    """rows: (workload, axon step seconds, torch step seconds or None): each a list of step times.
    Prints median, p10 and p90 step times in ms, samples/s at the median, the spread p90/median
    and the median throughput ratio."""
    print(f"\n{title}")
    print(f"{'workload':<24}{'framework':<10}{'median ms':>10}{'p10 ms':>9}{'p90 ms':>9}"
          f"{'p90/med':>9}{'samples/s':>11}{'Axon/PyTorch':>14}")
    for name, ours, theirs in rows:
        mine = percentiles(ours)
        other = percentiles(theirs) if theirs else None
        for label, p in (("Axon", mine), ("PyTorch", other)):
            if p is None:
                continue
            ratio = f"{other[0] / mine[0]:.2f}x" if other and label == "Axon" else ""
            print(f"{name if label == 'Axon' else '':<24}{label:<10}{p[0]:>10.2f}{p[1]:>9.2f}{p[2]:>9.2f}"
                  f"{p[2] / p[0]:>9.2f}{batch / p[0] * 1e3:>11,.0f}{ratio:>14}")
