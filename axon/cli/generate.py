"""``axon generate MODEL``: a grid of samples from a generator saved by ``axon lab gan``.

    axon generate runs/gan/generator.axon -n 64 -o grid.png
    axon generate runs/cgan/generator.axon -n 16 --class 9 -o boots.png    # a conditional GAN
"""
from ..labs.gan import SavedGenerator
from ..labs.gan_report import save_grid

NAME = "generate"
HELP = "draw samples from a saved generator into an image grid"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon generate runs/gan/generator.axon -n 64 -o grid.png',
    'axon generate runs/cgan/generator.axon -n 16 --class 9 --seed 3 -o boots.png',
)


def add_arguments(p):
    p.add_argument("model", help="a generator saved by axon lab gan (e.g. runs/gan/generator.axon)")
    p.add_argument("-n", type=int, default=64, help="how many samples (default 64)")
    p.add_argument("--class", dest="label", type=int, default=None, metavar="K",
                   help="for a conditional generator: draw class K only (default: the classes in turn)")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise (default 0)")
    p.add_argument("--cols", type=int, default=8, help="images per row of the grid (default 8)")
    p.add_argument("-o", "--output", default="grid.png", help="the PNG to write (default grid.png)")


def run(args):
    if args.n < 1:
        raise ValueError(f"-n must be at least 1, got {args.n}")
    if args.cols < 1:
        raise ValueError(f"--cols must be at least 1, got {args.cols}")
    if args.seed < 0:
        raise ValueError(f"--seed must be 0 or more, got {args.seed}")
    if not args.output.lower().endswith(".png"):
        raise ValueError(f"--output must name a .png file, got {args.output!r}")
    generator = SavedGenerator.load(args.model)
    images = generator.generate(args.n, args.label, seed=args.seed)
    path = save_grid(images, args.output, cols=min(args.cols, args.n))
    what = "" if args.label is None else f" of class {generator.class_name(args.label)}"
    print(f"wrote {path}: {args.n} samples{what} from {args.model}")
