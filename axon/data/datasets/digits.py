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
