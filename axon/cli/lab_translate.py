"""``axon lab translate``: Lab 2, German to English with a GRU encoder-decoder, with and without
Bahdanau attention, corpus BLEU (``axon.labs.translate``)."""
from ..labs.translate import TranslateConfig, run as run_lab
from .common import config_from

NAME = "lab translate"
HELP = "Lab 2: German to English translation, with BLEU"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon lab translate --epochs 10',
    'axon lab translate --pairs deu.txt --format tsv --source-column 1 --target-column 0',
)


def add_arguments(parser):
    d = TranslateConfig()
    add = parser.add_argument
    add("--pairs", default=None, help="sentence-pair file (default: the Debian trans-de-en dictionary)")
    add("--format", choices=["ding", "tsv"], default=None,
        help="pair file format: 'ding' (trans-de-en) or 'tsv' (source<TAB>target<TAB>...); "
             "default: ding without --pairs, tsv with it")
    add("--source-column", type=int, default=d.source_column, help="tsv: column of the source (default 0)")
    add("--target-column", type=int, default=d.target_column, help="tsv: column of the target (default 1)")
    add("--out", default=d.out, help=f"output folder (default {d.out})")
    add("--epochs", type=int, default=d.epochs, help=f"epochs per model (default {d.epochs})")
    add("--units", type=int, default=d.units, help=f"recurrent units (default {d.units})")
    add("--embed-dim", type=int, default=d.embed_dim, help=f"embedding size (default {d.embed_dim})")
    add("--cell", choices=["gru", "lstm"], default=d.cell, help=f"recurrent cell (default {d.cell})")
    add("--max-len", type=int, default=d.max_len,
        help=f"keep pairs with at most this many words a side (default {d.max_len})")
    add("--vocab-size", type=int, default=d.vocab_size,
        help=f"largest vocabulary per language, special tokens included (default {d.vocab_size})")
    add("--min-freq", type=int, default=d.min_freq,
        help=f"keep words seen at least this often in training (default {d.min_freq})")
    add("--limit", type=int, default=None, help="use at most this many pairs (after filtering; at least 10)")
    add("--beam", type=int, default=d.beam, help=f"beam width for evaluation, 1 for greedy (default {d.beam})")
    add("--batch-size", type=int, default=d.batch_size, help=f"(default {d.batch_size})")
    add("--learning-rate", type=float, default=d.learning_rate, help=f"Adam learning rate (default {d.learning_rate})")
    add("--dropout", type=float, default=d.dropout,
        help=f"dropout on embeddings and before the output layer (default {d.dropout})")
    add("--test-fraction", type=float, default=d.test_fraction,
        help=f"held-out share of pairs (default {d.test_fraction})")
    add("--no-compare", dest="compare", action="store_false", help="skip the model without attention")
    add("--seed", type=int, default=d.seed)
    add("--quiet", action="store_true", help="no progress bars")


def run(args):
    config = config_from(TranslateConfig, args, defaults={"verbose": 0 if args.quiet else 1})
    results = run_lab(config, log=lambda line: print(line, flush=True))
    print(f"wrote {results.files['report']}")
