"""The Markov chain text generator (Shannon, 1948): the next symbol (character or word) is drawn from
the counts of what followed the previous ``order`` symbols in the training text, with add-k
(Laplace) smoothing for what was never seen.  It is the n-gram baseline a recurrent network is
measured against: it needs no training beyond counting, but its memory is exactly ``order`` symbols
and its table grows with every context seen, where an RNN keeps a learnt, compressed state.

>>> mc = MarkovChain(order=2, seed=0).fit("abcabcabcabcabc")
>>> mc.sample(9, seed_text="ab", temperature=0)
'cabcabcab'
>>> round(mc.perplexity("abcabc"), 2) < 2.0
True
"""
import os
import re

import numpy as np

from ... import backend
from ...models.model import Model
from ...tensor import Tensor, to_numpy

BOUNDARY, UNKNOWN = 0, 1  # the ids before the first symbol of a text, and of symbols the text never had
LEVELS = ("char", "word")


def tokens_of(text, level):
    """The symbols of ``text``: its characters, or its words and punctuation marks."""
    if not isinstance(text, str):
        raise ValueError(f"MarkovChain: the text must be a str, got {type(text).__name__}; read the file first, "
                         "e.g. open(path, encoding='utf-8').read()")
    return list(text) if level == "char" else re.findall(r"\w+|[^\w\s]", text)


class MarkovChain(Model):
    """An order-``order`` Markov chain over characters (``level="char"``) or words (``"word"``).

    ``fit(text)`` counts every (context, next symbol) pair, the context being the previous ``order``
    symbols (the start of a text padded with a boundary symbol); fitting again adds the new text's
    counts.  P(next | context) = (count + k) / (context count + k V), V the symbols seen plus one
    for unknown ones.  ``sample(n, seed_text, temperature)`` generates ``n`` symbols, ``perplexity(text)``
    is exp of the mean negative log-probability per symbol of ``text``, and calling the model on ids
    (N, T) (``encode``) gives log-probabilities (N, T, V + 1) of the next symbol at every position.

    The counts are a sorted table of codes (one per pair seen) and counts, held as weights, so the
    chain saves and loads like any model.  ``fit`` is the closed-form, Keras-style entry: counting is
    the whole learning, so it does not go through ``train_step``.
    """

    def __init__(self, order=3, level="char", k=1.0, vocabulary=None, seed=None, name=None, **kwargs):
        num_ngrams = int(kwargs.pop("num_ngrams", 0))  # written by get_config: the size of the saved table
        super().__init__(name=name, **kwargs)
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
            raise ValueError(f"MarkovChain: order must be a whole number >= 0 (the symbols of context), got {order!r}")
        if level not in LEVELS:
            raise ValueError(f"MarkovChain: level must be 'char' or 'word', got {level!r}")
        if not np.isscalar(k) or not k > 0:
            raise ValueError(f"MarkovChain: k must be a number > 0 (add-k smoothing; 1 is Laplace's), got {k!r}")
        self.order, self.level, self.k, self.seed = int(order), level, float(k), seed
        self.vocabulary = None if vocabulary is None else list(vocabulary)
        self._num_ngrams = num_ngrams
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def get_config(self):
        config = super().get_config()
        config["vocabulary"] = self.vocabulary
        config["num_ngrams"] = int(self.ngram_codes.shape[0]) if self.built else 0
        return config

    @property
    def base(self):
        """The number of ids: boundary, unknown and the vocabulary."""
        return len(self.vocabulary or ()) + 2

    def build(self, input_shape):
        if self.vocabulary is None:
            raise ValueError(f"{self.describe()}: no vocabulary yet; call fit(text) first (or pass vocabulary=)")
        self.ngram_codes = self.add_weight("ngram_codes", (self._num_ngrams,), "zeros", dtype="int64", trainable=False)
        self.ngram_counts = self.add_weight("ngram_counts", (self._num_ngrams,), "zeros", dtype="float64",
                                            trainable=False)

    # ----- symbols and ids
    def encode(self, text):
        """The ids (T,) of the symbols of ``text`` (unknown symbols get the unknown id)."""
        index = {s: i + 2 for i, s in enumerate(self.vocabulary)}
        return np.array([index.get(s, UNKNOWN) for s in tokens_of(text, self.level)], dtype=np.int64)

    def decode(self, ids):
        symbols = [self.vocabulary[i - 2] if i >= 2 else "" for i in np.asarray(ids).ravel()]
        return "".join(symbols) if self.level == "char" else _join_words(symbols)

    def _context_codes(self, ids):
        """Codes (..., T) of the ``order`` ids before each position of ids (..., T), boundary-padded."""
        b, n = self.base, self.order
        padded = np.concatenate([np.full(ids.shape[:-1] + (n,), BOUNDARY, np.int64), ids], -1)
        codes = np.zeros(ids.shape, np.int64)
        for j in range(n):  # the order of the chain, a handful of steps over whole arrays
            codes = codes * b + padded[..., j:j + ids.shape[-1]]
        return codes

    # ----- learning
    def fit(self, text, verbose=0):
        """Count the (context, next symbol) pairs of ``text`` (a str); returns the chain."""
        symbols = tokens_of(text, self.level)
        if len(symbols) == 0:
            what = "characters" if self.level == "char" else "words"
            raise ValueError(f"{self.describe()}.fit: the text holds no {what}; pass a non-empty text")
        if self.vocabulary is None:
            self.vocabulary = sorted(set(symbols))
        if float(self.base) ** (self.order + 1) >= 2.0 ** 62:
            raise ValueError(f"{self.describe()}: {self.base} symbols to the power order + 1 = {self.order + 1} "
                             "do not fit 64-bit codes; lower the order or use level='char'")
        if not self.built:
            self(np.zeros((1, 1), np.int64), training=False)
        ids = self.encode(text)
        codes = self._context_codes(ids) * self.base + ids
        new, counts = np.unique(codes, return_counts=True)
        old_codes, old_counts = self.ngram_codes.data, self.ngram_counts.data
        merged, inverse = np.unique(np.concatenate([old_codes, new]), return_inverse=True)
        total = np.bincount(inverse, weights=np.concatenate([old_counts, counts.astype(np.float64)]),
                            minlength=len(merged))
        self.ngram_codes.data = merged.astype(np.int64)
        self.ngram_counts.data = total
        self._num_ngrams = len(merged)
        if verbose:
            print(f"{self.describe()}: {len(ids)} symbols, {len(merged)} distinct {self.order + 1}-grams")
        return self

    # ----- probabilities
    def _pair_and_context_counts(self, context, nxt):
        """Counts of (context, nxt) and of the context, for code arrays of one shape."""
        codes, counts = self.ngram_codes.data, self.ngram_counts.data
        cum = np.concatenate([[0.0], np.cumsum(counts)])
        pair = context * self.base + nxt
        at = np.minimum(np.searchsorted(codes, pair), max(len(codes) - 1, 0))
        pair_count = np.where(codes[at] == pair, counts[at], 0.0) if len(codes) else np.zeros(pair.shape)
        lo = np.searchsorted(codes, context * self.base)
        hi = np.searchsorted(codes, (context + 1) * self.base)
        return pair_count, cum[hi] - cum[lo]

    def next_distribution(self, context_code, smoothed=True):
        """P(next id) (base,) after one context code (the boundary id has probability 0); with
        ``smoothed=False`` the counts alone, when the context was seen."""
        codes, counts = self.ngram_codes.data, self.ngram_counts.data
        lo, hi = np.searchsorted(codes, [context_code * self.base, (context_code + 1) * self.base])
        p = np.full(self.base, self.k if smoothed or hi == lo else 0.0)
        p[codes[lo:hi] % self.base] += counts[lo:hi]
        p[BOUNDARY] = 0.0
        return p / p.sum()

    def log_probabilities(self, ids):
        """log P of each id (..., T) given the ids before it (boundary-padded)."""
        ids = np.asarray(ids, dtype=np.int64)
        pair, context = self._pair_and_context_counts(self._context_codes(ids), ids)
        return np.log((pair + self.k) / (context + self.k * (self.base - 1)))

    def perplexity(self, text):
        """exp(mean negative log-probability per symbol) of ``text`` under the chain (lower is better)."""
        self._check_fitted("perplexity")
        ids = self.encode(text)
        if len(ids) == 0:
            raise ValueError(f"{self.describe()}.perplexity: the text holds no symbols")
        return float(np.exp(-self.log_probabilities(ids).mean()))

    def call(self, ids):
        """Log-probabilities (N, T, base) of the next id at every position of ids (N, T)."""
        ids = np.asarray(to_numpy(ids)).astype(np.int64)
        context = self._context_codes(np.concatenate([ids, np.zeros(ids.shape[:-1] + (1,), np.int64)], -1))[..., 1:]
        grid = np.broadcast_to(np.arange(self.base), context.shape + (self.base,))
        pair, total = self._pair_and_context_counts(context[..., None], grid)
        logp = np.log((pair + self.k) / (total + self.k * (self.base - 1)))
        logp[..., BOUNDARY] = -np.inf
        return Tensor(logp.astype(np.float32))

    # ----- generating
    def sample(self, n, seed_text="", temperature=1.0, rng=None):
        """``n`` symbols generated after ``seed_text`` (as text: characters joined, words spaced).

        ``temperature`` < 1 sharpens the distribution (0 takes the most likely symbol), > 1 flattens it.
        Sampling follows the counts, as a Markov text generator does: after a context never seen (a seed
        the text did not hold) it backs off to the longest ending of the context that was seen.
        """
        self._check_fitted("sample")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{self.describe()}.sample: n must be a whole number >= 0 (symbols to generate), "
                             f"got {n!r}")
        if not np.isscalar(temperature) or temperature < 0:
            raise ValueError(f"{self.describe()}.sample: temperature must be a number >= 0, got {temperature!r}")
        rng = rng or self._rng or backend.rng()
        history = [BOUNDARY] * self.order + self.encode(seed_text).tolist()
        out = []
        for _ in range(int(n)):  # each symbol depends on the ones drawn before it
            p = self._backoff_counts(history[len(history) - self.order:] if self.order else [])
            p[[BOUNDARY, UNKNOWN]] = 0.0
            if temperature == 0:
                nxt = int(p.argmax())
            else:
                logits = np.where(p > 0, np.log(np.maximum(p, 1e-300)) / temperature, -np.inf)
                q = np.exp(logits - logits.max())
                nxt = int(rng.choice(self.base, p=q / q.sum()))
            history.append(nxt)
            out.append(nxt)
        return self.decode(out)

    def _backoff_counts(self, context):
        """Counts (base,) of the symbols that followed the longest ending of ``context`` (ids) seen."""
        codes, counts = self.ngram_codes.data, self.ngram_counts.data
        contexts, nxt = codes // self.base, codes % self.base
        for j in range(len(context), -1, -1):  # back off one symbol at a time, at most ``order`` times
            suffix = 0
            for i in context[len(context) - j:]:
                suffix = suffix * self.base + i
            if j == len(context):  # the whole context: the codes of one context are contiguous
                lo, hi = np.searchsorted(codes, [suffix * self.base, (suffix + 1) * self.base])
                seen = np.zeros(len(codes), bool)
                seen[lo:hi] = True
            else:
                seen = contexts % self.base ** j == suffix
            if seen.any():
                return np.bincount(nxt[seen], weights=counts[seen], minlength=self.base).astype(np.float64)
        return np.ones(self.base)

    def _check_fitted(self, what):
        if not self.built or self.ngram_codes.shape[0] == 0:
            raise ValueError(f"{self.describe()}.{what}: the chain has counted nothing; call fit(text) first")


def _join_words(words):
    text = " ".join(w for w in words if w)
    return re.sub(r" ([^\w\s])", r"\1", text)


# ----- show

GPL_3 = "/usr/share/common-licenses/GPL-3"


def _text():
    """(text, where it comes from): the GNU GPL version 3 as Debian ships it, else the Zen of Python."""
    if os.path.exists(GPL_3):
        with open(GPL_3, encoding="utf-8") as f:
            return f.read(), f"the GNU GPL v3 ({GPL_3})"
    import codecs
    import this  # noqa: F401  (printing the Zen is its import's side effect; the text is this.s, rot13)
    return codecs.decode(this.s, "rot13"), "the Zen of Python (the stdlib's this module)"


def _rnn_perplexity(model, ids):
    """exp(mean cross-entropy) of the char RNN predicting ids[1:] from ids[:-1], one pass from a zero state."""
    from ...autograd import no_grad
    with no_grad():
        logits = to_numpy(model(ids[None, :-1], training=False))[0].astype(np.float64)
    top = logits.max(1, keepdims=True)
    lse = np.log(np.exp(logits - top).sum(1)) + top[:, 0]
    return float(np.exp(np.mean(lse - logits[np.arange(len(logits)), ids[1:]])))


def show(out_dir, quick=False):
    """Test perplexity and samples of Markov chains of orders 0-6 against the char RNN, same text."""
    from ...data import CharVocab, char_windows
    from ...losses import SparseCategoricalCrossentropy
    from ...optimizers import Adam
    from ...utils.plots import pyplot, save_figure
    from ..sequence.char_rnn import CharRNN
    from ..showcase import Shown, write_page

    text, source = _text()
    cut, held = int(0.8 * len(text)), int(0.9 * len(text))
    train = text[:cut]
    known = set(train)
    val = "".join(c for c in text[cut:held] if c in known)  # both models then know every symbol
    test = "".join(c for c in text[held:] if c in known)
    orders = list(range(0, 7))
    chains = {o: MarkovChain(order=o, k=0.05, seed=0).fit(train) for o in orders}
    chain_ppl = {o: chains[o].perplexity(test) for o in orders}
    best = min(orders, key=lambda o: chains[o].perplexity(val))  # chosen on the validation part

    backend.manual_seed(0)
    vocab = CharVocab(train)
    x, y = char_windows(vocab.encode(train), 64, 32)
    units = 64 if quick else 128
    rnn = CharRNN(len(vocab), embed_dim=32, units=units)
    rnn.compile(optimizer=Adam(learning_rate=0.005), loss=SparseCategoricalCrossentropy(from_logits=True))
    val_ids, test_ids = vocab.encode(val), vocab.encode(test)
    epochs = 3 if quick else 20
    curve, best_val, kept = [], np.inf, None
    for _ in range(epochs):
        rnn.fit(x, y, epochs=1, batch_size=32, verbose=0)
        curve.append(_rnn_perplexity(rnn, val_ids))
        if curve[-1] < best_val:  # early stopping on the validation part
            best_val, kept = curve[-1], rnn.get_weights()
    rnn.set_weights(kept)
    stop = int(np.argmin(curve)) + 1
    rnn_ppl = _rnn_perplexity(rnn, test_ids)
    seed_text = "The "
    chain_sample = chains[best].sample(240, seed_text=seed_text, temperature=1.0)
    rnn_sample = vocab.decode(rnn.generate(vocab.encode(seed_text), 240, temperature=1.0,
                                           rng=np.random.default_rng(0)))

    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.3))
    a.plot(orders, [chain_ppl[o] for o in orders], "o-", label="Markov chain (add-0.05)")
    a.axhline(rnn_ppl, color="C3", ls="--", label=f"char RNN (GRU, {stop} epochs)")
    a.set_xlabel("order (characters of context)")
    a.set_ylabel("test perplexity per character")
    a.set_title("Held-out test perplexity (lower is better)")
    a.legend()
    a.grid(alpha=0.3)
    b.plot(range(1, epochs + 1), curve, "C3o-", label="char RNN")
    b.axhline(chains[best].perplexity(val), color="C0", ls="--", label=f"best chain (order {best})")
    b.axvline(stop, color="0.5", ls=":", label="kept (lowest validation)")
    b.set_xlabel("RNN training epoch")
    b.set_ylabel("validation perplexity")
    b.set_title("The RNN's learning curve (validation part)")
    b.legend()
    b.grid(alpha=0.3)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "markov_chain.png")
    save_figure(fig, path)
    quote = lambda s: "    " + (seed_text + s).replace("\n", "\n    ")  # noqa: E731
    shown = Shown(
        "Markov chain (MC)",
        "A Markov chain predicts the next character from counts of what followed the last n characters: it "
        "needs no training beyond counting and generates locally plausible text, but its memory is exactly n "
        "symbols and its contexts thin out as n grows, so held-out perplexity falls and then rises again with "
        "the order; a recurrent network learns a compressed state instead, whose reach is not fixed.",
        dict({f"chain order {o} perplexity": chain_ppl[o] for o in orders},
             **{"char RNN perplexity": rnn_ppl, "best chain order": best, "RNN epochs kept": stop,
                "training characters": len(train), "test characters": len(test)}),
        [f"Text: {source}; the first 80% ({len(train)} characters) trains, the next 10% chooses the chain's "
         f"order and the RNN's epoch, the last 10% ({len(test)}) is the test.  The chain of order {best} is "
         f"best ({chain_ppl[best]:.2f} per character on the test); lower orders know too little context, "
         f"higher ones have seen too few of their contexts.  The GRU char RNN ({units} units) reaches "
         f"{rnn_ppl:.2f} after {stop} epochs: "
         + (f"{chain_ppl[best] / rnn_ppl:.2f} times lower than the best chain." if rnn_ppl < chain_ppl[best] else
            f"on a text this small the smoothed chain is the stronger model (the RNN's perplexity is "
            f"{rnn_ppl / chain_ppl[best]:.2f} times the chain's); the RNN would need more text."),
         "", f"Order-{best} chain, sampled after {seed_text!r}:", "", quote(chain_sample), "",
         "Char RNN, sampled after the same seed:", "", quote(rnn_sample), ""],
        {"figure": path})
    write_page(shown, out_dir, "markov_chain")
    return shown


__all__ = ["MarkovChain", "tokens_of", "show"]

from ..registry import register  # noqa: E402

register("markov_chain", MarkovChain)
