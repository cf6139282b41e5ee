"""``axon demo NAME``: a lecture demonstration written as PNGs and a Markdown page
(``axon.demos``); ``axon demo --list`` names them."""
from .. import demos
from .common import wrote

NAME = "demo"
HELP = "a lecture demonstration as PNGs and a Markdown page (axon demo --list)"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon demo --list',
    'axon demo convolution --quick --out runs/demos/conv',
)


def add_arguments(p):
    p.add_argument("name", nargs="?", help=f"the demo: {', '.join(demos.names())}")
    p.add_argument("--list", action="store_true", help="list the demos and what they show")
    p.add_argument("--out", default=None, help="output folder (default: runs/demos/NAME)")
    p.add_argument("--quick", action="store_true", help="smaller, faster version (as the tests run it)")


def run(args):
    if args.list:
        for name, module in demos.DEMOS.items():
            print(f"{name:<16}{module.TITLE}")
        return
    if args.name is None:
        raise ValueError(f"give a demo name ({', '.join(demos.names())}) or --list")
    name = demos.DEMOS.resolve(args.name)
    out = args.out or f"runs/demos/{name}"
    results = demos.run(name, out, quick=args.quick)
    print(wrote(out, results.files.values()))
