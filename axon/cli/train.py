"""``axon train MODEL``: train a zoo model on a standard dataset, test it, save it with its
learning curves -- Lab 1 (``axon.labs.classify``) with the defaults of a plain training run.

    axon train mlp --dataset fashion-mnist --epochs 5 --hidden 256,128

``axon train autoencoder --kind KIND`` trains one of the autoencoders instead and shows what it
learnt (``axon.labs.autoencoders``: reconstructions, the latent map, by kind noisy/clean pairs,
the VAE's manifold grid, interpolations and samples):

    axon train autoencoder --kind vae --latent-dim 2 --epochs 30
"""
import argparse

from ..labs.autoencoders import DEFAULT_EPOCHS, KINDS, AutoencoderConfig, run as run_autoencoders
from ..labs.classify import DATASETS, TRAIN_DEFAULTS, ClassifyConfig, run as run_classify
from .common import config_from, int_list, wrote

NAME = "train"
HELP = ("train a zoo model on a dataset and test it (e.g. axon train mlp --dataset fashion-mnist), "
        "or an autoencoder (axon train autoencoder --kind vae)")

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon train mlp --dataset fashion-mnist --epochs 5 --hidden 256,128',
    'axon train cnn --dataset mnist --epochs 2 --lr 0.001',
    'axon train autoencoder --kind vae --latent-dim 2 --epochs 30 --out runs/vae2d',
)

AUTOENCODER = "autoencoder"
#: options of the classifiers only, and of ``axon train autoencoder`` only (by their ``dest``)
CLASSIFIER_ONLY = ("optimizer", "lr", "hidden")
AUTOENCODER_ONLY = ("kind", "latent_dim", "quick")
#: zoo models that ``axon train autoencoder --kind`` trains
KIND_OF_MODEL = {"dense_autoencoder": "ae", "conv_autoencoder": "conv", "denoising_autoencoder": "denoising",
                 "sparse_autoencoder": "sparse", "vae": "vae", "cvae": "cvae"}


def add_arguments(p):
    # every option defaults to "not given" (SUPPRESS), so that the lab's config supplies the
    # defaults (those of a plain training run, or the autoencoder kind's) and an option given to
    # the wrong kind of model is refused by name
    d = ClassifyConfig(**TRAIN_DEFAULTS)
    a = AutoencoderConfig()
    p.add_argument("model", nargs="?", default=d.model,
                   help=f"zoo model name (default: {d.model}), or '{AUTOENCODER}' (see --kind)")
    p.add_argument("--kind", default=argparse.SUPPRESS, choices=tuple(KINDS),
                   help=f"with '{AUTOENCODER}': " + "; ".join(f"{k}: {v}" for k, v in KINDS.items())
                   + f" (default {a.kind})")
    p.add_argument("--latent-dim", type=int, default=argparse.SUPPRESS,
                   help=f"with '{AUTOENCODER}': size of the code (default: the kind's, 32; sparse 64; vae, cvae 20)")
    p.add_argument("--quick", action="store_true", default=argparse.SUPPRESS,
                   help=f"with '{AUTOENCODER}': 2,000 images, 2 epochs (seconds)")
    p.add_argument("--dataset", default=argparse.SUPPRESS, choices=DATASETS, help=f"(default {d.dataset})")
    p.add_argument("--data-dir", dest="dataset_path", default=argparse.SUPPRESS,
                   help="folder holding the dataset's four IDX files (default: where axon.datasets finds them); "
                        f"with '{AUTOENCODER}' also a folder of one sub-folder of images per class")
    p.add_argument("--epochs", type=int, default=argparse.SUPPRESS,
                   help=f"(default {d.epochs}; {AUTOENCODER}: by kind, "
                        + ", ".join(f"{k} {v}" for k, v in DEFAULT_EPOCHS.items()) + ")")
    p.add_argument("--batch-size", type=int, default=argparse.SUPPRESS, help=f"(default {d.batch_size})")
    p.add_argument("--optimizer", default=argparse.SUPPRESS, help="sgd, adagrad, rmsprop, adam or adamw")
    p.add_argument("--lr", type=float, default=argparse.SUPPRESS, help="learning rate (default: the optimizer's)")
    p.add_argument("--hidden", type=int_list, default=argparse.SUPPRESS,
                   help="MLP hidden units, comma separated (default 256,128)")
    p.add_argument("--validation-split", type=float, default=argparse.SUPPRESS,
                   help=f"fraction of the training data held out (default {d.validation_split})")
    p.add_argument("--seed", type=int, default=argparse.SUPPRESS, help=f"(default {d.seed})")
    p.add_argument("--out", default=argparse.SUPPRESS,
                   help=f"output folder (default: {d.out}; {AUTOENCODER}: {a.out})")
    p.add_argument("--verbose", type=int, default=argparse.SUPPRESS, choices=(0, 1, 2),
                   help=f"(default {d.verbose})")


def run_lab(config):
    """The lab that ``config`` is for: Lab 1 for a ``ClassifyConfig``, the autoencoders lab for an
    ``AutoencoderConfig``; returns its results."""
    return (run_autoencoders if isinstance(config, AutoencoderConfig) else run_classify)(config)


def _option(dest):
    return "--" + dest.replace("_", "-") if dest != "dataset_path" else "--data-dir"


def config(args):
    """The lab's config from the options given; an option of the other kind of model is refused."""
    given = vars(args)
    if args.model == AUTOENCODER:
        wrong = [_option(k) for k in CLASSIFIER_ONLY if k in given]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} {'applies' if len(wrong) == 1 else 'apply'} to the classifiers, "
                             f"not to '{AUTOENCODER}'; it takes --kind, --latent-dim, --epochs, --batch-size, "
                             "--dataset, --data-dir, --validation-split, --seed, --out, --quick and --verbose")
        options = {k: v for k, v in given.items() if k != "dataset_path"}
        if "dataset_path" in given:
            options["data_dir"] = given["dataset_path"]
        return config_from(AutoencoderConfig, argparse.Namespace(**options))
    wrong = [_option(k) for k in AUTOENCODER_ONLY if k in given]
    if wrong:
        raise ValueError(f"{', '.join(wrong)} {'applies' if len(wrong) == 1 else 'apply'} to "
                         f"'axon train {AUTOENCODER}', not to the classifier {args.model!r}")
    from .. import zoo
    from ..zoo import generative  # noqa: F401 (registers the autoencoders, to name them in the hint)
    kind = KIND_OF_MODEL.get(zoo.resolve(args.model)) if args.model in zoo.registry.MODELS else None
    if kind is not None:
        raise ValueError(f"{args.model!r} is an autoencoder, not an image classifier; train it with "
                         f"'axon train {AUTOENCODER} --kind {kind}'")
    return config_from(ClassifyConfig, args, defaults=TRAIN_DEFAULTS)


def run(args):
    results = run_lab(config(args))
    print(results.summary())
    print(f"saved model: {results.files['model']}")
    print(wrote(results.config.out, results.files.values()))
