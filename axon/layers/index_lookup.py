"""Vocabulary lookup layers with Keras 3's names and rules: ``StringLookup`` and ``IntegerLookup``
map tokens to indices (``invert=True``: indices back to tokens); ``TextVectorization`` builds on
the same ``IndexLookup``.

A vocabulary starts with its reserved entries: the mask token (index 0, only in ``"int"`` mode
and only when ``mask_token`` is set), then ``num_oov_indices`` out-of-vocabulary entries; the
tokens follow.  ``adapt`` orders the tokens by count, high to low, ties broken by the token
itself, high to low (Keras's ``np.lexsort((tokens, counts))[::-1]``), and keeps ``max_tokens``
entries, the reserved ones included.  Outside ``"int"`` mode the mask token counts nowhere.

>>> import numpy as np
>>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
>>> layer([["a", "c", "d"], ["d", "z", "b"]]).tolist()
[[1, 3, 4], [4, 0, 2]]
>>> layer = StringLookup()
>>> layer.adapt([["a", "c", "d"], ["d", "z", "b"]])
>>> layer.get_vocabulary()
['[UNK]', 'd', 'z', 'c', 'b', 'a']
>>> counts = IntegerLookup(vocabulary=[12, 36, 1138, 42], output_mode="count")
>>> counts(np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])).numpy().tolist()
[[0.0, 1.0, 0.0, 1.0, 2.0], [2.0, 0.0, 1.0, 0.0, 1.0]]
"""
import collections
import itertools
import os

import numpy as np

from .. import backend
from ..tensor import Tensor
from .base import Layer

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_DROPPED = -2  # the index of the mask token outside "int" mode: it is counted nowhere
_MISSING = -1  # an out-of-vocabulary token waiting for its OOV index


def output_mode_of(owner, output_mode, allowed=OUTPUT_MODES):
    """``output_mode`` with Keras's old names ("binary", "tf-idf") mapped to the new ones."""
    mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
    if mode not in allowed:
        raise ValueError(f"{owner}: output_mode must be one of {allowed}, got {output_mode!r}")
    return mode


def inverse_document_frequency(document_counts, num_documents):
    """Keras's idf of a token found in ``document_counts`` of ``num_documents`` documents:
    ``log(1 + num_documents / (1 + document_count))``.

    >>> inverse_document_frequency([0, 1, 3], 3).round(4).tolist()
    [1.3863, 0.9163, 0.5596]
    """
    return np.log1p(num_documents / (1.0 + np.asarray(document_counts, np.float64)))


def as_strings(owner, x, encoding="utf-8"):
    """``x`` (str or bytes: a list, an array or a Tensor) as an object array of Python ``str``, its
    shape kept; bytes are decoded with ``encoding``."""
    a = x.numpy() if isinstance(x, Tensor) else x
    if not isinstance(a, np.ndarray):
        a = np.asarray(a, dtype=object if isinstance(a, (list, tuple)) else None)
    if a.dtype.kind == "U":
        return a.astype(object)
    if a.dtype.kind == "S":
        return np.char.decode(a, encoding).astype(object)
    if a.dtype.kind == "O":
        flat = a.ravel().tolist()
        if all(type(s) is str for s in flat):
            return a
        if all(isinstance(s, (str, bytes)) for s in flat):
            return np.array([s.decode(encoding) if isinstance(s, bytes) else s for s in flat],
                            dtype=object).reshape(a.shape)
        bad = next(s for s in flat if not isinstance(s, (str, bytes)))
        raise TypeError(f"{owner}: expected strings, got an element {bad!r} of type {type(bad).__name__}; "
                        "pass text (str or bytes)")
    raise TypeError(f"{owner}: expected strings, got an array of dtype {a.dtype}; pass text (a list or "
                    "array of str), or use IntegerLookup for integer tokens")


def adapt_batches(owner, data, steps):
    """The batches ``adapt`` reads (Keras's rule): an iterable that is not a list, tuple, array or
    tensor yields batches (``steps`` of them at most; an ``(x, y)`` batch gives its ``x``);
    anything else is one batch, marked by ``whole=True``.  Yields ``(batch, whole)``."""
    if isinstance(data, (list, tuple, np.ndarray, Tensor, str, bytes)) or not hasattr(data, "__iter__"):
        if steps is not None:
            raise ValueError(f"{owner}: adapt(steps=...) is for an iterable of batches; with an array or "
                             "list, adapt reads all of it (leave steps=None)")
        yield data, True
        return
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        if isinstance(batch, tuple) and len(batch) in (2, 3) and not isinstance(batch[0], (str, bytes)):
            batch = batch[0]
        yield batch, False


class IndexLookup(Layer):
    """What StringLookup and IntegerLookup share (Keras's ``IndexLookup``): the vocabulary, adapt,
    the lookup and the encodings.  Subclasses say what a token is (``_keys``)."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False,
                 sparse=False, name=None, **kwargs):
        owner = type(self).__name__
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)  # Keras's configs carry it; the vocabulary says it here
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{owner}: max_tokens must be greater than 1 (it counts the mask and OOV "
                             f"entries) or None, got {max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{owner}: pad_to_max_tokens=True needs max_tokens, got max_tokens=None")
        if not isinstance(num_oov_indices, (int, np.integer)) or num_oov_indices < 0:
            raise ValueError(f"{owner}: num_oov_indices must be an integer >= 0, got {num_oov_indices!r}")
        output_mode = output_mode_of(owner, output_mode)
        if invert and output_mode != "int":
            raise ValueError(f"{owner}: invert=True needs output_mode='int', got output_mode={output_mode!r}")
        if sparse:
            raise ValueError(f"{owner}: sparse=True is not supported (Keras offers sparse outputs on the "
                             "TensorFlow backend only); leave sparse=False for dense outputs")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{owner}: idf_weights is only for output_mode='tf_idf', got "
                             f"output_mode={output_mode!r}")
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{owner}: with a vocabulary= in output_mode='tf_idf', give idf_weights= too "
                             "(one weight per vocabulary entry)")
        super().__init__(name=name, **kwargs)
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token, self.invert = mask_token, oov_token, invert
        self.output_mode, self.pad_to_max_tokens, self.sparse = output_mode, pad_to_max_tokens, sparse
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens, self._index, self._idf, self._frozen_size = [], {}, None, None
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ----- the vocabulary
    def _oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self):
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self):
        """The size of the vocabulary, its mask and OOV entries included."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order (with ``include_special_tokens=False``, the tokens only)."""
        if not include_special_tokens:
            return list(self._tokens)
        return [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices + self._tokens

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (a list, array or tensor of tokens, or the path of a text file with
        one token a line), replacing any other.  It may start with the reserved entries, in their
        order; ``idf_weights`` (``"tf_idf"`` mode only, and required there) has one weight per
        entry of ``vocabulary``; without the reserved entries the OOV weight is their average."""
        who = self.describe()
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{who}: output_mode='tf_idf' needs idf_weights= with the vocabulary")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{who}: idf_weights is only for output_mode='tf_idf', got "
                             f"output_mode={self.output_mode!r}")
        if isinstance(vocabulary, (str, os.PathLike)):
            vocabulary = self._read_vocabulary_file(vocabulary)
        values = self._keys(vocabulary)
        if values.ndim != 1:
            raise ValueError(f"{who}: the vocabulary must be 1-D, got shape {values.shape}")
        vocabulary = values.tolist()
        if not vocabulary:
            raise ValueError(f"{who}: cannot set an empty vocabulary")
        start = self._token_start()
        special = self.get_vocabulary()[:start]
        found = vocabulary[:start] == special
        tokens = vocabulary[start:] if found else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{who}: the vocabulary repeats {repeated[:10]}; give each token once")
        for token, kind in ((self.mask_token, "mask"), (self.oov_token if self.invert else None, "OOV")):
            if token is not None and token in tokens:
                raise ValueError(f"{who}: the {kind} token {token!r} is in the vocabulary at index "
                                 f"{vocabulary.index(token)}; leave the reserved tokens out, or put them "
                                 f"first in exactly this order: {special}")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(f"{who}: the vocabulary has {start + len(tokens)} entries (reserved ones "
                             f"included), more than max_tokens={self.max_tokens}")
        idf = None
        if self.output_mode == "tf_idf":
            idf = np.asarray(idf_weights, np.float64)
            if idf.ndim != 1 or len(idf) != len(vocabulary):
                raise ValueError(f"{who}: idf_weights must be 1-D with one weight per vocabulary entry "
                                 f"({len(vocabulary)}), got shape {idf.shape}")
            if not found:
                idf = np.concatenate([np.full(start, idf.mean()), idf])
        self._set(tokens, idf)

    def _read_vocabulary_file(self, path):
        path = os.fspath(path)
        if self.output_mode == "tf_idf":
            raise ValueError(f"{self.describe()}: output_mode='tf_idf' cannot read the vocabulary from a file; "
                             "pass a list and idf_weights=")
        if not os.path.isfile(path):
            raise ValueError(f"{self.describe()}: vocabulary file {path!r} does not exist")
        with open(path, encoding=getattr(self, "encoding", "utf-8")) as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def _set(self, tokens, idf=None):
        """Install ``tokens`` (after the reserved entries) and the full idf weights."""
        size = self._token_start() + len(tokens)
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_size not in (None, size):
            raise RuntimeError(f"{self.describe()}: in output_mode={self.output_mode!r} without "
                               f"pad_to_max_tokens the output width is the vocabulary size, {self._frozen_size}, "
                               f"and cannot change to {size}; make a new layer (or pad_to_max_tokens=True)")
        self._tokens = list(tokens)
        self._index = {t: i for i, t in enumerate(self._tokens, self._token_start())}
        if self.mask_token is not None:
            self._index[self.mask_token] = 0 if self.output_mode == "int" else _DROPPED
        if idf is not None:
            if self.pad_to_max_tokens:
                idf = np.concatenate([idf, np.zeros(self.max_tokens - len(idf))])
            self._idf = idf.astype(backend.floatx())
        self._frozen_size = size

    # ----- adapt
    def reset_state(self):
        """Forget the counts of an unfinished adapt."""
        self._counts, self._document_counts, self._num_documents = collections.Counter(), collections.Counter(), 0

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and, in ``"tf_idf"`` mode, the idf weights; each sample is a document)
        from ``data``: an array or list (a 1-D one holds one token per sample), or an iterable of
        batches (``steps`` of them at most).  ``batch_size`` is Keras's and changes nothing."""
        self.reset_state()
        for batch, whole in adapt_batches(self.describe(), data, steps):
            keys = self._keys(batch)
            self.update_state(keys[:, None] if whole and keys.ndim == 1 else keys)
        self.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch (a 1-D batch is one document, as in Keras)."""
        keys = self._keys(data)
        keys = keys.reshape(1, -1) if keys.ndim < 2 else keys.reshape(len(keys), -1)
        self.count_rows(keys.tolist())

    def count_rows(self, rows):
        """Count the tokens of ``rows``, one sequence of tokens per document."""
        if self._has_input_vocabulary:
            raise ValueError(f"{self.describe()}: cannot adapt a layer whose vocabulary was given to its "
                             "constructor; make one without vocabulary= to adapt")
        self._counts.update(itertools.chain.from_iterable(rows))
        if self.output_mode == "tf_idf":
            self._document_counts.update(itertools.chain.from_iterable(map(set, rows)))
            self._num_documents += len(rows)

    def finalize_state(self):
        """Make the vocabulary from the counts (nothing changes when nothing was counted)."""
        if self._has_input_vocabulary or not self._counts:
            if self._frozen_size is None:
                self._set(self._tokens)
            return
        for special in (self.mask_token, self.oov_token):
            self._counts.pop(special, None)
        tokens = list(self._counts)
        counts = np.array([self._counts[t] for t in tokens], np.int64)
        order = np.lexsort((np.array(tokens, dtype=object), counts))[::-1]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start()]
        tokens = [tokens[i] for i in order]
        idf = None
        if self.output_mode == "tf_idf":
            weights = inverse_document_frequency([self._document_counts[t] for t in tokens], self._num_documents)
            weights = weights.astype(backend.floatx())
            mean = weights.mean() if len(weights) else 0.0
            idf = np.concatenate([np.full(self._token_start(), mean, weights.dtype), weights])
        self._set(tokens, idf)
        self.reset_state()

    # ----- lookup and encodings
    def lookup(self, tokens):
        """The indices (int64) of a flat list of tokens."""
        get = self._index.get
        default = self._oov_start() if self.num_oov_indices == 1 else _MISSING
        ids = np.fromiter((get(t, default) for t in tokens), np.int64, count=len(tokens))
        if self.num_oov_indices != 1:
            missing = np.flatnonzero(ids == _MISSING)
            if len(missing) and self.num_oov_indices == 0:
                found = sorted({tokens[i] for i in missing[:20]})
                raise ValueError(f"{self.describe()}: with num_oov_indices=0 every input must be in the "
                                 f"vocabulary; found {found}; set num_oov_indices=1")
            if len(missing):
                ids[missing] = self._oov_start() + self._oov_bucket([tokens[i] for i in missing])
        return ids

    def _oov_bucket(self, tokens):
        """Which of the out-of-vocabulary slots each token takes: the first, for every token (a
        subclass spreading tokens over several slots overrides this)."""
        return np.zeros(len(tokens), np.int64)

    def output_depth(self):
        """The width of the ``multi_hot``/``count``/``tf_idf``/``one_hot`` outputs."""
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._frozen_size is None:
            raise RuntimeError(f"{self.describe()}: in output_mode={self.output_mode!r} without "
                               "pad_to_max_tokens the layer needs its vocabulary before it is called; pass "
                               "vocabulary= or call adapt() first")
        return self._frozen_size

    def bincount(self, ids, rows, n_rows):
        """``(n_rows, depth)`` floats: token ``ids`` of rows ``rows`` counted, made 0/1 (``multi_hot``)
        or weighted by the idf (``tf_idf``); the mask token (index -2) is dropped."""
        depth = self.output_depth()
        if self.output_mode == "tf_idf" and self._idf is None:
            raise RuntimeError(f"{self.describe()}: output_mode='tf_idf' needs idf weights; adapt the layer "
                               "or pass vocabulary= with idf_weights=")
        keep = ids >= 0
        counts = np.bincount(rows[keep] * depth + ids[keep], minlength=n_rows * depth).reshape(n_rows, depth)
        if self.output_mode == "multi_hot":
            counts = counts > 0
        out = counts.astype(backend.floatx())
        return out * self._idf if self.output_mode == "tf_idf" else out

    def call(self, inputs):
        if self.invert:
            return Tensor(self._inverted(self._indices(inputs)))
        keys = self._keys(inputs)
        if self.output_mode != "int":
            self.output_depth()
        ids = self.lookup(keys.ravel().tolist()).reshape(keys.shape)
        if self.output_mode == "int":
            return Tensor(ids)
        if self.output_mode == "one_hot":
            if ids.ndim > 1 and ids.shape[-1] == 1:
                ids = ids[..., 0]
            flat = ids.ravel()
            out = self.bincount(flat, np.arange(len(flat)), len(flat))
            return Tensor(out.reshape(ids.shape + (out.shape[-1],)))
        if ids.ndim > 2:
            raise ValueError(f"{self.describe()}: output_mode={self.output_mode!r} takes inputs of at most 2 "
                             f"dimensions (samples, tokens), got shape {ids.shape}")
        rows = ids.reshape(1 if ids.ndim < 2 else len(ids), -1)
        out = self.bincount(rows.ravel(), np.repeat(np.arange(len(rows)), rows.shape[1]), len(rows))
        return Tensor(out if ids.ndim == 2 else out[0])

    def _indices(self, inputs):
        ids = np.asarray(inputs.numpy() if isinstance(inputs, Tensor) else inputs)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"{self.describe()}: invert=True maps integer indices to tokens, got an array of "
                            f"dtype {ids.dtype}")
        return ids.astype(np.int64)

    def _inverted(self, ids):
        table = np.array(self.get_vocabulary(), dtype=self._token_dtype)
        valid = (ids >= 0) & (ids < len(table))
        out = np.full(ids.shape, self.oov_token, dtype=self._token_dtype)
        out[valid] = table[ids[valid]]
        return out

    def get_config(self):
        """The constructor's arguments, with the vocabulary (and idf weights) the layer holds now,
        adapted ones included, so ``from_config`` and ``load_model`` give the same lookup."""
        config = super().get_config()
        if self._tokens:
            config["vocabulary"] = self.get_vocabulary()
            config["has_input_vocabulary"] = self._has_input_vocabulary
            if self._idf is not None:
                config["idf_weights"] = self._idf[:self.vocabulary_size()].tolist()
        return config


class StringLookup(IndexLookup):
    """Map strings to indices (Keras's ``StringLookup``): ``output_mode`` "int" (int64 indices, the
    input's shape), "one_hot", "multi_hot", "count" or "tf_idf" (floats, the last axis becoming
    the vocabulary); ``invert=True`` maps indices back to strings.  One OOV index at most (Keras
    hashes strings into several with FarmHash, which is not offered here)."""

    _token_dtype = object

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False,
                 sparse=False, encoding="utf-8", name=None, salt=None, **kwargs):
        if isinstance(num_oov_indices, (int, np.integer)) and num_oov_indices > 1 or salt is not None:
            raise ValueError(f"StringLookup: num_oov_indices > 1 and salt are not supported (Keras spreads "
                             f"strings over OOV indices with FarmHash); use num_oov_indices=1 or 0, got "
                             f"num_oov_indices={num_oov_indices}, salt={salt}")
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, name, **kwargs)

    def _keys(self, x):
        return as_strings(self.describe(), x, self.encoding)


class IntegerLookup(IndexLookup):
    """Map integers to indices (Keras's ``IntegerLookup``; ``oov_token`` -1): the output modes of
    ``StringLookup``; with ``num_oov_indices > 1`` an unknown value ``v`` gets OOV index
    ``v mod num_oov_indices`` (Keras's "floormod")."""

    _token_dtype = np.int64

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup: only vocabulary_dtype='int64' is supported (as in Keras), got "
                             f"{vocabulary_dtype!r}")
        if oov_method != "floormod" or salt is not None:
            raise ValueError(f"IntegerLookup: oov_method='floormod' without salt is supported (Keras's "
                             f"'farmhash' is not), got oov_method={oov_method!r}, salt={salt}")
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, name, **kwargs)

    def _keys(self, x):
        a = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
        if a.dtype.kind == "f" and np.array_equal(a, np.round(a)):
            a = a.astype(np.int64)
        if a.dtype.kind not in "iub" and a.size:
            raise TypeError(f"{self.describe()}: expected integer tokens, got an array of dtype {a.dtype}; use "
                            "StringLookup for strings")
        return a.astype(np.int64)

    def _oov_bucket(self, tokens):
        return np.mod(np.asarray(tokens, np.int64), self.num_oov_indices)
