"""Keras 3's ``PyDataset`` (also named ``Sequence``): a batch source written in Python.

A subclass defines ``__len__`` (the number of batches) and ``__getitem__(idx)``
(batch ``idx``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``), and
may define ``on_epoch_begin``/``on_epoch_end``, which ``fit`` calls around every
epoch.  A dataset without an end defines ``num_batches`` returning ``None``
instead of ``__len__`` and is trained with ``steps_per_epoch``.

``workers``, ``use_multiprocessing`` and ``max_queue_size`` tell ``fit``,
``evaluate`` and ``predict`` how to fetch batches: with ``workers > 1``, that
many threads compute up to ``max_queue_size`` batches ahead, served in order
(the results do not depend on the number of workers).  Iterating the dataset
yourself fetches one batch after the other, as in Keras.

>>> class Squares(PyDataset):
...     def __len__(self):
...         return 3
...     def __getitem__(self, idx):
...         x = np.arange(2 * idx, 2 * idx + 2, dtype="float32")
...         return x, x ** 2
>>> ds = Squares(workers=2)
>>> ds.num_batches, [y.tolist() for x, y in ds]
(3, [[0.0, 1.0], [4.0, 9.0], [16.0, 25.0]])
"""
import itertools
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_DEFAULTS = {"workers": 1, "use_multiprocessing": False, "max_queue_size": 10}


class PyDataset:
    """Base class of batch sources written in Python (Keras 3's ``keras.utils.PyDataset``).

    ``__getitem__(idx)`` returns a whole batch, ``__len__`` the number of
    batches (not of samples).  ``fit(shuffle=True)``, the default, visits the
    batches of each epoch in a new random order (Axon's shared generator, so
    ``axon.manual_seed`` makes it reproducible); ``evaluate`` and ``predict``
    keep their order.  Subclasses pass ``**kwargs`` on to ``super().__init__``.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers, self._use_multiprocessing, self._max_queue_size = \
            workers, use_multiprocessing, max_queue_size
        parallelism(self)

    def _setting(self, name):
        if not hasattr(self, "_" + name):
            warnings.warn(f"{type(self).__name__} should call super().__init__(**kwargs) in its constructor "
                          "(kwargs may hold workers, use_multiprocessing, max_queue_size); using "
                          f"{name}={_DEFAULTS[name]}", stacklevel=3)
            setattr(self, "_" + name, _DEFAULTS[name])
        return getattr(self, "_" + name)

    @property
    def workers(self):
        """Threads that fetch batches ahead during ``fit``/``evaluate``/``predict`` (1: none)."""
        return self._setting("workers")

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        """Whether the workers would be processes; Axon offers threads only."""
        return self._setting("use_multiprocessing")

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        """The most batches fetched ahead of the one being used."""
        return self._setting("max_queue_size")

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    @property
    def num_batches(self):
        """Batches per epoch: ``len(self)``; a subclass without an end returns ``None`` here."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} defines neither __len__ nor num_batches: define "
                                  "__len__ (batches per epoch) or a num_batches property returning None "
                                  "for a dataset without an end")

    def __iter__(self):
        """Every batch in order, one after the other (endless when ``num_batches`` is ``None``)."""
        n = self.num_batches
        for i in (itertools.count() if n is None else range(n)):
            yield self[i]

    def on_epoch_begin(self):
        """Called by ``fit`` at the start of every epoch; override to prepare one."""

    def on_epoch_end(self):
        """Called by ``fit`` at the end of every epoch; override to reshuffle or augment anew."""


Sequence = PyDataset  # Keras 3 keeps the old name as an alias


def parallelism(dataset):
    """``(workers, max_queue_size)`` of a ``PyDataset``, checked."""
    workers, queue = dataset.workers, dataset.max_queue_size
    name = type(dataset).__name__
    if dataset.use_multiprocessing:
        raise ValueError(f"{name}: use_multiprocessing=True is not supported; Axon fetches batches with "
                         "threads: pass workers=N (NumPy and file reading release the GIL)")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 0:
        raise ValueError(f"{name}: workers must be an integer >= 0 (0 or 1: no threads), got {workers!r}")
    if isinstance(queue, bool) or not isinstance(queue, (int, np.integer)) or queue < 1:
        raise ValueError(f"{name}: max_queue_size must be a positive integer, got {queue!r}")
    return int(workers), int(queue)


def prefetch(fetch, indices, workers, max_queue_size):
    """``fetch(i)`` for each of ``indices``, in their order, computed ahead by ``workers`` threads
    with at most ``max_queue_size`` batches pending.  The threads stop when the generator is
    exhausted or closed (a training loop that breaks off)."""
    indices = iter(indices)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pydataset") as pool:
        pending = deque(pool.submit(fetch, i) for i in itertools.islice(indices, max_queue_size))
        try:
            while pending:
                batch = pending.popleft().result()
                for i in itertools.islice(indices, 1):
                    pending.append(pool.submit(fetch, i))
                yield batch
        finally:
            for future in pending:
                future.cancel()
