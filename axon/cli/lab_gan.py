"""``axon lab gan``: Lab 3, a GAN on Fashion-MNIST (or a folder of images) judged by a frozen
classifier, with sample grids, their GIF, curves and a report (``axon.labs.gan``)."""
import argparse

from ..labs.gan import MODELS, GANConfig, run as run_lab
from .common import config_from, image_size, wrote

NAME = "lab gan"
HELP = "Lab 3: a GAN (DCGAN, MLP or conditional), its samples judged, with report and GIF"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon lab gan',
    'axon lab gan --model cgan --epochs 5',
    'axon lab gan --model mlp --lr-g 1e-4 --lr-d 4e-4 --batch-size 64',
    'axon lab gan --data-dir photos/ --epochs 20 --out runs/photos',
)


def add_arguments(p):
    d = GANConfig()
    p.add_argument("--model", default=d.model, choices=MODELS,
                   help="dcgan: convolutional (default); mlp: Goodfellow's fully connected GAN; "
                        "cgan: conditional DCGAN, draws the class asked for")
    p.add_argument("--epochs", type=int, default=None, help="(default: the model's measured setting)")
    p.add_argument("--batch-size", type=int, default=None, help="(default: the model's measured setting)")
    p.add_argument("--lr-g", type=float, default=None, help="generator's Adam learning rate (default 2e-4)")
    p.add_argument("--lr-d", type=float, default=None, help="discriminator's Adam learning rate (default 2e-4)")
    p.add_argument("--latent-dim", type=int, default=None, help="size of the noise vector z")
    p.add_argument("--width", type=int, default=None,
                   help="filters of the convolutional networks' widest layer, units of the MLP's")
    p.add_argument("--data-dir", default=None,
                   help="a folder of images used instead of Fashion-MNIST (searched recursively; for cgan "
                        "one sub-folder per class); the metrics then use the Fashion-MNIST classifier")
    p.add_argument("--image-size", type=image_size, default=d.image_size,
                   help="HxW or one number: --data-dir images are resized to it (default 28; multiples of 4)")
    p.add_argument("--color-mode", default=d.color_mode, choices=("grayscale", "rgb"),
                   help="colour mode of --data-dir images")
    p.add_argument("--limit", type=int, default=None, help="train on only this many images")
    p.add_argument("--n-eval", type=int, default=d.n_eval,
                   help=f"samples judged by the evaluator, a frozen Fashion-MNIST classifier trained once on "
                        f"first use (a few minutes) and cached (default {d.n_eval})")
    p.add_argument("--evaluator-dir", default=None,
                   help="the folder the evaluator is cached in (default ~/.cache/axon/evaluator)")
    p.add_argument("--quick", action=argparse.BooleanOptionalAction, default=False,
                   help="a tiny run in seconds that checks the lab end to end (numbers meaningless)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--out", default=d.out, help=f"output folder (default: {d.out})")
    p.add_argument("--verbose", type=int, default=d.verbose, choices=(0, 1, 2),
                   help="1: progress bars, 2: a line per epoch, 0: quiet")


def run(args):
    results = run_lab(config_from(GANConfig, args))
    print(results.summary())
    print(wrote(results.config.out, [p for k, p in results.files.items() if k != "grids"]
                + results.files.get("grids", [])[-1:]))
