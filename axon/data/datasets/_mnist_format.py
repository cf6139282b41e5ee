"""The four-file train/test IDX layout shared by MNIST and Fashion-MNIST."""
from ..idx import read_idx
from ._files import locate


def load_idx_pairs(source, path=None, download=None):
    """``(x_train, y_train), (x_test, y_test)`` from the four MNIST-layout files of ``source``."""
    files = locate(source, path, download)
    arrays = {}
    for split in ("train", "t10k"):
        images, labels = files[f"{split}-images-idx3-ubyte.gz"], files[f"{split}-labels-idx1-ubyte.gz"]
        x, y = read_idx(images), read_idx(labels)
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"{source.name}: images {images} hold shape {x.shape} and labels {labels} shape "
                             f"{y.shape}; expected (N, H, W) images and the same N labels: the two files do not "
                             "belong together, fetch them again from the same release")
        arrays[split] = (x, y)
    return arrays["train"], arrays["t10k"]
