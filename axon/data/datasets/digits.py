"""The 8x8 handwritten digits (UCI, 1,797 images), through scikit-learn's bundled copy."""
import numpy as np

from ..splits import train_test_split

CLASS_NAMES = [str(d) for d in range(10)]


def load_data(test_size=0.2, seed=0):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 8, 8) with values 0..16, uint8 labels.

    The data ship with scikit-learn (no download); the split is stratified
    and fixed by ``seed``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError("axon.datasets.digits needs scikit-learn, which ships the 8x8 digits: "
                          "pip install scikit-learn (or use fashion_mnist/mnist)") from e
    bunch = load_digits()
    x = bunch.images.astype(np.uint8)
    y = bunch.target.astype(np.uint8)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, seed=seed, stratify=y)
    return (x_train, y_train), (x_test, y_test)


def nudge(images):
    """The images and four copies moved one pixel up, left, right and down (zeros moved in), as in
    scikit-learn's RBM example: ``(5 N, H, W)`` from ``(N, H, W)``, or ``(5 N, H * W)`` from square
    flattened images ``(N, H * W)``; the originals first, then the four shifts, each in input order.

    >>> nudge(np.arange(4).reshape(1, 2, 2)).tolist()
    [[[0, 1], [2, 3]], [[2, 3], [0, 0]], [[1, 0], [3, 0]], [[0, 0], [0, 2]], [[0, 0], [0, 1]]]
    """
    images = np.asarray(images)
    flat = images.ndim == 2
    if flat:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"digits.nudge: flattened images must be square (H * W with H = W), got "
                             f"{images.shape[1]} pixels per row; pass images shaped (N, H, W)")
        images = images.reshape(len(images), side, side)
    if images.ndim != 3:
        raise ValueError(f"digits.nudge: expected images (N, H, W) or flattened square ones (N, H * W), "
                         f"got shape {images.shape}")
    up, left, right, down = (np.zeros_like(images) for _ in range(4))
    up[:, :-1] = images[:, 1:]
    left[:, :, :-1] = images[:, :, 1:]
    right[:, :, 1:] = images[:, :, :-1]
    down[:, 1:] = images[:, :-1]
    out = np.concatenate([images, up, left, right, down])
    return out.reshape(len(out), -1) if flat else out


def load_nudged(test_size=0.2, seed=0):
    """scikit-learn's RBM example data: the 1,797 digits and their four one-pixel shifts (8,985
    images), each pixel min-max scaled to [0, 1] over the whole set, flattened and split:
    ``(x_train, y_train), (x_test, y_test)`` with float32 ``x`` (N, 64) and uint8 labels.

    The split is Axon's (stratified, fixed by ``seed``); scikit-learn's example splits with its own
    ``train_test_split(test_size=0.2, random_state=0)``, which ``benchmarks/bench_rbm.py`` uses.
    """
    x, y = nudged_arrays()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, seed=seed, stratify=y)
    return (x_train, y_train), (x_test, y_test)


def nudged_arrays():
    """All 8,985 nudged digits, min-max scaled per pixel to [0, 1]: float32 ``x`` (8985, 64), uint8 ``y``."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError("axon.datasets.digits needs scikit-learn, which ships the 8x8 digits: "
                          "pip install scikit-learn") from e
    bunch = load_digits()
    x = nudge(bunch.data.astype(np.float32))
    y = np.concatenate([bunch.target.astype(np.uint8)] * 5)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0).astype(np.float32)
    return ((x - lo) / span).astype(np.float32), y
