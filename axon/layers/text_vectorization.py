"""``TextVectorization``: raw text to token indices (or bag-of-words vectors) inside a model, with
Keras 3's arguments and rules.

Each string goes through five steps: standardize (by default ASCII-lowercase and delete
``string.punctuation``), split (by default on runs of ASCII whitespace), make n-grams (joined by a
space), look the tokens up in the vocabulary, encode.  ``"int"`` mode gives int64 indices, 0 for
padding and 1 for unknown tokens, padded at the end with 0 (or cut at the end) to
``output_sequence_length``, or to the batch's longest text when that is None; ``"multi_hot"``,
``"count"`` and ``"tf_idf"`` give one float vector per text, index 0 counting unknown tokens.

>>> layer = TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
>>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
>>> layer([["foo qux bar"], ["qux baz"]]).tolist()
[[4, 1, 3, 0], [1, 2, 0, 0]]
>>> TextVectorization(vocabulary=["earth", "wind", "and", "fire"]).get_vocabulary()
['', '[UNK]', 'earth', 'wind', 'and', 'fire']
>>> bag = TextVectorization(output_mode="count", vocabulary=["foo", "bar", "baz"])
>>> bag(["foo bar", "baz foo foo"]).numpy().tolist()
[[0.0, 1.0, 1.0, 0.0], [0.0, 2.0, 0.0, 1.0]]
"""
import itertools
import re
import string

import numpy as np

from ..tensor import Tensor
from .base import Layer
from .index_lookup import StringLookup, adapt_batches, as_strings, output_mode_of
from .input_layer import is_string_dtype

STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")
# Keras lowercases with tf.strings.lower, which changes ASCII letters only, and deletes the
# characters of string.punctuation (its regex [!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\'])
_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_STRIP = dict.fromkeys(map(ord, string.punctuation))
_TABLES = {"lower": _LOWER, "strip_punctuation": _STRIP, "lower_and_strip_punctuation": {**_LOWER, **_STRIP}}
_WORD = re.compile(r"[^ \t\n\v\f\r]+")  # tf.strings.split: runs of ASCII whitespace separate words


def ngrams(tokens, widths):
    """The n-grams of ``tokens`` for each width in ``widths``, in that order, joined by a space;
    a sequence shorter than a width gives none of it (tf.strings.ngrams without padding).

    >>> ngrams(["a", "b", "c"], (1, 2))
    ['a', 'b', 'c', 'a b', 'b c']
    """
    return [" ".join(tokens[i:i + n]) for n in widths for i in range(len(tokens) - n + 1)]


class TextVectorization(Layer):
    """Keras 3's ``TextVectorization``.

    ``standardize``: None, "lower", "strip_punctuation", "lower_and_strip_punctuation", or a
    callable that takes a NumPy array of str (the input's shape) and returns one of the same
    shape (Keras's rule for backends other than TensorFlow: ``np.char`` functions fit).
    ``split``: None (each string, or each element of a 2-D input, is one token), "whitespace",
    "character", or a callable that takes the 1-D array of standardized strings and returns one
    sequence of tokens per string (``np.char.split`` fits).  ``ngrams``: None, ``n`` (all 1..n-grams)
    or a tuple of widths.  ``max_tokens`` counts the reserved entries ("" and "[UNK]" in "int"
    mode, "[UNK]" otherwise).  ``pad_to_max_tokens``: vector outputs ``max_tokens`` wide.
    ``vocabulary`` (a list, or a text file path) and ``idf_weights`` replace ``adapt``.  Inputs
    are a batch of strings: a list, a 1-D array or an ``(N, 1)`` array (``N`` texts), or with
    ``split=None`` an ``(N, k)`` array of tokens.  ``sparse`` and ``ragged`` are not supported.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        owner = "TextVectorization"
        if not (standardize is None or callable(standardize) or standardize in STANDARDIZE):
            raise ValueError(f"{owner}: standardize must be None, one of {STANDARDIZE} or a callable, got "
                             f"{standardize!r}")
        if not (split is None or callable(split) or split in SPLIT):
            raise ValueError(f"{owner}: split must be None, one of {SPLIT} or a callable, got {split!r}")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)  # a config read back from JSON
        widths = _ngram_widths(ngrams)
        output_mode = output_mode_of(owner, output_mode, ("int", "multi_hot", "count", "tf_idf"))
        if output_mode == "int" and not (output_sequence_length is None or (
                isinstance(output_sequence_length, (int, np.integer)) and output_sequence_length > 0)):
            raise ValueError(f"{owner}: output_sequence_length must be None or a positive integer, got "
                             f"{output_sequence_length!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"{owner}: output_sequence_length is only for output_mode='int', got "
                             f"output_mode={output_mode!r}, output_sequence_length={output_sequence_length}")
        if ragged or sparse:
            raise ValueError(f"{owner}: ragged=True and sparse=True are not supported (Keras offers them on the "
                             "TensorFlow backend only); leave them False: 'int' outputs are padded to "
                             "output_sequence_length (or to the batch's longest text), the others are dense")
        if is_string_dtype(kwargs.get("dtype")):
            kwargs.pop("dtype")  # the layer's inputs are text; its outputs are int64 or floats
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize, self._split, self._ngrams = standardize, split, widths
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, mask_token="", vocabulary=vocabulary, idf_weights=idf_weights,
            output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, encoding=encoding,
            has_input_vocabulary=has_input_vocabulary, name=f"{self.name}_lookup")

    # ----- the vocabulary (kept by an inner StringLookup whose mask token is "")
    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order ("" and "[UNK]" first in "int" mode, "[UNK]" otherwise;
        ``include_special_tokens=False``: the tokens only)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The size of the vocabulary, its reserved entries included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (and, in "tf_idf" mode, ``idf_weights``) instead of adapting."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from ``data`` (a list or array of strings, an ``(N, 1)`` array, or an
        iterable of such batches, ``steps`` of them at most): tokens by count, high to low, ties by
        the token, high to low; ``max_tokens`` entries at most.  In "tf_idf" mode every text is a
        document.  ``batch_size`` is Keras's and changes nothing."""
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ValueError(f"{self.describe()}: cannot adapt a layer whose vocabulary was given to its "
                             "constructor; make one without vocabulary= to adapt")
        lookup.reset_state()
        for batch, _ in adapt_batches(self.describe(), data, steps):
            self.update_state(batch)
        lookup.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch of texts (``adapt`` without the final step)."""
        self._lookup_layer.count_rows(self._token_rows(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    # ----- the steps
    def _token_rows(self, inputs):
        """One list of tokens per text (standardized, split, n-grams made)."""
        strings = as_strings(self.describe(), inputs, self._encoding)
        if strings.ndim == 0 or strings.ndim > 2 or (
                self._split is not None and strings.ndim == 2 and strings.shape[1] != 1):
            want = "(N,) or (N, 1)" if self._split is not None else "(N,), (N, 1) or (N, tokens)"
            raise ValueError(f"{self.describe()}: expected a batch of texts of shape {want}, got shape "
                             f"{strings.shape}; pass a list of strings or np.array(texts)[:, None]")
        texts = self._standardized(strings)
        if self._split is None:
            k = strings.shape[1] if strings.ndim == 2 else 1
            rows = [texts[i:i + k] for i in range(0, len(texts), k)]
        elif self._split == "whitespace":
            rows = [_WORD.findall(t) for t in texts]
        elif self._split == "character":
            rows = [list(t) for t in texts]
        else:
            rows = self._split(np.array(texts, dtype=str).reshape(len(texts)))
            rows = [as_strings(self.describe(), r).ravel().tolist() for r in rows]
            if len(rows) != len(texts):
                raise ValueError(f"{self.describe()}: the split callable returned {len(rows)} rows for "
                                 f"{len(texts)} texts; return one sequence of tokens per text")
        if self._ngrams is not None:
            rows = [ngrams(r, self._ngrams) for r in rows]
        return rows

    def _standardized(self, strings):
        """The texts of ``strings`` (a flat list), standardized."""
        if self._standardize is None:
            return strings.ravel().tolist()
        if callable(self._standardize):
            out = as_strings(self.describe(), self._standardize(strings.astype(str)))
            if out.shape != strings.shape:
                raise ValueError(f"{self.describe()}: the standardize callable returned shape {out.shape} "
                                 f"for inputs of shape {strings.shape}; return an array of the same shape")
            return out.ravel().tolist()
        table = _TABLES[self._standardize]
        return [t.translate(table) for t in strings.ravel().tolist()]

    def call(self, inputs):
        rows = self._token_rows(inputs)
        lookup, length = self._lookup_layer, self._output_sequence_length
        if length is not None:
            rows = [r[:length] for r in rows]
        if self._output_mode != "int":
            lookup.output_depth()  # says that the vocabulary is missing before any work is done
        lengths = np.fromiter(map(len, rows), np.int64, count=len(rows))
        ids = lookup.lookup(list(itertools.chain.from_iterable(rows)))
        if self._output_mode != "int":
            return Tensor(lookup.bincount(ids, np.repeat(np.arange(len(rows)), lengths), len(rows)))
        width = length if length is not None else int(lengths.max(initial=0))
        out = np.zeros((len(rows), width), np.int64)
        out[np.arange(width) < lengths[:, None]] = ids  # row by row, each padded with 0 at the end
        return Tensor(out)

    def get_config(self):
        """The constructor's arguments, with the vocabulary (and idf weights) the layer holds now,
        adapted ones included, so ``from_config`` and ``load_model`` give the same layer."""
        config = super().get_config()
        inner = self._lookup_layer.get_config()
        for key in ("vocabulary", "idf_weights", "has_input_vocabulary"):
            if key in inner:
                config[key] = inner[key]
        return config


def _ngram_widths(ngrams):
    if ngrams is None:
        return None
    if isinstance(ngrams, (int, np.integer)) and not isinstance(ngrams, bool) and ngrams >= 1:
        return tuple(range(1, int(ngrams) + 1))
    if isinstance(ngrams, tuple) and ngrams and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in ngrams):
        return tuple(int(n) for n in ngrams)
    raise ValueError(f"TextVectorization: ngrams must be None, a positive integer or a tuple of positive "
                     f"integers, got {ngrams!r}")
