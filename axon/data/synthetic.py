"""Small generated data sets that make a sequence model learn in seconds (docs/sequences.md).

- ``make_intent_data``: short English requests labelled with their intent
  (greeting, weather, booking, goodbye), for a many-to-one classifier;
- ``make_tagging_data``: sentences with a part-of-speech tag per word (names in
  ``TAGS``, 0 for padding), for a many-to-many tagger;
- ``make_recall_data``: remember the first symbol of a sequence across ``lag`` steps of
  distractors, a task for a recurrent network's memory.

>>> sentences, labels, names = make_intent_data(3, seed=0)
>>> len(sentences), names
(3, ['greeting', 'weather', 'booking', 'goodbye'])
>>> words, tags = make_tagging_data(1, seed=0)
>>> len(words[0]) == len(tags[0]), {TAGS[t] for t in tags[0]} <= set(TAGS[1:])
(True, True)
>>> x, y = make_recall_data(2, lag=5, seed=0)
>>> x.shape, bool((x[np.arange(2), 0, y] == 1).all())
((2, 6, 4), True)
"""
import numpy as np

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
    a noun, so a tagger needs the context of a word, not only the word.
    Returns (token lists, tag-id lists); ``TAGS`` names the ids.
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


def make_recall_data(n, lag, symbols=4, seed=0):
    """``n`` sequences of ``lag + 1`` one-hot symbols (of ``symbols``); the label is the first one, the
    ``lag`` after it are random distractors on the same channels, so a model must keep one symbol in
    its state while it reads ``lag`` others.

    Returns ``x`` float32 (n, lag + 1, symbols) and ``y`` int64 (n,); chance is ``1 / symbols``.
    """
    if lag < 0 or symbols < 2:
        raise ValueError(f"make_recall_data: need lag >= 0 and symbols >= 2, got lag={lag}, symbols={symbols}")
    rng = np.random.default_rng(seed)
    sequence = rng.integers(symbols, size=(n, lag + 1))
    x = np.zeros((n, lag + 1, symbols), dtype=np.float32)
    x[np.arange(n)[:, None], np.arange(lag + 1)[None, :], sequence] = 1.0
    return x, sequence[:, 0].astype(np.int64)


__all__ = ["make_intent_data", "make_tagging_data", "make_recall_data", "TAGS"]
