"""``axon lab transfer``: pretrain on Fashion-MNIST classes 0-4, fine-tune on 5-9 with few labels,
against training from scratch (``axon.labs.transfer``)."""
from ..labs.report import markdown_table
from ..labs.transfer import TransferConfig, run as run_lab
from .common import config_from, int_list

NAME = "lab transfer"
HELP = "transfer learning: pretrain on classes 0-4, fine-tune on 5-9"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon lab transfer',
    'axon lab transfer --labels 50,500 --epochs 10 --no-fine-tune',
)


def add_arguments(p):
    d = TransferConfig()
    p.add_argument("--model", default=d.model, help=f"zoo model (default: {d.model}, the small CNN)")
    p.add_argument("--width", type=float, default=d.width, help=f"width multiplier of the model (default {d.width})")
    p.add_argument("--labels", type=int_list, default=d.labels,
                   help=f"numbers of labelled target images, comma separated (default {','.join(map(str, d.labels))})")
    p.add_argument("--pretrain-epochs", type=int, default=d.pretrain_epochs, help=f"(default {d.pretrain_epochs})")
    p.add_argument("--pretrain-limit", type=int, default=d.pretrain_limit,
                   help=f"source-class training images used for pretraining (0 for all 30,000; default {d.pretrain_limit})")
    p.add_argument("--epochs", type=int, default=d.epochs,
                   help=f"epochs over the labelled target images (default {d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"(default {d.batch_size})")
    p.add_argument("--lr", type=float, default=d.lr,
                   help="Adam learning rate from scratch; the new head alone trains at 10x, fine-tuning at 1/10")
    p.add_argument("--test-limit", type=int, default=None,
                   help="use only this many test images per task (default: all 5,000)")
    p.add_argument("--cut", default=d.cut, choices=("features", "dense"),
                   help="where the pretrained network is cut: before its Flatten/global pooling, keeping "
                        "the convolutional features (default), or before its last Dense layer")
    p.add_argument("--no-fine-tune", dest="fine_tune", action="store_false",
                   help="skip the full fine-tuning variant")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--out", default=d.out, help=f"output folder for report.md (default {d.out})")
    p.add_argument("--verbose", type=int, default=d.verbose, choices=(0, 1, 2))


def run(args):
    results = run_lab(config_from(TransferConfig, args), log=lambda line: print(line, flush=True))
    header, rows = results.table()
    print("\n" + "\n".join(markdown_table(header, rows, align="r" * len(header))))
    print(f"\nwrote {results.files['report']}")
