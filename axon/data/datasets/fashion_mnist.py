"""Fashion-MNIST: 70,000 grayscale 28x28 images of clothing in 10 classes (Zalando Research).

>>> from axon.datasets import fashion_mnist
>>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()  # doctest: +SKIP
>>> x_train.shape, y_train.dtype                                    # doctest: +SKIP
((60000, 28, 28), dtype('uint8'))
"""
from ._files import Source
from ._mnist_format import load_idx_pairs

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

SOURCE = Source(
    name="fashion-mnist",
    files={
        "train-images-idx3-ubyte.gz": ("md5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        "train-labels-idx1-ubyte.gz": ("md5", "25c81989df183df01b3e8a0aad5dffbe"),
        "t10k-images-idx3-ubyte.gz": ("md5", "bef4ecab320f06d8554ea6380940ec79"),
        "t10k-labels-idx1-ubyte.gz": ("md5", "bb300cfdad3c16e7a12a480ee83cd310"),
    },
    mirrors=["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    system_dirs=["/usr/share/datasets/fashion-mnist"],
    install_hint="apt-get install dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist/)",
)


def load_data(path=None, download=None):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 28, 28) and uint8 labels, as in Keras.

    A ``path`` given is the only folder looked at (a typo is an error,
    never the system copy); without it files are looked for in ``$AXON_DATA/fashion-mnist/`` and
    ``$AXON_DATA``, then ``/usr/share/datasets/fashion-mnist/`` (Debian package
    ``dataset-fashion-mnist``), then ``~/.cache/axon/datasets/fashion-mnist/``;
    if absent they are downloaded there with checksum verification
    (``download=False`` or ``AXON_OFFLINE=1`` forbids it).  Class names are in
    ``CLASS_NAMES``.
    """
    return load_idx_pairs(SOURCE, path, download)
