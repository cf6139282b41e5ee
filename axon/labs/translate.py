"""``axon lab translate``: Lab 2, German -> English translation with and without attention.

Trains a GRU encoder-decoder with Bahdanau attention on the German-English
sentence pairs of the Ding dictionary (Debian ``trans-de-en``), or on any pair
file (``--pairs FILE --format tsv``), then the same model without attention,
and writes to ``--out``: the attention model with its vocabularies (for
``axon translate``), the model without attention in ``no_attention/``,
learning curves, attention heat maps, and ``report.md`` with corpus-level
BLEU (sacrebleu, default 13a tokenisation, signature printed) on held-out
pairs whose source sentences never occur in training.
"""
import os
import time

import numpy as np

# Chosen by held-out BLEU within ~15 minutes on 2 cores: all ~16.5k complete-sentence pairs of at
# most 12 words, words seen twice or more, a fast Adam with small batches (BLEU kept rising after the
# validation loss turned up, so there is no early stopping); beam 4 adds about 0.6 BLEU over greedy
DEFAULTS = dict(epochs=12, units=256, embed_dim=128, max_len=12, vocab_size=6000, min_freq=2, beam=4,
                batch_size=32, learning_rate=4e-3, dropout=0.2)


def add_arguments(parser):
    d = DEFAULTS
    parser.add_argument("--pairs", default=None,
                        help="sentence-pair file (default: the Debian trans-de-en dictionary)")
    parser.add_argument("--format", choices=["ding", "tsv"], default=None,
                        help="pair file format: 'ding' (trans-de-en) or 'tsv' (source<TAB>target<TAB>...); "
                             "default: ding without --pairs, tsv with it")
    parser.add_argument("--source-column", type=int, default=0, help="tsv: column of the source (default 0)")
    parser.add_argument("--target-column", type=int, default=1, help="tsv: column of the target (default 1)")
    parser.add_argument("--out", default="runs/translate", help="output folder (default runs/translate)")
    parser.add_argument("--epochs", type=int, default=d["epochs"], help=f"epochs per model (default {d['epochs']})")
    parser.add_argument("--units", type=int, default=d["units"], help=f"recurrent units (default {d['units']})")
    parser.add_argument("--embed-dim", type=int, default=d["embed_dim"],
                        help=f"embedding size (default {d['embed_dim']})")
    parser.add_argument("--cell", choices=["gru", "lstm"], default="gru", help="recurrent cell (default gru)")
    parser.add_argument("--max-len", type=int, default=d["max_len"],
                        help=f"keep pairs with at most this many words a side (default {d['max_len']})")
    parser.add_argument("--vocab-size", type=int, default=d["vocab_size"],
                        help=f"largest vocabulary per language, special tokens included (default {d['vocab_size']})")
    parser.add_argument("--min-freq", type=int, default=d["min_freq"],
                        help=f"keep words seen at least this often in training (default {d['min_freq']})")
    parser.add_argument("--limit", type=int, default=None, help="use at most this many pairs (after filtering)")
    parser.add_argument("--beam", type=int, default=d["beam"], help=f"beam width for evaluation, 1 for greedy (default {d['beam']})")
    parser.add_argument("--batch-size", type=int, default=d["batch_size"], help=f"(default {d['batch_size']})")
    parser.add_argument("--learning-rate", type=float, default=d["learning_rate"],
                        help=f"Adam learning rate (default {d['learning_rate']})")
    parser.add_argument("--dropout", type=float, default=d["dropout"],
                        help=f"dropout on embeddings and before the output layer (default {d['dropout']})")
    parser.add_argument("--test-fraction", type=float, default=0.1, help="held-out share of pairs (default 0.1)")
    parser.add_argument("--no-compare", action="store_true", help="skip the model without attention")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def load_pairs(args):
    from ..data.text import read_trans_de_en, read_tsv_pairs
    fmt = args.format or ("tsv" if args.pairs else "ding")
    if fmt == "ding":
        return read_trans_de_en(args.pairs) if args.pairs else read_trans_de_en(), \
            args.pairs or "Ding dictionary (Debian trans-de-en)"
    if not args.pairs:
        raise SystemExit("axon lab translate: --format tsv needs --pairs FILE")
    return read_tsv_pairs(args.pairs, args.source_column, args.target_column), args.pairs


def prepare(args, log):
    """Pairs filtered by length, shuffled, limited, split by source; vocabularies; index arrays."""
    from ..data.text import Vocabulary, tokenize, split_by_source
    from ..zoo.seq2seq import make_arrays
    pairs, origin = load_pairs(args)
    n_read = len(pairs)
    pairs = [(s, t) for s, t in pairs
             if len(tokenize(s)) <= args.max_len + 1 and len(tokenize(t)) <= args.max_len + 1
             and len(s.split()) <= args.max_len and len(t.split()) <= args.max_len]
    order = np.random.default_rng(args.seed).permutation(len(pairs))
    pairs = [pairs[i] for i in order]
    if args.limit:
        pairs = pairs[:args.limit]
    if len(pairs) < 10:
        raise SystemExit(f"axon lab translate: only {len(pairs)} pairs left after filtering "
                         f"(--max-len {args.max_len}); need at least 10")
    train, test = split_by_source(pairs, args.test_fraction, seed=args.seed)
    train, val = split_by_source(train, 0.05, seed=args.seed + 1)
    src_vocab = Vocabulary.build([tokenize(s, True) for s, _ in train], max_size=args.vocab_size,
                                 min_freq=args.min_freq)
    tgt_vocab = Vocabulary.build([tokenize(t, True) for _, t in train], max_size=args.vocab_size,
                                 min_freq=args.min_freq)
    n_tok = args.max_len * 2 + 2  # the longest input the translator accepts: words, punctuation, <eos>
    arrays = {name: make_arrays(split, src_vocab, tgt_vocab, True) for name, split in (("train", train), ("val", val))}
    log(f"pairs: {n_read} read from {origin}, {len(pairs)} with at most {args.max_len} words a side; "
        f"train {len(train)}, validation {len(val)}, held-out test {len(test)} (sources disjoint)")
    log(f"vocabularies: German {len(src_vocab)}, English {len(tgt_vocab)} tokens")
    return dict(origin=origin, n_read=n_read, n_used=len(pairs), train=train, val=val, test=test,
                src_vocab=src_vocab, tgt_vocab=tgt_vocab, arrays=arrays, n_tok=n_tok)


def train_model(args, data, attention, log):
    import axon
    from ..zoo.seq2seq import Seq2Seq, MaskedSparseCategoricalCrossentropy, Translator, LengthBuckets
    axon.manual_seed(args.seed)
    model = Seq2Seq(len(data["src_vocab"]), len(data["tgt_vocab"]), embed_dim=args.embed_dim,
                    units=args.units, cell=args.cell, attention=attention, dropout=args.dropout)
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=args.learning_rate, clipnorm=5.0),
                  loss=MaskedSparseCategoricalCrossentropy())
    src, dec_in, dec_out = data["arrays"]["train"]
    vsrc, vdec_in, vdec_out = data["arrays"]["val"]
    t0, c0 = time.time(), time.process_time()
    batches = LengthBuckets(src, dec_in, dec_out, args.batch_size, seed=args.seed)
    history = model.fit(batches, epochs=args.epochs,
                        validation_data=([vsrc, vdec_in], vdec_out), verbose=0 if args.quiet else 1)
    wall, cpu = time.time() - t0, time.process_time() - c0
    name = "with attention" if attention else "without attention"
    log(f"trained {name}: {model.count_params():,} parameters, {wall:.0f} s wall, {cpu:.0f} s CPU; "
        f"final loss {history.history['loss'][-1]:.3f}, validation loss {history.history['val_loss'][-1]:.3f}")
    translator = Translator(model, data["src_vocab"], data["tgt_vocab"], lower=True,
                            max_src_len=data["n_tok"] + 1, max_len=data["n_tok"] + 2)
    return translator, history, wall, cpu


def corpus_bleu(hypotheses, references):
    """sacrebleu's corpus BLEU (default 13a tokenisation) and its signature string."""
    try:
        from sacrebleu.metrics import BLEU
    except ImportError as e:
        raise SystemExit("axon lab translate needs sacrebleu for BLEU: pip install 'axon[text]'") from e
    metric = BLEU()
    score = metric.corpus_score(list(hypotheses), [list(references)])
    return score, str(metric.get_signature())


def evaluate(translator, test, beam):
    """Translations of the test sources, their BLEU, and (attention models) the BLEU after
    replacing each ``<unk>`` output with the source word it attended to most."""
    from ..data.text import detokenize
    from ..zoo.seq2seq import replace_unknown, truecase
    t0 = time.time()
    results = translator.translate([s for s, _ in test], beam=beam)
    refs = [t for _, t in test]
    score, signature = corpus_bleu([r["text"] for r in results], refs)
    replaced = None
    if translator.model.use_attention:
        texts = []
        for r in results:
            words = [w for w in r["tokens"] if w != "<eos>"]
            texts.append(truecase(detokenize(replace_unknown(words, r["source_words"], r["attention"]))))
        replaced = corpus_bleu(texts, refs)[0]
        for r, text in zip(results, texts):
            r["text_unk_replaced"] = text
    return results, score, signature, replaced, time.time() - t0


def run(args):
    from ..utils.plots import plot_history, plot_attention
    t_start, c_start = time.time(), time.process_time()
    os.makedirs(args.out, exist_ok=True)
    lines = []

    def log(msg):
        print(msg, flush=True)
        lines.append(msg)

    data = prepare(args, log)
    runs = {}
    for attention in ([True] if args.no_compare else [True, False]):
        key = "attention" if attention else "no_attention"
        translator, history, wall, cpu = train_model(args, data, attention, log)
        results, score, signature, replaced, t_eval = evaluate(translator, data["test"], args.beam)
        log(f"held-out BLEU {key.replace('_', ' ')}: {score.score:.2f}  ({signature})")
        if replaced is not None:
            log(f"held-out BLEU {key.replace('_', ' ')}, <unk> replaced by the attended source word: "
                f"{replaced.score:.2f}")
        folder = args.out if attention else os.path.join(args.out, "no_attention")
        translator.save(folder)
        plot_history(history, os.path.join(args.out, f"curves_{key}.png"),
                     title=f"Seq2seq {key.replace('_', ' ')}: loss per epoch")
        runs[key] = dict(translator=translator, history=history, wall=wall, cpu=cpu, results=results,
                         score=score, signature=signature, replaced=replaced, t_eval=t_eval)

    att = runs["attention"]
    maps = []
    chosen = [i for i, r in enumerate(att["results"])
              if 5 <= len(r["source_tokens"]) <= 12 and len(r["tokens"]) >= 4][:4]
    for k, i in enumerate(chosen, 1):
        r = att["results"][i]
        path = os.path.join(args.out, f"attention_{k}.png")
        plot_attention(r["attention"], r["source_tokens"], r["tokens"], path,
                       title=f"{data['test'][i][0]}\n-> {r['text']}")
        maps.append(path)
    wall, cpu = time.time() - t_start, time.process_time() - c_start
    log(f"lab time: {wall:.0f} s wall, {cpu:.0f} s CPU (user+sys)")
    report = write_report(args, data, runs, maps, wall, cpu)
    log(f"wrote {report}")
    return 0


def write_report(args, data, runs, maps, wall, cpu):
    att = runs["attention"]
    rows = []
    for key, r in runs.items():
        rows.append(f"| {key.replace('_', ' ')} | {r['score'].score:.2f} | {r['history'].history['loss'][-1]:.3f} "
                    f"| {r['history'].history['val_loss'][-1]:.3f} | {r['wall']:.0f} s / {r['cpu']:.0f} s |")
        if r["replaced"] is not None:
            rows.append(f"| {key.replace('_', ' ')}, `<unk>` replaced by the attended source word "
                        f"| {r['replaced'].score:.2f} | | | |")
    md = [
        "# Lab 2: German -> English translation",
        "",
        f"Data: {data['n_read']} sentence pairs read from {data['origin']}; {data['n_used']} kept with at most "
        f"{args.max_len} words a side. Split by source sentence (no source occurs on two sides): "
        f"{len(data['train'])} training, {len(data['val'])} validation, {len(data['test'])} held-out test pairs.",
        f"Vocabularies (from the training pairs, lower-cased, at most {args.vocab_size} tokens each): "
        f"German {len(data['src_vocab'])}, English {len(data['tgt_vocab'])}; other words become `<unk>`.",
        "",
        f"Model: embedding {args.embed_dim}, {args.cell.upper()} encoder and decoder with {args.units} units, "
        f"dropout {args.dropout}, teacher forcing, Adam (learning rate {args.learning_rate}, clipnorm 5), batch {args.batch_size}, "
        f"{args.epochs} epochs, cross-entropy over target tokens with padding masked. Decoding: "
        f"{'greedy' if args.beam == 1 else f'beam search, width {args.beam}'}.",
        "",
        "## BLEU on the held-out pairs",
        "",
        "Corpus-level BLEU from sacrebleu (one reference per sentence, default 13a tokenisation; "
        "sentence scores are never averaged).",
        "",
        "| model | BLEU | training loss | validation loss | training time (wall / CPU) |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
        f"sacrebleu signature: `{att['signature']}`",
        "",
        f"BLEU details (attention): `{att['score']}`",
        "",
        f"Total lab time: {wall:.0f} s wall, {cpu:.0f} s CPU (user+sys); BLAS threads: "
        f"{os.environ.get('OPENBLAS_NUM_THREADS') or os.environ.get('OMP_NUM_THREADS') or 'library default'}.",
        "",
        "## Example translations (held-out)",
        "",
        "| German | reference | with attention (`<unk>` replaced) | without attention |"
        if "no_attention" in runs else "| German | reference | with attention (`<unk>` replaced) |",
        "| --- | --- | --- | --- |" if "no_attention" in runs else "| --- | --- | --- |",
    ]
    for i in range(min(15, len(data["test"]))):
        src, ref = data["test"][i]
        cells = [src, ref, att["results"][i].get("text_unk_replaced", att["results"][i]["text"])]
        if "no_attention" in runs:
            cells.append(runs["no_attention"]["results"][i]["text"])
        md.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    md += ["", "## Learning curves", ""]
    md += [f"![{key}](curves_{key}.png)" for key in runs]
    md += ["", "## Attention (source tokens across, output tokens down)", ""]
    md += [f"![attention]({os.path.basename(p)})" for p in maps]
    md += ["", "Translate your own sentences: `axon translate " + args.out + " \"Ich habe Hunger.\"`", ""]
    path = os.path.join(args.out, "report.md")
    from ..io import write_text
    write_text(path, "\n".join(md))
    return path
