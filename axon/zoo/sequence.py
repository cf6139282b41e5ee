"""The other sequence configurations, beside sequence to sequence (``axon.zoo.seq2seq``).

- many-to-one: ``text_classifier``, a sentence (or intent) classifier:
  embedding, a recurrent encoder whose last state feeds a softmax layer;
- one-to-many: ``CharRNN``, a character-level language model that generates
  text from a seed, one sampled character at a time, with a temperature;
- many-to-many with equal lengths: ``sequence_tagger``, one tag per token
  (part of speech, capitalisation, named entities).

Small generated data sets (``make_intent_data``, ``make_tagging_data``) make
each runnable in seconds; see docs/sequences.md.

>>> import axon
>>> model = text_classifier(vocab_size=50, num_classes=3)
>>> model(np.array([[5, 6, 7, 0]])).shape
(1, 3)
"""
import numpy as np

from ..autograd import no_grad
from ..layers import Embedding, Dense, GRU, LSTM, SimpleRNN, Bidirectional, Dropout
from ..models.model import Model
from ..models.sequential import Sequential
from ..tensor import Tensor
from .. import backend
from .seq2seq import MaskedSparseCategoricalCrossentropy

_CELLS = {"gru": GRU, "lstm": LSTM, "rnn": SimpleRNN}


def _cell(cell):
    if cell not in _CELLS:
        raise ValueError(f"cell must be one of {sorted(_CELLS)}, got {cell!r}")
    return _CELLS[cell]


# ----- many-to-one

def text_classifier(vocab_size, num_classes, embed_dim=32, units=32, cell="gru", bidirectional=False,
                    dropout=0.0):
    """Token ids (N, T), 0 = padding -> class probabilities (N, num_classes).

    Compile with ``loss="sparse_categorical_crossentropy"``.
    """
    rnn = _cell(cell)(units)
    return Sequential([
        Embedding(vocab_size, embed_dim, mask_zero=True),
        Bidirectional(rnn) if bidirectional else rnn,
        Dropout(dropout),
        Dense(num_classes, activation="softmax"),
    ])


# ----- many-to-many, equal lengths

def sequence_tagger(vocab_size, num_tags, embed_dim=32, units=32, cell="gru", bidirectional=True):
    """Token ids (N, T) -> tag logits (N, T, num_tags), one tag per token.

    Tag 0 is reserved for padding: compile with
    ``loss=MaskedSparseCategoricalCrossentropy()`` so padded steps do not count.
    """
    rnn = _cell(cell)(units, return_sequences=True)
    return Sequential([
        Embedding(vocab_size, embed_dim, mask_zero=True),
        Bidirectional(rnn) if bidirectional else rnn,
        Dense(num_tags),
    ])


def masked_accuracy(y_true, logits, pad_id=0):
    """Share of non-padding positions whose arg-max matches the tag."""
    y = np.asarray(y_true)
    keep = y != pad_id
    pred = np.asarray(logits).argmax(-1)
    return float((pred == y)[keep].mean())


# ----- one-to-many: a character-level generator

class CharRNN(Model):
    """Next-character model: ids (N, T) -> logits (N, T, vocab_size); ``generate`` samples text.

    Train on windows of a text with the same window shifted by one as target
    (``char_windows``), then ``generate(seed, length, temperature)``: the seed
    primes the state and each sampled character is fed back.  A temperature
    below 1 sharpens the distribution (towards the arg-max), above 1 flattens it.
    """

    def __init__(self, vocab_size, embed_dim=16, units=64, cell="gru", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.vocab_size = int(vocab_size)
        self.embed = Embedding(vocab_size, embed_dim)
        self.rnn = _cell(cell)(units, return_sequences=True, return_state=True)
        self.out = Dense(vocab_size)

    def step(self, ids, states=None, training=None):
        outs = self.rnn(self.embed(ids), initial_state=states, training=training)
        seq = outs[0]
        n, t, h = seq.shape
        from .. import ops as F
        logits = F.reshape(self.out(F.reshape(seq, (n * t, h))), (n, t, self.vocab_size))
        return logits, list(outs[1:])

    def call(self, ids, training=None):
        return self.step(ids, None, training)[0]

    def generate(self, seed_ids, length, temperature=1.0, rng=None):
        """``length`` sampled ids following ``seed_ids`` (a list of ids, or (N, S) for N samples at once)."""
        rng = rng or backend.rng()
        seed = np.atleast_2d(np.asarray(seed_ids, dtype=np.int64))
        out = np.zeros((seed.shape[0], int(length)), dtype=np.int64)
        with no_grad():
            logits, states = self.step(Tensor(seed), None, training=False)
            for t in range(int(length)):
                z = logits.data[:, -1].astype(np.float64)
                if temperature <= 0:
                    nxt = z.argmax(-1)
                else:
                    z = z / temperature
                    p = np.exp(z - z.max(-1, keepdims=True))
                    p /= p.sum(-1, keepdims=True)
                    u = rng.random((len(p), 1))
                    nxt = np.minimum((p.cumsum(-1) < u).sum(-1), p.shape[-1] - 1)  # inverse CDF, batched
                out[:, t] = nxt
                logits, states = self.step(Tensor(nxt[:, None]), states, training=False)
        return out if np.ndim(seed_ids) == 2 else out[0]


class CharVocab:
    """Characters <-> ids for ``CharRNN`` (no padding or special tokens needed)."""

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
    """Inputs ``ids[i:i+length]`` and targets ``ids[i+1:i+1+length]`` for every ``step``-th i."""
    ids = np.asarray(ids)
    step = step or length
    starts = np.arange(0, len(ids) - length - 1, step)
    idx = starts[:, None] + np.arange(length)
    return ids[idx], ids[idx + 1]


# ----- small generated data sets

_INTENTS = {
    "greeting": ["hello there", "hi", "good morning", "hey how are you", "good evening to you"],
    "weather": ["what is the weather {when}", "will it rain {when}", "is it cold {when}",
                "how warm is it {when}"],
    "booking": ["book a table for {n}", "reserve a room for {n}", "i need a table for {n} {when}",
                "can you book a flight {when}"],
    "goodbye": ["bye", "see you {when}", "goodbye and thanks", "talk to you {when}"],
}
_FILL = {"when": ["today", "tomorrow", "tonight", "on monday", "this weekend", "later"],
         "n": ["two", "three", "four", "five people", "my family"]}


def make_intent_data(n, seed=0):
    """``n`` short English requests and their intent ids; returns (sentences, labels, intent_names)."""
    rng = np.random.default_rng(seed)
    names = list(_INTENTS)
    labels = rng.integers(len(names), size=n)
    sentences = []
    for y in labels:
        template = _INTENTS[names[y]][rng.integers(len(_INTENTS[names[y]]))]
        words = []
        for w in template.split():
            words.append(_FILL[w[1:-1]][rng.integers(len(_FILL[w[1:-1]]))] if w.startswith("{") else w)
        sentences.append(" ".join(words))
    return sentences, labels, names


_WORDS = {
    "DET": ["the", "a", "this", "my"],
    "ADJ": ["big", "small", "old", "red", "quick"],
    "NOUN": ["dog", "cat", "house", "walk", "book", "man"],
    "VERB": ["sees", "likes", "walk", "book", "finds"],
}
TAGS = ["<pad>", "DET", "ADJ", "NOUN", "VERB"]


def make_tagging_data(n, seed=0):
    """``n`` sentences "DET (ADJ) NOUN VERB DET (ADJ) NOUN" with part-of-speech tags.

    "walk" and "book" are nouns after a determiner or adjective and verbs after
    a noun, so a tagger needs the context of a word, not only the word.  Returns (token lists, tag-id lists); ``TAGS`` names the ids.
    """
    rng = np.random.default_rng(seed)
    sents, tags = [], []
    for _ in range(n):
        words, ts = [], []
        for part in ("np", "VERB", "np"):
            pattern = ["DET"] + (["ADJ"] if rng.random() < 0.5 else []) + ["NOUN"] if part == "np" else [part]
            for tag in pattern:
                choices = _WORDS[tag]
                words.append(choices[rng.integers(len(choices))])
                ts.append(TAGS.index(tag))
        sents.append(words)
        tags.append(ts)
    return sents, tags


def compile_tagger(model, learning_rate=1e-2):
    """Adam and the padding-masked cross-entropy, the usual settings for ``sequence_tagger``."""
    from .. import optimizers
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate), loss=MaskedSparseCategoricalCrossentropy())
    return model


__all__ = ["text_classifier", "sequence_tagger", "masked_accuracy", "CharRNN", "CharVocab", "char_windows",
           "make_intent_data", "make_tagging_data", "compile_tagger", "TAGS"]
