"""MNIST: 70,000 grayscale 28x28 images of handwritten digits (LeCun, Cortes, Burges)."""
from ._files import Source
from ._mnist_format import load_idx_pairs

CLASS_NAMES = [str(d) for d in range(10)]

SOURCE = Source(
    name="mnist",
    files={
        "train-images-idx3-ubyte.gz": ("md5", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        "train-labels-idx1-ubyte.gz": ("md5", "d53e105ee54ea40749a09fcbcd1e9432"),
        "t10k-images-idx3-ubyte.gz": ("md5", "9fb629c4189551a2d022fa330f9573f3"),
        "t10k-labels-idx1-ubyte.gz": ("md5", "ec29112dd5afa0611ce80d1b7f02629c"),
    },
    mirrors=["https://ossci-datasets.s3.amazonaws.com/mnist/",
             "https://storage.googleapis.com/cvdf-datasets/mnist/",
             "http://yann.lecun.com/exdb/mnist/"],
)


def load_data(path=None, download=None):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 28, 28) and uint8 labels, as in Keras.

    A ``path`` given is the only folder looked at (a typo is an error,
    never the system copy); without it files are looked for in ``$AXON_DATA/mnist/`` and
    ``$AXON_DATA``, then ``~/.cache/axon/datasets/mnist/``; if absent they are
    downloaded there from the usual mirrors with checksum verification
    (``download=False`` or ``AXON_OFFLINE=1`` forbids it).
    """
    return load_idx_pairs(SOURCE, path, download)
