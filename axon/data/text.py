"""Text tools: tokenizing, vocabularies, padding, and readers for sentence-pair corpora.

>>> tokenize("Wir haben im Ausland geheiratet.")
['Wir', 'haben', 'im', 'Ausland', 'geheiratet', '.']
>>> v = Vocabulary.build([["ich", "habe", "Hunger"], ["ich", "bin", "müde"]])
>>> v.encode(["ich", "bin", "satt"], add_sos=True, add_eos=True)
[2, 4, 7, 1, 3]
>>> v.decode([4, 7, 1, 3, 5])
['ich', 'bin', '<unk>']
>>> pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post").tolist()
[[2, 3], [4, 0]]

Only NumPy is needed; everything here is plain Python over strings, and NumPy
over the index arrays.
"""
import json
import os
import re
from collections import Counter

import numpy as np

PAD, UNK, SOS, EOS = "<pad>", "<unk>", "<sos>", "<eos>"
SPECIALS = (PAD, UNK, SOS, EOS)

# a word (letters, digits, underscore in any script, with inner apostrophes or hyphens:
# "don't", "we’re", "E-Mail") or one punctuation mark
_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(".,!?;:%)]}'’»“")
_NO_SPACE_AFTER = set("([{«„¿¡")


def tokenize(text, lower=False):
    """Split ``text`` into words and punctuation marks (Unicode-aware: umlauts and ß are letters).

    >>> tokenize("Straße? Größe!", lower=True)
    ['straße', '?', 'größe', '!']
    """
    text = text.replace("’", "'")
    if lower:
        text = text.lower()
    return _TOKEN.findall(text)


def detokenize(tokens):
    """Join tokens into text: no space before closing punctuation nor after opening brackets.

    >>> detokenize(["we", "married", "abroad", "."])
    'we married abroad.'
    """
    out = []
    for tok in tokens:
        if out and tok not in _NO_SPACE_BEFORE and out[-1] not in _NO_SPACE_AFTER:
            out.append(" ")
        out.append(tok)
    return "".join(out)


class Vocabulary:
    """Word <-> index map with the special tokens ``<pad>`` = 0, ``<unk>`` = 1, ``<sos>`` = 2, ``<eos>`` = 3.

    ``build`` keeps the ``max_size`` most frequent tokens (specials included in
    the count) seen at least ``min_freq`` times; ties break by first appearance.
    Unknown tokens encode to ``<unk>``.
    """

    def __init__(self, tokens=()):
        self.itos = list(SPECIALS)
        self.itos += [t for t in tokens if t not in SPECIALS]
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("Vocabulary: the token list holds duplicates")

    pad_id, unk_id, sos_id, eos_id = 0, 1, 2, 3

    @classmethod
    def build(cls, tokenized_texts, max_size=None, min_freq=1):
        """From lists of tokens (or strings, which are tokenized): the most frequent ones."""
        counts = Counter()
        for item in tokenized_texts:
            counts.update(tokenize(item) if isinstance(item, str) else item)
        for s in SPECIALS:
            counts.pop(s, None)
        words = [w for w, c in counts.most_common() if c >= min_freq]
        if max_size is not None:
            if max_size < len(SPECIALS):
                raise ValueError(f"Vocabulary.build: max_size={max_size} leaves no room for the "
                                 f"{len(SPECIALS)} special tokens")
            words = words[:max_size - len(SPECIALS)]
        return cls(words)

    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def __getitem__(self, token):
        return self.stoi.get(token, self.unk_id)

    def encode(self, tokens, add_sos=False, add_eos=False):
        """Indices of ``tokens`` (a list, or a string that is tokenized); unknown ones become ``<unk>``."""
        if isinstance(tokens, str):
            tokens = tokenize(tokens)
        ids = [self.stoi.get(t, self.unk_id) for t in tokens]
        return ([self.sos_id] if add_sos else []) + ids + ([self.eos_id] if add_eos else [])

    def decode(self, ids, strip_special=True):
        """Tokens of ``ids``; stops at ``<eos>`` and drops ``<pad>``/``<sos>`` when ``strip_special``."""
        out = []
        for i in np.asarray(ids).ravel().tolist():
            if strip_special:
                if i == self.eos_id:
                    break
                if i in (self.pad_id, self.sos_id):
                    continue
            out.append(self.itos[i] if 0 <= i < len(self.itos) else UNK)
        return out

    def to_json(self):
        return json.dumps({"format": "axon-vocabulary", "tokens": self.itos}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text):
        obj = json.loads(text)
        if not isinstance(obj, dict) or obj.get("format") != "axon-vocabulary":
            raise ValueError("Vocabulary.from_json: not an Axon vocabulary (missing format 'axon-vocabulary')")
        tokens = obj["tokens"]
        if tuple(tokens[:len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"Vocabulary.from_json: the first tokens must be {SPECIALS}, got {tokens[:4]}")
        return cls(tokens[len(SPECIALS):])

    def save(self, path):
        from ..io import write_text
        write_text(path, self.to_json())

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls.from_json(f.read())

    def __repr__(self):
        return f"<Vocabulary of {len(self)} tokens>"


class Tokenizer:
    """Keras's ``Tokenizer``: word indices from 1 by frequency (0 is reserved for padding).

    >>> tok = Tokenizer(num_words=4, oov_token="<OOV>")
    >>> tok.fit_on_texts(["the cat sat", "the cat ran", "the dog"])
    >>> tok.word_index["<OOV>"], tok.word_index["the"], tok.word_index["cat"]
    (1, 2, 3)
    >>> tok.texts_to_sequences(["the dog sat"])
    [[2, 1, 1]]
    >>> tok.sequences_to_texts([[2, 3, 1]])
    ['the cat <OOV>']

    Only indices below ``num_words`` are used when converting; the others are
    dropped, or become ``oov_token`` when one is given.
    """

    def __init__(self, num_words=None, filters='!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n', lower=True,
                 split=" ", oov_token=None):
        self.num_words, self.filters, self.lower, self.split = num_words, filters, lower, split
        self.oov_token = oov_token
        self.word_counts = Counter()
        self.word_index, self.index_word = {}, {}
        self._table = str.maketrans({c: split for c in filters})

    def _words(self, text):
        if self.lower:
            text = text.lower()
        return [w for w in text.translate(self._table).split(self.split) if w]

    def fit_on_texts(self, texts):
        order = {}
        for text in texts:
            for w in self._words(text):
                self.word_counts[w] += 1
                order.setdefault(w, len(order))
        words = sorted(self.word_counts, key=lambda w: (-self.word_counts[w], order.get(w, 0)))
        if self.oov_token is not None:
            words = [self.oov_token] + [w for w in words if w != self.oov_token]
        self.word_index = {w: i + 1 for i, w in enumerate(words)}
        self.index_word = {i: w for w, i in self.word_index.items()}

    def texts_to_sequences(self, texts):
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        limit = self.num_words
        out = []
        for text in texts:
            seq = []
            for w in self._words(text):
                i = self.word_index.get(w)
                if i is not None and (limit is None or i < limit):
                    seq.append(i)
                elif oov is not None:
                    seq.append(oov)
            out.append(seq)
        return out

    def sequences_to_texts(self, sequences):
        oov = self.oov_token if self.oov_token in self.word_index else None
        out = []
        for seq in sequences:
            words = []
            for i in seq:
                w = self.index_word.get(int(i))
                if w is not None and (self.num_words is None or int(i) < self.num_words):
                    words.append(w)
                elif oov is not None:
                    words.append(oov)
            out.append(" ".join(words))
        return out

    def to_json(self):
        return json.dumps({"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                           "split": self.split, "oov_token": self.oov_token,
                           "word_counts": dict(self.word_counts), "word_index": self.word_index},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, text):
        obj = json.loads(text)
        tok = cls(obj["num_words"], obj["filters"], obj["lower"], obj["split"], obj["oov_token"])
        tok.word_counts = Counter(obj["word_counts"])
        tok.word_index = {w: int(i) for w, i in obj["word_index"].items()}
        tok.index_word = {i: w for w, i in tok.word_index.items()}
        return tok


def one_hot_encode(indices, num_classes, dtype="float32"):
    """Index arrays of any shape -> one-hot arrays with a last axis of ``num_classes``.

    >>> one_hot_encode([[1, 0]], 3).tolist()
    [[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]]
    """
    idx = np.asarray(indices, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ValueError(f"one_hot_encode: indices must lie in [0, {num_classes - 1}], "
                         f"got {idx.min()} to {idx.max()}")
    return np.eye(num_classes, dtype=dtype)[idx]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Keras's ``pad_sequences``: a ``(len(sequences), maxlen)`` array.

    ``maxlen`` defaults to the longest sequence; longer ones lose values at the
    start (``truncating='pre'``) or the end (``'post'``); shorter ones get
    ``value`` before (``padding='pre'``) or after (``'post'``).

    >>> pad_sequences([[1], [2, 3, 4]]).tolist()
    [[0, 0, 1], [2, 3, 4]]
    >>> pad_sequences([[1, 2, 3, 4]], maxlen=3, truncating="post", padding="post").tolist()
    [[1, 2, 3]]
    """
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding type "{padding}" not understood; use "pre" or "post"')
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating type "{truncating}" not understood; use "pre" or "post"')
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: `sequences` must be iterable (a list of lists)")
    lengths, sample_shape = [], None
    for s in sequences:
        if not hasattr(s, "__len__"):
            raise ValueError(f"pad_sequences: every sequence must be a list or array, found {s!r}")
        lengths.append(len(s))
        if sample_shape is None and len(s):
            sample_shape = np.asarray(s).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    maxlen = int(maxlen)
    if maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be >= 0, got {maxlen}")
    is_str = np.issubdtype(np.dtype(dtype), np.str_) or np.issubdtype(np.dtype(dtype), np.object_)
    if isinstance(value, str) and not is_str:
        raise ValueError(f"pad_sequences: dtype {dtype!r} cannot hold the padding value {value!r}; "
                         "use dtype=object for strings")
    x = np.full((len(lengths), maxlen) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return x
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if trunc.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: sequence {i} has items of shape {trunc.shape[1:]}, "
                             f"expected {tuple(sample_shape)} like the first non-empty sequence")
        if padding == "post":
            x[i, :len(trunc)] = trunc
        else:
            x[i, maxlen - len(trunc):] = trunc
    return x


# ----- characters, for character-level models

class CharVocab:
    """Characters <-> ids for a character-level model such as ``axon.zoo.CharRNN`` (no padding
    or special tokens: every character of the training text gets an id, in sorted order).

    >>> v = CharVocab("hello")
    >>> v.encode("hole").tolist(), v.decode([3, 2])
    ([1, 3, 2, 0], 'ol')
    """

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"CharVocab.encode: characters {missing} were not in the training text")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.chars[i] for i in np.asarray(ids).ravel())


def char_windows(ids, length, step=None):
    """Inputs ``ids[i:i+length]`` and targets ``ids[i+1:i+1+length]`` (the next character of
    each position) for every ``step``-th start i (default: ``length``, windows side by side).

    >>> x, y = char_windows(np.arange(8), 3)
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2], [3, 4, 5]], [[1, 2, 3], [4, 5, 6]])
    """
    ids = np.asarray(ids)
    step = step or length
    starts = np.arange(0, len(ids) - length, step)
    idx = starts[:, None] + np.arange(length)
    return ids[idx], ids[idx + 1]


# ----- sentence-pair corpora

def read_tsv_pairs(path, source_column=0, target_column=1, limit=None, encoding="utf-8"):
    """(source, target) pairs from a tab-separated file, one pair a line.

    The layout of the public sentence-pair collections (Tatoeba/Anki ``deu.txt``:
    ``English<TAB>German<TAB>attribution``) has extra columns, which are ignored.
    For German -> English from ``deu.txt`` pass ``source_column=1, target_column=0``.
    Blank lines and lines starting with ``#`` are skipped; a line with too few
    columns is an error that names the line.
    """
    need = max(source_column, target_column) + 1
    pairs = []
    for lineno, line in _text_lines(path, encoding, "read_tsv_pairs"):
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < need:
            raise ValueError(f"read_tsv_pairs: {path}:{lineno} has {len(cols)} tab-separated "
                             f"column(s), expected at least {need}: {line[:80]!r}; separate source and "
                             "target with a tab")
        src, tgt = cols[source_column].strip(), cols[target_column].strip()
        if src and tgt:
            pairs.append((src, tgt))
            if limit is not None and len(pairs) >= limit:
                break
    return pairs


def _text_lines(path, encoding, who, fix="or pass the file's encoding="):
    """``(line number, line)`` of a text file; a file that does not decode is a ``ValueError``
    naming the file, the line and the byte, and an empty file one saying so."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{who}: no file {path!r}; check the path")
    if os.path.getsize(path) == 0:
        raise ValueError(f"{who}: {path} is empty; expected sentence pairs, one a line")
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                yield lineno, raw.decode(encoding)
            except UnicodeDecodeError as e:
                raise ValueError(f"{who}: {path}:{lineno} is not {encoding} text (byte {raw[e.start]:#04x} at "
                                 f"column {e.start + 1}); it is probably Latin-1: convert it with "
                                 f"'iconv -f latin1 -t utf-8' ({fix})") from None


TRANS_DE_EN = "/usr/share/trans/de-en"
_BRACES = re.compile(r"\{[^}]*\}|\[[^\]]*\]|<[^>]*>")
_PARENS = re.compile(r"\([^()]*\)")
_SPACES = re.compile(r"\s+")
_SPACE_PUNCT = re.compile(r"\s+([.,!?;:])")
_SENTENCE = re.compile(r"^[^\W\d_].*[.?!]$")


def clean_ding(text):
    """A Ding dictionary entry without its annotations: ``{f}``, ``[Br.]``, ``<...>`` and ``(...)``.

    >>> clean_ding("Es ist (schon) ewig her [ugs.].")
    'Es ist ewig her.'
    """
    text = _BRACES.sub(" ", text)
    prev = None
    while prev != text:  # nested parentheses
        prev, text = text, _PARENS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_PUNCT.sub(r"\1", text)


def _maybe_sentence(raw, min_words):
    """False when ``raw`` can not become a complete sentence after cleaning (no end mark, too few words)."""
    return ("." in raw or "?" in raw or "!" in raw) and raw.count(" ") + 1 >= min_words


def _complete_sentence(text, min_words, max_words):
    return (bool(_SENTENCE.match(text)) and text[0].isupper()
            and min_words <= len(text.split()) <= max_words)


def read_trans_de_en(path=TRANS_DE_EN, min_words=3, max_words=12, limit=None):
    """German -> English sentence pairs from the Ding dictionary (Debian package ``trans-de-en``).

    Lines read ``de | de ... :: en | en ...``; the ``|`` alternatives are
    aligned on both sides.  Each aligned pair keeps its first ``;`` alternative,
    loses its annotations (see ``clean_ding``), and is kept when both sides are
    complete sentences: capitalised, ending in ``.``, ``?`` or ``!``, with
    ``min_words`` to ``max_words`` words.  Duplicates are removed.  The full
    file gives about 16,900 pairs, e.g. ("Wir haben im Ausland geheiratet.",
    "We married abroad.").
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"read_trans_de_en: {path} not found; install the Debian package "
                                "trans-de-en (apt-get install trans-de-en) or pass path=")
    pairs, seen, entries = [], set(), 0
    for _, line in _text_lines(path, "utf-8", "read_trans_de_en", "the Ding format is UTF-8"):
        if line.startswith("#") or "::" not in line:
            continue
        entries += 1
        de, en = line.rstrip("\n").split("::", 1)
        de_parts, en_parts = de.split("|"), en.split("|")
        if len(de_parts) != len(en_parts):
            continue
        for d, e in zip(de_parts, en_parts):
            d, e = d.split(";")[0], e.split(";")[0]
            if not (_maybe_sentence(d, min_words) and _maybe_sentence(e, min_words)):
                continue  # cheap test first: most entries are words and phrases
            d = clean_ding(d).replace("’", "'")
            if not _complete_sentence(d, min_words, max_words):
                continue
            e = clean_ding(e).replace("’", "'")
            if (d, e) in seen or not _complete_sentence(e, min_words, max_words):
                continue
            seen.add((d, e))
            pairs.append((d, e))
            if limit is not None and len(pairs) >= limit:
                return pairs
    if not entries:
        raise ValueError(f"read_trans_de_en: {path} holds no 'German :: English' lines; expected the Ding "
                         "dictionary format of trans-de-en (for other pair files use read_tsv_pairs)")
    return pairs


def split_by_source(pairs, test_fraction=0.1, seed=0):
    """Split pairs into (train, test) so that every pair sharing a source sentence lands on one side.

    Sources are shuffled with ``seed`` and assigned whole until the test side
    holds about ``test_fraction`` of the pairs.

    >>> pairs = [("a", "x"), ("a", "y"), ("b", "z"), ("c", "w")]
    >>> train, test = split_by_source(pairs, 0.5)
    >>> sorted(set(s for s, _ in train) & set(s for s, _ in test))
    []
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"split_by_source: test_fraction must be in (0, 1), got {test_fraction}")
    groups = {}
    for i, (src, _) in enumerate(pairs):
        groups.setdefault(src, []).append(i)
    sources = list(groups)
    order = np.random.default_rng(seed).permutation(len(sources))
    want = test_fraction * len(pairs)
    test_idx, n = set(), 0
    for k in order:
        if n >= want:
            break
        members = groups[sources[k]]
        test_idx.update(members)
        n += len(members)
    train = [p for i, p in enumerate(pairs) if i not in test_idx]
    test = [p for i, p in enumerate(pairs) if i in test_idx]
    return train, test


__all__ = ["PAD", "UNK", "SOS", "EOS", "SPECIALS", "tokenize", "detokenize", "Vocabulary", "Tokenizer",
           "one_hot_encode", "pad_sequences", "read_tsv_pairs", "read_trans_de_en", "clean_ding",
           "split_by_source", "TRANS_DE_EN", "CharVocab", "char_windows"]
