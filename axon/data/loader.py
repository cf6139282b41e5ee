"""Datasets and the ``DataLoader``: mini-batches for hand-written loops and for ``model.fit``.

A ``Dataset`` is indexed with an integer *array* of sample indices and
returns the whole batch at once (a tuple of arrays), so building a batch is
one fancy-indexing operation per array, never a Python loop over samples.

``DataLoader`` serves both styles::

    loader = DataLoader((x_train, y_train), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:           # PyTorch style; each full pass reshuffles
        ...
    model.fit(loader, epochs=5)     # Keras style: len(loader), loader[i], on_epoch_end()
"""
import numpy as np

from ..tensor import to_numpy
from .batches import Batches


class Dataset:
    """Base class: ``len(ds)`` samples and ``ds[indices]`` -> a tuple of batch arrays.

    Subclasses implement ``__len__`` and ``__getitem__(indices)``, where
    ``indices`` is a 1-D integer array; they return one array per field
    (e.g. ``(x, y)``), each with ``len(indices)`` rows.
    """

    def __len__(self):
        raise TypeError(f"{type(self).__name__} must define __len__ (the number of samples)")

    def __getitem__(self, indices):
        raise TypeError(f"{type(self).__name__} must define __getitem__(indices) returning a "
                        "tuple of batch arrays")


class TensorDataset(Dataset):
    """Arrays of equal length seen as one dataset; ``ds[idx]`` is ``(a[idx], b[idx], ...)``.

    >>> ds = TensorDataset(np.arange(6).reshape(3, 2), np.array([0, 1, 0]))
    >>> len(ds), ds[np.array([2, 0])][1]
    (3, array([0, 0]))
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(to_numpy(a) for a in arrays)
        n = len(self.arrays[0])
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or len(a) != n:
                raise ValueError(f"TensorDataset: array {i} has shape {a.shape}; every array needs "
                                 f"the same number of samples ({n}) on axis 0")
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, indices):
        return tuple(a[indices] for a in self.arrays)


class DataLoader(Batches):
    """Mini-batches of a dataset (or of arrays), optionally shuffled, in NumPy.

    ``dataset_or_arrays`` is a ``Dataset``, an array, or a tuple/list of
    arrays (wrapped in a ``TensorDataset``).  Batches are tuples ``(xb, yb)``
    (a single array when the dataset has one field).  ``drop_last`` skips a
    final short batch.  With ``shuffle`` the order is redrawn after each full
    pass and at ``on_epoch_end()`` (which ``model.fit`` calls); ``seed`` makes
    the orders reproducible, ``None`` uses Axon's shared generator.

    >>> loader = DataLoader((np.arange(10), np.arange(10) % 2), batch_size=4)
    >>> len(loader), [xb.tolist() for xb, yb in loader]
    (3, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    >>> len(DataLoader(np.arange(10), batch_size=4, drop_last=True))
    2
    """

    def __init__(self, dataset_or_arrays, batch_size=32, shuffle=False, drop_last=False, seed=None):
        data = dataset_or_arrays
        if isinstance(data, Dataset):
            self.dataset = data
        elif isinstance(data, (tuple, list)):
            self.dataset = TensorDataset(*data)
        else:
            self.dataset = TensorDataset(data)
        super().__init__(len(self.dataset), batch_size, shuffle, seed, drop_last)

    def batch(self, indices):
        """The dataset's fields at ``indices`` (one array when it has a single field)."""
        batch = self.dataset[indices]
        if isinstance(batch, tuple) and len(batch) == 1:
            return batch[0]
        return batch
