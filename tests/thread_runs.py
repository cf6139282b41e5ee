"""Training runs in a fresh process with a given number of Axon threads (imported by the tests that
check that results do not depend on the thread count)."""
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train_in_process(script, tmp_path, threads):
    """Run ``script`` (Python source that trains and saves its weights with ``np.savez(sys.argv[1],
    ...)``; ``sys.argv[2]`` is the thread count) with ``AXON_NUM_THREADS=threads`` and OpenBLAS on one
    thread; returns the saved arrays in order."""
    out = str(tmp_path / f"w{threads}.npz")
    env = dict(os.environ, AXON_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", script, out, str(threads)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]
