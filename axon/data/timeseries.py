"""Sliding windows over a time series as batches: Keras 3's ``timeseries_dataset_from_array``.

Window ``k`` starts at step ``start_index + k * sequence_stride`` and takes
``sequence_length`` steps ``sampling_rate`` apart; its target is
``targets[start]``, the target at the step the window starts (so that
``targets = data[n:]`` makes each window of ``n`` steps predict the step after
it).  The windows are one strided view of the data, never copied; each batch
gathers its windows with one index array.

>>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3, sequence_stride=2,
...                                    batch_size=2)
>>> len(ds), [b.tolist() for b in ds]
(2, [[[0, 1, 2], [2, 3, 4]], [[4, 5, 6], [6, 7, 8]]])
"""
import numpy as np

from .batches import Batches, pack_x_y_sample_weight


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"timeseries_dataset_from_array: {name} must be a positive integer, got {value!r}")
    return int(value)


class TimeseriesBatches(Batches):
    """Batches of windows over ``data`` (and their targets), made by
    ``timeseries_dataset_from_array``: ``len``, ``[i]``, iteration by epochs.

    ``windows`` is the strided view (every possible window start, shape
    ``(starts, sequence_length, *features)``) and ``starts`` the window starts
    used, relative to ``start_index``.
    """

    def __init__(self, data, targets, sequence_length, sequence_stride, sampling_rate, batch_size,
                 shuffle, seed, start_index, end_index):
        span = (sequence_length - 1) * sampling_rate + 1   # the steps a window covers, first to last
        segment = data[start_index:end_index]
        count = len(segment) - span + 1
        if targets is not None:
            count = min(count, len(targets) - start_index)
        if count < 1:
            raise ValueError(f"timeseries_dataset_from_array: steps {start_index}..{end_index} of the data "
                             f"({len(segment)} steps) hold no window of sequence_length={sequence_length} "
                             f"at sampling_rate={sampling_rate} (a window covers {span} steps)"
                             + ("" if targets is None else f" with {len(targets)} targets")
                             + "; use shorter windows or more data")
        view = np.lib.stride_tricks.sliding_window_view(segment, span, axis=0)   # window axis last
        self.windows = np.moveaxis(view, -1, 1)[:, ::sampling_rate]
        self.starts = np.arange(0, count, sequence_stride)
        self.targets = None if targets is None else targets[start_index:]
        super().__init__(len(self.starts), batch_size, shuffle, seed)

    def batch(self, indices):
        starts = self.starts[indices]
        y = None if self.targets is None else self.targets[starts]
        return pack_x_y_sample_weight(self.windows[starts], y)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    """Batches of sliding windows over ``data`` (time on axis 0), as Keras 3 makes them.

    Returns a ``TimeseriesBatches`` yielding ``(windows, targets)`` batches, or
    ``windows`` alone when ``targets`` is ``None``; windows have shape
    ``(batch, sequence_length, *data.shape[1:])`` and ``data``'s dtype.

    - ``targets[i]`` is the target of the window starting at step ``i``;
    - ``sequence_stride``: steps between the starts of successive windows;
    - ``sampling_rate``: steps between successive steps of a window;
    - ``start_index``/``end_index``: only steps ``start_index <= t < end_index``
      are used (``end_index`` must be below ``len(data)``, as in Keras);
    - ``shuffle``: a new order of the windows every epoch (``seed`` for a
      private generator, else Axon's shared one); Keras shuffles with a
      buffer instead, so the orders differ but every window comes once per
      epoch in both.

    A short tail that makes no full window is dropped.  ``batch_size=None``
    (single windows) is not offered: ``fit`` takes batches.
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError("timeseries_dataset_from_array: data must have a time axis (axis 0), got a scalar")
    n = len(data)
    if targets is not None:
        targets = np.asarray(targets)
    sequence_length = _positive_int(sequence_length, "sequence_length")
    sampling_rate = _positive_int(sampling_rate, "sampling_rate")
    sequence_stride = _positive_int(sequence_stride, "sequence_stride")
    if batch_size is None:
        raise ValueError("timeseries_dataset_from_array: batch_size=None (single windows) is not supported; "
                         "pass a number of windows per batch")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value >= n:
            raise ValueError(f"timeseries_dataset_from_array: {name} must be lower than the length of the "
                             f"data ({n}), got {value}")
    start = 0 if start_index is None else int(start_index)
    end = n if end_index is None else int(end_index)
    if not 0 <= start < n:
        raise ValueError(f"timeseries_dataset_from_array: start_index must be in [0, {n}) for data of "
                         f"length {n}, got {start_index}")
    if end_index is not None and not start < end < n:
        raise ValueError(f"timeseries_dataset_from_array: end_index must be above start_index ({start}) and "
                         f"below the length of the data ({n}), got {end_index}; leave it None to use the "
                         "data to its end")
    return TimeseriesBatches(data, targets, sequence_length, sequence_stride, sampling_rate, batch_size,
                             shuffle, seed, start, end)
