"""The demos' real data: a seeded random subset of the offline Fashion-MNIST, scaled to [0, 1].

Never downloaded: without the Debian package ``dataset-fashion-mnist`` (or ``$AXON_DATA``) the error
says how to install it.
"""
import numpy as np


def fashion_subset(n_train, n_test, seed=0, flat=True):
    """``(x_train, y_train), (x_test, y_test)``: ``n_train`` training and ``n_test`` test images drawn
    without replacement (seeded), float32 in [0, 1], shape (N, 784) when ``flat`` else (N, 28, 28, 1);
    labels int64 in 0..9."""
    from ..data.datasets import fashion_mnist
    (x, y), (xt, yt) = fashion_mnist.load_data(download=False)
    rng = np.random.default_rng(seed)
    out = []
    for images, labels, n in ((x, y, n_train), (xt, yt, n_test)):
        idx = np.sort(rng.permutation(len(images))[:n])
        sub = images[idx].astype(np.float32) / 255.0
        sub = sub.reshape(len(idx), 28 * 28) if flat else sub[..., None]
        out.append((sub, labels[idx].astype(np.int64)))
    return tuple(out)
