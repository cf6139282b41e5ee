"""``axon translate MODEL "Ich habe Hunger."``: translate sentences with a model saved by
``axon lab translate`` (an ``axon.zoo.Translator``).

Sentences come as arguments, or one a line on standard input when none are
given.  Words the model never saw become ``<unk>``.  ``--attention map.png``
writes the attention heat map of the first sentence (``map-2.png``, ... for the
others).
"""
import os
import sys

from ..zoo import Translator

NAME = "translate"
HELP = "translate sentences with a saved translation model"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon translate runs/translate "Ich habe Hunger." --beam 4',
    'axon translate runs/translate "Wo ist der Bahnhof?" --attention map.png',
)


def add_arguments(parser):
    parser.add_argument("model", help="the folder written by 'axon lab translate' (or its model.axon)")
    parser.add_argument("sentences", nargs="*", help="sentences to translate (default: read lines from stdin)")
    parser.add_argument("--beam", type=int, default=4, help="beam width, 1 for greedy (default 4)")
    parser.add_argument("--max-len", type=int, default=None, help="longest output in tokens")
    parser.add_argument("--attention", metavar="PNG", default=None,
                        help="write the attention heat map(s) to this PNG")
    parser.add_argument("--verbose", action="store_true", help="also print tokens and log-probabilities")


def _map_path(path, k):
    if k == 0:
        return path
    root, ext = os.path.splitext(path)
    return f"{root}-{k + 1}{ext or '.png'}"


def run(args):
    if args.beam < 1:
        raise ValueError(f"--beam must be at least 1, got {args.beam}")
    if args.max_len is not None and args.max_len < 1:
        raise ValueError(f"--max-len must be at least 1 token, got {args.max_len}")
    translator = Translator.load(args.model)
    if args.attention and not translator.model.use_attention:
        raise ValueError(f"the model in {args.model} has no attention to plot; leave out --attention")
    sentences = args.sentences or [line.strip() for line in sys.stdin if line.strip()]
    if not sentences:
        raise ValueError("no sentences given (as arguments or one a line on stdin)")
    results = translator.translate(sentences, beam=args.beam, max_len=args.max_len)
    for k, (sentence, r) in enumerate(zip(sentences, results)):
        print(r["text"])
        if args.verbose:
            print(f"  source tokens: {' '.join(r['source_tokens'])}")
            print(f"  output tokens: {' '.join(r['tokens'])}  (log-probability {r['score']:.2f})")
        if args.attention:
            from ..utils.plots import plot_attention
            path = plot_attention(r["attention"], r["source_tokens"], r["tokens"], _map_path(args.attention, k),
                                  title=f"{sentence}\n-> {r['text']}")
            print(f"  attention map: {path}", file=sys.stderr)
