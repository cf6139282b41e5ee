"""Lab 2, German -> English translation with and without attention:
``run(TranslateConfig(...)) -> TranslateResults``.

Trains a GRU encoder-decoder with Bahdanau attention on the German-English
sentence pairs of the Ding dictionary (Debian ``trans-de-en``), or on any pair
file (``pairs=FILE, format="tsv"``), then the same model without attention,
and writes to ``config.out``: the attention model with its vocabularies (an
``axon.zoo.Translator``, for ``axon translate``), the model without attention
in ``no_attention/``, learning curves, attention heat maps, and ``report.md``
with corpus-level BLEU (sacrebleu, default 13a tokenisation, signature
printed) on held-out pairs whose source sentences never occur in training.
"""
import os
from dataclasses import dataclass, field

import numpy as np

from . import checks
from .report import Report, Stopwatch, Timing


@dataclass
class TranslateConfig:
    """Settings of Lab 2.  The defaults were chosen by held-out BLEU within ~15 minutes on 2 cores
    (README.md: BLEU 4.27 with attention, 1.03 without): all ~16.5k complete-sentence pairs of at
    most 12 words, words seen twice or more, a fast Adam with small batches (BLEU kept rising
    after the validation loss turned up, so there is no early stopping); beam 4 adds about 0.6
    BLEU over greedy.

    ``pairs``: a pair file (default: the Debian trans-de-en dictionary); ``format``:
    "ding" or "tsv" (default: ding without ``pairs``, tsv with it), the tsv source and
    target in ``source_column`` and ``target_column``; ``limit``: at most this many
    pairs after filtering; ``compare``: also train the model without attention.
    """
    pairs: str | None = None
    format: str | None = None
    source_column: int = 0
    target_column: int = 1
    out: str = "runs/translate"
    epochs: int = 12
    units: int = 256
    embed_dim: int = 128
    cell: str = "gru"
    max_len: int = 12
    vocab_size: int = 6000
    min_freq: int = 2
    limit: int | None = None
    beam: int = 4
    batch_size: int = 32
    learning_rate: float = 4e-3
    dropout: float = 0.2
    test_fraction: float = 0.1
    compare: bool = True
    seed: int = 0
    verbose: int = 1

    def __post_init__(self):
        self.format = self.format or ("tsv" if self.pairs else "ding")
        checks.one_of("format", self.format, ("ding", "tsv"))
        if self.format == "tsv" and not self.pairs:
            raise ValueError("format 'tsv' needs a pair file (pairs=FILE, --pairs FILE)")
        checks.one_of("cell", self.cell, ("gru", "lstm"))
        for name in ("epochs", "units", "embed_dim", "max_len", "min_freq", "beam", "batch_size"):
            checks.at_least(name, getattr(self, name), 1)
        for name in ("source_column", "target_column"):
            checks.at_least(name, getattr(self, name), 0)
        checks.at_least("vocab_size", self.vocab_size, 5)  # the 4 special tokens and a word
        checks.at_least("limit", self.limit, 10, optional=True)
        checks.positive("learning_rate", self.learning_rate)
        checks.fraction("dropout", self.dropout, zero_ok=True)
        checks.fraction("test_fraction", self.test_fraction)
        checks.one_of("verbose", self.verbose, (0, 1, 2))


@dataclass
class Corpus:
    """The pairs as the lab used them: read, filtered, split by source sentence, as index arrays."""
    origin: str
    n_read: int
    train: list
    val: list
    test: list
    src_vocab: object
    tgt_vocab: object
    arrays: dict
    max_tokens: int

    @property
    def n_used(self):
        return len(self.train) + len(self.val) + len(self.test)


@dataclass
class TranslationRun:
    """One trained model and its held-out evaluation.  ``outputs``: one dict per test pair (see
    ``Translator.translate``); ``bleu_unk_replaced``: BLEU after each ``<unk>`` output became the
    source word it attended to most (attention models only)."""
    name: str
    translator: object
    history: dict
    training: Timing
    bleu: float
    bleu_details: str
    signature: str
    bleu_unk_replaced: float | None
    outputs: list
    folder: str
    curves: str


@dataclass
class TranslateResults:
    """``runs``: "attention" and (when compared) "no_attention"; ``attention_maps``: PNG paths."""
    config: TranslateConfig
    corpus: Corpus
    runs: dict
    attention_maps: list
    total: Timing
    files: dict = field(default_factory=dict)


def load_pairs(config):
    """(source, target) pairs and where they came from."""
    from ..data.text import read_trans_de_en, read_tsv_pairs
    if config.format == "ding":
        if config.pairs:
            return read_trans_de_en(config.pairs), config.pairs
        return read_trans_de_en(), "Ding dictionary (Debian trans-de-en)"
    return read_tsv_pairs(config.pairs, config.source_column, config.target_column), config.pairs


def prepare(config, log):
    """Pairs filtered by length, shuffled, limited, split by source; vocabularies; index arrays."""
    from ..data.text import Vocabulary, split_by_source, tokenize
    from ..zoo.sequence import make_arrays
    c = config
    pairs, origin = load_pairs(c)
    n_read = len(pairs)
    pairs = [(s, t) for s, t in pairs
             if len(tokenize(s)) <= c.max_len + 1 and len(tokenize(t)) <= c.max_len + 1
             and len(s.split()) <= c.max_len and len(t.split()) <= c.max_len]
    order = np.random.default_rng(c.seed).permutation(len(pairs))
    pairs = [pairs[i] for i in order]
    if c.limit:
        pairs = pairs[:c.limit]
    if len(pairs) < 10:
        raise ValueError(f"only {len(pairs)} of the {n_read} pairs of {origin} have at most {c.max_len} words "
                         "a side; need at least 10 (raise max_len or give another pair file)")
    train, test = split_by_source(pairs, c.test_fraction, seed=c.seed)
    train, val = split_by_source(train, 0.05, seed=c.seed + 1)
    build = lambda texts: Vocabulary.build([tokenize(t, True) for t in texts], max_size=c.vocab_size,
                                           min_freq=c.min_freq)
    src_vocab, tgt_vocab = build([s for s, _ in train]), build([t for _, t in train])
    arrays = {name: make_arrays(split, src_vocab, tgt_vocab, True) for name, split in (("train", train), ("val", val))}
    log(f"pairs: {n_read} read from {origin}, {len(pairs)} with at most {c.max_len} words a side; "
        f"train {len(train)}, validation {len(val)}, held-out test {len(test)} (sources disjoint)")
    log(f"vocabularies: German {len(src_vocab)}, English {len(tgt_vocab)} tokens")
    # the longest input the translator accepts: words, punctuation, <eos>
    return Corpus(origin, n_read, train, val, test, src_vocab, tgt_vocab, arrays, max_tokens=c.max_len * 2 + 2)


def train_model(config, corpus, attention, log):
    """A ``Translator`` trained with or without attention, its history and training time."""
    import axon
    from ..losses import SparseCategoricalCrossentropy
    from ..data.batches import LengthBuckets
    from ..zoo.sequence import Seq2Seq, Translator
    from ..zoo.sequence.seq2seq import PAD_ID
    c = config
    axon.manual_seed(c.seed)
    model = Seq2Seq(len(corpus.src_vocab), len(corpus.tgt_vocab), embed_dim=c.embed_dim, units=c.units,
                    cell=c.cell, attention=attention, dropout=c.dropout)
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=c.learning_rate, clipnorm=5.0),
                  loss=SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD_ID))
    src, dec_in, dec_out = corpus.arrays["train"]
    vsrc, vdec_in, vdec_out = corpus.arrays["val"]
    with Stopwatch() as watch:
        batches = LengthBuckets(src, dec_in, dec_out, c.batch_size, seed=c.seed)
        history = model.fit(batches, epochs=c.epochs, validation_data=([vsrc, vdec_in], vdec_out),
                            verbose=c.verbose)
    logs = history.history
    log(f"trained {'with' if attention else 'without'} attention: {model.count_params():,} parameters, "
        f"{watch.timing.describe()}; final loss {logs['loss'][-1]:.3f}, validation loss {logs['val_loss'][-1]:.3f}")
    translator = Translator(model, corpus.src_vocab, corpus.tgt_vocab, lower=True,
                            max_src_len=corpus.max_tokens + 1, max_len=corpus.max_tokens + 2)
    return translator, dict(logs), watch.timing


def corpus_bleu(hypotheses, references):
    """sacrebleu's corpus BLEU (default 13a tokenisation) and its signature string."""
    try:
        from sacrebleu.metrics import BLEU
    except ImportError as e:
        raise ImportError("the translation lab needs sacrebleu for BLEU: pip install 'axon[text]'") from e
    metric = BLEU()
    score = metric.corpus_score(list(hypotheses), [list(references)])
    return score, str(metric.get_signature())


def evaluate(translator, test, beam):
    """Translations of the test sources, their BLEU and signature, and (attention models) the BLEU
    after replacing each ``<unk>`` output with the source word it attended to most."""
    from ..data.text import EOS, detokenize
    from ..zoo.sequence import replace_unknown, truecase
    outputs = translator.translate([s for s, _ in test], beam=beam)
    refs = [t for _, t in test]
    score, signature = corpus_bleu([r["text"] for r in outputs], refs)
    replaced = None
    if translator.model.use_attention:
        for r in outputs:
            words = [w for w in r["tokens"] if w != EOS]
            r["text_unk_replaced"] = truecase(detokenize(replace_unknown(words, r["source_words"], r["attention"])))
        replaced = corpus_bleu([r["text_unk_replaced"] for r in outputs], refs)[0].score
    return outputs, score, signature, replaced


def run(config, log=print):
    """Train and evaluate both models, save them, plot, report; ``log`` gets the progress lines
    (``None`` for none).  Returns ``TranslateResults``."""
    from ..utils.plots import plot_attention, plot_history
    c = config
    say = log or (lambda *a: None)
    watch = Stopwatch()
    corpus = prepare(c, say)
    runs = {}
    for attention in ([True, False] if c.compare else [True]):
        key = "attention" if attention else "no_attention"
        translator, history, training = train_model(c, corpus, attention, say)
        outputs, score, signature, replaced = evaluate(translator, corpus.test, c.beam)
        say(f"held-out BLEU {key.replace('_', ' ')}: {score.score:.2f}  ({signature})")
        if replaced is not None:
            say(f"held-out BLEU {key.replace('_', ' ')}, <unk> replaced by the attended source word: {replaced:.2f}")
        folder = translator.save(c.out if attention else os.path.join(c.out, "no_attention"))
        curves = plot_history(history, os.path.join(c.out, f"curves_{key}.png"),
                              title=f"Seq2seq {key.replace('_', ' ')}: loss per epoch")
        runs[key] = TranslationRun(key, translator, history, training, score.score, str(score), signature,
                                   replaced, outputs, folder, curves)

    maps = []
    att = runs["attention"]
    chosen = [i for i, r in enumerate(att.outputs) if 5 <= len(r["source_tokens"]) <= 12 and len(r["tokens"]) >= 4][:4]
    for k, i in enumerate(chosen, 1):
        r = att.outputs[i]
        maps.append(plot_attention(r["attention"], r["source_tokens"], r["tokens"],
                                   os.path.join(c.out, f"attention_{k}.png"),
                                   title=f"{corpus.test[i][0]}\n-> {r['text']}"))
    results = TranslateResults(c, corpus, runs, maps, watch.elapsed())
    say(f"lab time: {results.total.describe()} (user+sys)")
    results.files["report"] = write_report(results, os.path.join(c.out, "report.md"))
    return results


def write_report(results, path):
    """``report.md`` of a finished run; returns its path."""
    c, corpus, runs = results.config, results.corpus, results.runs
    att = runs["attention"]
    r = Report("Lab 2: German -> English translation")
    r.paragraph(f"Data: {corpus.n_read} sentence pairs read from {corpus.origin}; {corpus.n_used} kept with at "
                f"most {c.max_len} words a side. Split by source sentence (no source occurs on two sides): "
                f"{len(corpus.train)} training, {len(corpus.val)} validation, {len(corpus.test)} held-out test pairs.",
                f"Vocabularies (from the training pairs, lower-cased, at most {c.vocab_size} tokens each): "
                f"German {len(corpus.src_vocab)}, English {len(corpus.tgt_vocab)}; other words become `<unk>`.")
    r.paragraph(f"Model: embedding {c.embed_dim}, {c.cell.upper()} encoder and decoder with {c.units} units, "
                f"dropout {c.dropout}, teacher forcing, Adam (learning rate {c.learning_rate}, clipnorm 5), "
                f"batch {c.batch_size}, {c.epochs} epoch{'s' if c.epochs != 1 else ''}, cross-entropy over target tokens with padding ignored. "
                f"Decoding: {'greedy' if c.beam == 1 else f'beam search, width {c.beam}'}.")
    r.section("BLEU on the held-out pairs")
    r.paragraph("Corpus-level BLEU from sacrebleu (one reference per sentence, default 13a tokenisation; "
                "sentence scores are never averaged).")
    rows = []
    for key, run_ in runs.items():
        name = key.replace("_", " ")
        rows.append([name, f"{run_.bleu:.2f}", f"{run_.history['loss'][-1]:.3f}",
                     f"{run_.history['val_loss'][-1]:.3f}", f"{run_.training.wall:.0f} s / {run_.training.cpu:.0f} s"])
        if run_.bleu_unk_replaced is not None:
            rows.append([f"{name}, `<unk>` replaced by the attended source word", f"{run_.bleu_unk_replaced:.2f}",
                         "", "", ""])
    r.table(["model", "BLEU", "training loss", "validation loss", "training time (wall / CPU)"], rows)
    r.paragraph(f"sacrebleu signature: `{att.signature}`")
    r.paragraph(f"BLEU details (attention): `{att.bleu_details}`")
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "library default"
    r.paragraph(f"Total lab time: {results.total.describe()} (user+sys); BLAS threads: {threads}.")
    r.section("Example translations (held-out)")
    header = ["German", "reference", "with attention (`<unk>` replaced)"]
    if "no_attention" in runs:
        header.append("without attention")
    examples = []
    for i in range(min(15, len(corpus.test))):
        src, ref = corpus.test[i]
        out = att.outputs[i]
        row = [src, ref, out.get("text_unk_replaced", out["text"])]
        if "no_attention" in runs:
            row.append(runs["no_attention"].outputs[i]["text"])
        examples.append(row)
    r.table(header, examples)
    r.section("Learning curves")
    r.figures({key: run_.curves for key, run_ in runs.items()}, c.out)
    r.section("Attention (source tokens across, output tokens down)")
    r.figures({f"attention {k}": p for k, p in enumerate(results.attention_maps, 1)}, c.out)
    r.paragraph(f"Translate your own sentences: `axon translate {c.out} \"Ich habe Hunger.\"`")
    return r.write(path)
