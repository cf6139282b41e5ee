"""``axon train MODEL``: train a zoo model on a standard dataset, test it, save it with its
learning curves -- Lab 1 (``axon.labs.classify``) with the defaults of a plain training run.

    axon train mlp --dataset fashion-mnist --epochs 5 --hidden 256,128
"""
from ..labs.classify import DATASETS, TRAIN_DEFAULTS, ClassifyConfig, run as run_lab
from .common import config_from, int_list, wrote

NAME = "train"
HELP = "train a zoo model on a dataset and test it (e.g. axon train mlp --dataset fashion-mnist)"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon train mlp --dataset fashion-mnist --epochs 5 --hidden 256,128',
    'axon train cnn --dataset mnist --epochs 2 --lr 0.001',
)


def add_arguments(p):
    d = ClassifyConfig(**TRAIN_DEFAULTS)
    p.add_argument("model", nargs="?", default=d.model, help=f"zoo model name (default: {d.model})")
    p.add_argument("--dataset", default=d.dataset, choices=DATASETS)
    p.add_argument("--data-dir", dest="dataset_path", default=None,
                   help="folder holding the dataset's four IDX files (default: where axon.datasets finds them)")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"(default {d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"(default {d.batch_size})")
    p.add_argument("--optimizer", default=d.optimizer, help="sgd, adagrad, rmsprop, adam or adamw")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the optimizer's)")
    p.add_argument("--hidden", type=int_list, default=None, help="MLP hidden units, comma separated (default 256,128)")
    p.add_argument("--validation-split", type=float, default=d.validation_split,
                   help=f"fraction of the training data held out (default {d.validation_split})")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--out", default=d.out, help=f"output folder (default: {d.out})")
    p.add_argument("--verbose", type=int, default=d.verbose, choices=(0, 1, 2))


def run(args):
    results = run_lab(config_from(ClassifyConfig, args, defaults=TRAIN_DEFAULTS))
    print(results.summary())
    print(f"saved model: {results.files['model']}")
    print(wrote(results.config.out, results.files.values()))
