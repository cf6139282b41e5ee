"""``axon lab classify``: Lab 1, image classification with report and plots (``axon.labs.classify``)."""
import argparse

from ..labs.classify import DATASETS, ClassifyConfig, run as run_lab
from .common import config_from, image_size, wrote

NAME = "lab classify"
HELP = "Lab 1: image classification, with report and plots"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon lab classify',
    'axon lab classify --model vgg --augment --epochs 12 --batch-size 128',
    'axon lab classify --data-dir photos/ --image-size 64 --color-mode rgb',
)


def add_arguments(p):
    from .. import zoo
    d = ClassifyConfig()
    p.add_argument("--model", default=d.model,
                   help=f"zoo model: {', '.join(zoo.names('vision'))}, their short names (cnn, vgg, resnet, ...) "
                        f"or a model you registered (default: {d.model})")
    p.add_argument("--dataset", default=d.dataset, choices=DATASETS,
                   help="standard dataset when no --data-dir is given")
    p.add_argument("--data-dir", default=None,
                   help="a folder with one sub-folder of images per class, used instead of the dataset; "
                        "--test-split of it is held out for testing")
    p.add_argument("--image-size", type=image_size, default=None,
                   help="HxW or one number: images of --data-dir are resized to it (default 32)")
    p.add_argument("--color-mode", default=d.color_mode, choices=("grayscale", "rgb"),
                   help="colour mode for --data-dir images")
    p.add_argument("--test-split", type=float, default=d.test_split,
                   help=f"fraction of --data-dir held out for testing (default {d.test_split})")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"(default {d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"(default {d.batch_size})")
    p.add_argument("--optimizer", default=d.optimizer, help="sgd, adagrad, rmsprop, adam or adamw")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the optimizer's)")
    p.add_argument("--schedule", default=d.schedule, choices=("cosine", "constant"),
                   help="learning rate: cosine decay to 1/20 over the run (default) or constant")
    p.add_argument("--width", type=float, default=d.width, help="width multiplier of the model's layers")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=d.augment,
                   help="random whole-pixel shifts (and mirroring, except for digits) while training")
    p.add_argument("--shift", type=int, default=None,
                   help="with --augment: largest shift in pixels (default: 1/28 of the image size; 0: mirroring only)")
    p.add_argument("--validation-split", type=float, default=d.validation_split,
                   help="fraction of the training data held out to watch over-fitting (0 for none)")
    p.add_argument("--limit", type=int, default=None, help="use only this many training samples")
    p.add_argument("--test-limit", type=int, default=None, help="use only this many test samples")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--out", default=d.out, help=f"output folder (default: {d.out})")
    p.add_argument("--verbose", type=int, default=d.verbose, choices=(0, 1, 2),
                   help="1: progress bars, 2: a line per epoch")


def run(args):
    results = run_lab(config_from(ClassifyConfig, args))
    print(results.summary())
    print(wrote(results.config.out, results.files.values()))
