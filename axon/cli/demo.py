"""``axon demo NAME``: a lecture demonstration written as PNGs and a Markdown page
(``axon.demos``); ``axon demo --list`` names them; ``axon demo --all --out DIR`` runs every one
and writes ``DIR/index.md`` and ``DIR/index.html``."""
from .. import demos
from ..demos.index import run_all
from .common import wrote

NAME = "demo"
HELP = "a lecture demonstration as PNGs and a Markdown page (axon demo --list; --all for every one)"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon demo --list',
    'axon demo backprop',
    'axon demo convolution --quick --out runs/demos/conv',
    'axon demo --all --out runs/demos',
)


def add_arguments(p):
    p.add_argument("name", nargs="?", help=f"the demo: {', '.join(demos.names())}")
    p.add_argument("--list", action="store_true", help="list the demos and what they show")
    p.add_argument("--all", action="store_true",
                   help="run every demo into OUT/<name>/ and write OUT/index.md and OUT/index.html")
    p.add_argument("--out", default=None, help="output folder (default: runs/demos/NAME, or runs/demos with --all)")
    p.add_argument("--quick", action="store_true", help="smaller, faster version (as the tests run it)")


def run(args):
    if args.list:
        for name in demos.lecture_order():
            print(f"{name:<26}{demos.get(name).TITLE}")
        return 0
    if args.all:
        if args.name is not None:
            raise ValueError(f"give a demo name or --all, not both (got {args.name!r} and --all)")
        out = args.out or "runs/demos"
        results = run_all(out, quick=args.quick)
        print(wrote(out, results.files.values()))
        if results.failed:
            print(f"axon demo: {len(results.failed)} demo(s) failed: {', '.join(results.failed)} "
                  "(their errors are on the index page)")
            return 1
        return 0
    if args.name is None:
        raise ValueError(f"give a demo name ({', '.join(demos.lecture_order())}), --list or --all")
    name = demos.DEMOS.resolve(args.name)
    out = args.out or f"runs/demos/{name}"
    results = demos.run(name, out, quick=args.quick)
    print(wrote(out, results.files.values()))
    return 0
