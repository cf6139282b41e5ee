"""Helpers the test files share (tests/ is not a package; pytest puts this folder on sys.path)."""
import functools
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PNG = b"\x89PNG\r\n\x1a\n"


@functools.lru_cache(maxsize=None)
def fashion_mnist_installed():
    """Whether the offline Fashion-MNIST is installed (read once per test session)."""
    from axon.data.datasets import fashion_mnist
    try:
        fashion_mnist.load_data(download=False)
    except (FileNotFoundError, OSError, ValueError):
        return False
    return True


#: a marker skipping a test when the offline Fashion-MNIST is not installed
needs_fashion = pytest.mark.skipif(not fashion_mnist_installed(), reason="Fashion-MNIST files not installed")


def skip_without_fashion_mnist():
    """Skip the calling test when the offline Fashion-MNIST is not installed."""
    if not fashion_mnist_installed():
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")


def pictures_and_page(r, roles=None, numbers=(), exact=False):
    """The text of the demo's page, after checking that each of ``roles`` (every PNG of ``r.files``
    when None; with ``exact``, no other) is a PNG file linked from the page, and that each of
    ``numbers`` (strings) is on it."""
    pngs = {role: p for role, p in r.files.items() if str(p).endswith(".png")}
    roles = list(pngs) if roles is None else list(roles)
    assert roles, "the demo wrote no picture"
    if exact:
        assert set(pngs) == set(roles)
    page = open(r.files["page"], encoding="utf-8").read()
    for role in roles:
        assert open(r.files[role], "rb").read(8) == PNG, role
        assert f"({role}.png)" in page, role
    for number in numbers:
        assert number in page, number
    return page


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


def random_rbm(cls, nv, nh, seed=0, scale=1.0):
    """An RBM of class ``cls`` with ``nv`` visible and ``nh`` hidden units and random weights
    (N(0, scale)) and biases (N(0, 1))."""
    rng = np.random.default_rng(seed)
    rbm = cls(nh, seed=seed)
    rbm.transform(np.zeros((1, nv), np.float32))
    rbm.W.data[...] = rng.normal(0, scale, (nv, nh))
    rbm.visible_bias.data[...] = rng.normal(0, 1, nv)
    rbm.hidden_bias.data[...] = rng.normal(0, 1, nh)
    return rbm
