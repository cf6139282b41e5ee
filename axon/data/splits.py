"""Splitting data: train/test, train/validation/test, k-fold and stratified k-fold, cross-validation.

Everything works on index arrays: the splits are disjoint and together cover
every sample.  ``seed=None`` draws from Axon's shared generator (so
``axon.manual_seed`` makes it reproducible); an integer gives a private one.
Stratified splits keep each class's share of the samples in every part.
"""
import warnings

import numpy as np

from .. import backend
from .batches import num_samples, take


def _rng(seed):
    return backend.rng() if seed is None else np.random.default_rng(seed)


def _count(size, n, what):
    """A size given as a fraction of ``n`` or a count, as a count."""
    if isinstance(size, (float, np.floating)):
        if not 0.0 < size < 1.0:
            raise ValueError(f"{what} as a fraction must be in (0, 1), got {size}")
        return int(np.ceil(size * n)) if what == "test_size" else int(np.floor(size * n))
    size = int(size)
    if not 0 < size < n:
        raise ValueError(f"{what} as a count must be in [1, {n - 1}] for {n} samples, got {size}")
    return size


def _labels(stratify, n):
    y = np.asarray(stratify)
    if y.ndim == 2 and y.shape[1] > 1:                 # one-hot labels
        y = y.argmax(axis=1)
    y = y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y
    if len(y) != n:
        raise ValueError(f"stratify has {len(y)} labels but the arrays have {n} samples")
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    return classes, inverse, counts


def _class_order(inverse, rng):
    """Sample indices grouped by class (random order inside a class when ``rng``)."""
    key = rng.random(len(inverse)) if rng is not None else np.arange(len(inverse))
    return np.lexsort((key, inverse))


def _split_indices(n, n_test, shuffle, rng, stratify):
    """``(train_idx, test_idx)`` with ``n_test`` test samples."""
    if stratify is None:
        order = rng.permutation(n) if shuffle else np.arange(n)
        return order[:n - n_test], order[n - n_test:]
    if not shuffle:
        raise ValueError("stratified splitting needs shuffle=True")
    classes, inverse, counts = _labels(stratify, n)
    if counts.min() < 2:
        raise ValueError(f"stratify: class {classes[counts.argmin()]!r} has only {counts.min()} "
                         "sample; every class needs at least 2 to appear on both sides")
    # Test samples per class: proportional shares, rounded so they add up to n_test
    # (largest remainders first).
    exact = counts * (n_test / n)
    per_class = np.floor(exact).astype(np.int64)
    short = n_test - per_class.sum()
    per_class[np.argsort(per_class - exact, kind="stable")[:short]] += 1
    order = _class_order(inverse, rng)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sorted_class = inverse[order]
    rank = np.arange(n) - starts[sorted_class]
    is_test = rank < per_class[sorted_class]
    return rng.permutation(order[~is_test]), rng.permutation(order[is_test])


def _check_arrays(arrays):
    if not arrays:
        raise ValueError("expected at least one array to split")
    n = num_samples(arrays[0])
    for i, a in enumerate(arrays):
        if num_samples(a) != n:
            raise ValueError(f"array {i} has {num_samples(a)} samples but array 0 has {n}; they must match")
    return n


def train_test_split(*arrays, test_size=0.25, shuffle=True, seed=None, stratify=None):
    """``a_train, a_test, b_train, b_test, ...`` for arrays ``a, b, ...`` of the same length.

    ``test_size`` is a fraction (rounded up) or a count; ``stratify`` (labels)
    keeps each class's share equal in both parts.

    >>> x, y = np.arange(10), np.arange(10) % 2
    >>> x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.4, seed=0, stratify=y)
    >>> len(x_tr), len(x_te), int(y_te.sum())
    (6, 4, 2)
    """
    n = _check_arrays(arrays)
    train, test = _split_indices(n, _count(test_size, n, "test_size"), shuffle, _rng(seed), stratify)
    return [part for a in arrays for part in (take(a, train), take(a, test))]


def train_val_test_split(*arrays, val_size=0.1, test_size=0.1, shuffle=True, seed=None, stratify=None):
    """``a_train, a_val, a_test, ...``: three disjoint parts; sizes are fractions of all samples or counts.

    >>> parts = train_val_test_split(np.arange(20), val_size=0.2, test_size=0.25, seed=1)
    >>> [len(p) for p in parts]
    [11, 4, 5]
    """
    n = _check_arrays(arrays)
    rng = _rng(seed)
    n_test = _count(test_size, n, "test_size")
    n_val = _count(val_size, n, "val_size")
    if n_test + n_val >= n:
        raise ValueError(f"val_size and test_size take {n_val} + {n_test} of {n} samples, "
                         "leaving none to train on")
    rest, test = _split_indices(n, n_test, shuffle, rng, stratify)
    sub = None if stratify is None else take(np.asarray(stratify), rest)
    train, val = _split_indices(len(rest), n_val, shuffle, rng, sub)
    train, val = rest[train], rest[val]
    return [part for a in arrays for part in (take(a, train), take(a, val), take(a, test))]


class KFold:
    """``n_splits`` folds; each serves once as the validation part.

    Fold sizes differ by at most one (the first ``n % n_splits`` are larger).

    >>> [val.tolist() for _, val in KFold(3).split(np.zeros(7))]
    [[0, 1, 2], [3, 4], [5, 6]]
    """

    def __init__(self, n_splits=5, shuffle=False, seed=None):
        if int(n_splits) < 2:
            raise ValueError(f"{type(self).__name__}: n_splits must be at least 2, got {n_splits}")
        self.n_splits, self.shuffle, self.seed = int(n_splits), shuffle, seed

    def get_n_splits(self, x=None, y=None):
        return self.n_splits

    def _check(self, x):
        n = num_samples(x)
        if self.n_splits > n:
            raise ValueError(f"{type(self).__name__}: n_splits={self.n_splits} is more than the "
                             f"{n} samples")
        return n

    def _fold_of(self, x, y):
        n = self._check(x)
        order = _rng(self.seed).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[:n % self.n_splits] += 1
        fold = np.empty(n, dtype=np.int64)
        fold[order] = np.repeat(np.arange(self.n_splits), sizes)
        return fold

    def split(self, x, y=None):
        """Yield ``(train_idx, val_idx)`` index arrays, one pair per fold."""
        fold = self._fold_of(x, y)
        for k in range(self.n_splits):
            yield np.flatnonzero(fold != k), np.flatnonzero(fold == k)


class StratifiedKFold(KFold):
    """K folds that each keep the class proportions of ``y``.

    Samples are grouped by class (shuffled within a class when ``shuffle``)
    and dealt to the folds in turn, so every fold gets each class's share to
    within one sample and fold sizes differ by at most one.
    """

    def _fold_of(self, x, y):
        n = self._check(x)
        if y is None:
            raise ValueError("StratifiedKFold.split needs the labels y")
        classes, inverse, counts = _labels(y, n)
        if counts.min() < self.n_splits:
            warnings.warn(f"StratifiedKFold: class {classes[counts.argmin()]!r} has only "
                          f"{counts.min()} samples, fewer than n_splits={self.n_splits}; some "
                          "folds will not contain it", stacklevel=3)
        order = _class_order(inverse, _rng(self.seed) if self.shuffle else None)
        fold = np.empty(n, dtype=np.int64)
        fold[order] = np.arange(n) % self.n_splits
        return fold


def cross_validate(build_fn, x, y, k=5, fit_kwargs=None, evaluate_kwargs=None, stratified=False,
                   shuffle=True, seed=None, cv=None):
    """Train a fresh model on each of ``k`` folds and evaluate it on the held-out fold.

    ``build_fn()`` returns a compiled model; ``fit_kwargs`` go to ``fit``
    (e.g. ``epochs``, ``batch_size``, ``verbose=0``).  Returns a dict with
    ``"folds"`` (one ``{metric: value}`` dict per fold, from
    ``evaluate(return_dict=True)``), and the ``"mean"`` and ``"std"`` of each
    metric over the folds.  ``cv`` may be any splitter with ``split(x, y)``.
    """
    fit_kwargs = {"verbose": 0, **(fit_kwargs or {})}
    evaluate_kwargs = {"verbose": 0, **(evaluate_kwargs or {})}
    if cv is None:
        cv = (StratifiedKFold if stratified else KFold)(k, shuffle=shuffle, seed=seed)
    folds = []
    for train, val in cv.split(x, y):
        model = build_fn()
        model.fit(take(x, train), take(y, train), **fit_kwargs)
        scores = model.evaluate(take(x, val), take(y, val), return_dict=True, **evaluate_kwargs)
        folds.append({name: float(v) for name, v in scores.items()})
    names = folds[0].keys()
    return {"folds": folds,
            "mean": {m: float(np.mean([f[m] for f in folds])) for m in names},
            "std": {m: float(np.std([f[m] for f in folds])) for m in names}}
