"""The four-file train/test IDX layout shared by MNIST and Fashion-MNIST."""
from ..idx import read_idx
from ._files import locate


def load_idx_pairs(source, path=None, download=None):
    """``(x_train, y_train), (x_test, y_test)`` from the four MNIST-layout files of ``source``."""
    files = locate(source, path, download)
    arrays = {}
    for split in ("train", "t10k"):
        x = read_idx(files[f"{split}-images-idx3-ubyte.gz"])
        y = read_idx(files[f"{split}-labels-idx1-ubyte.gz"])
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"{source.name}: {split} images {x.shape} and labels {y.shape} do not "
                             "form a data set; expected (N, H, W) images and N labels")
        arrays[split] = (x, y)
    return arrays["train"], arrays["t10k"]
