"""Shared fixtures: a seeded generator for every test and a small slice of real Fashion-MNIST."""
import gzip
import os

import numpy as np
import pytest

import axon

FASHION_DIR = "/usr/share/datasets/fashion-mnist"

# the Keras-style scripts are programs, run each in its own process by test_keras_style.py; the
# doctest collection must not import (and so run) them
collect_ignore = ["keras_style"]


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same Axon random state (weights, dropout, shuffling)."""
    axon.manual_seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def read_idx(path, count):
    """The first ``count`` items of an IDX file (.gz): uint8 images (N, rows, cols) or labels (N,).

    Only the bytes needed are decompressed, so reading 2,000 images takes milliseconds.
    """
    with gzip.open(path, "rb") as f:
        magic = int.from_bytes(f.read(4), "big")
        ndim = magic & 0xFF
        dims = [int.from_bytes(f.read(4), "big") for _ in range(ndim)]
        dims[0] = min(count, dims[0])
        n = int(np.prod(dims))
        data = np.frombuffer(f.read(n), dtype=np.uint8)
    if data.size != n:
        raise ValueError(f"{path}: expected {n} bytes of data, got {data.size}")
    return data.reshape(dims)


@pytest.fixture(scope="session")
def fashion_2000():
    """2,000 Fashion-MNIST training images as float32 in [0, 1], shape (2000, 784), and labels."""
    images = os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")
    labels = os.path.join(FASHION_DIR, "train-labels-idx1-ubyte.gz")
    if not (os.path.exists(images) and os.path.exists(labels)):
        pytest.skip(f"Fashion-MNIST not found in {FASHION_DIR} (Debian package dataset-fashion-mnist)")
    x = read_idx(images, 2000).reshape(2000, -1).astype(np.float32) / 255.0
    y = read_idx(labels, 2000).astype(np.int64)
    return x, y
