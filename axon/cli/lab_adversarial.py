"""``axon lab adversarial``: FGSM and PGD attacks on the Lab 1 classifier, before and after
adversarial training (``axon.labs.adversarial``)."""
from ..labs.adversarial import ATTACK_NAMES, AdversarialConfig, run as run_lab
from .common import config_from, float_list, wrote

NAME = "lab adversarial"
HELP = "adversarial examples: FGSM/PGD on the Lab 1 classifier, adversarial training"

#: shown under ``--help``; tests/test_bad_inputs_data.py checks that each one parses
EXAMPLES = (
    'axon lab adversarial --model runs/classify/model.axon',
    'axon lab adversarial --epochs 2 --adv-epochs 3 --epsilons 0,0.02,0.05,0.1,0.2',
    'axon lab adversarial --quick --out runs/adversarial-quick',
)


def add_arguments(p):
    d = AdversarialConfig()
    p.add_argument("--model", dest="model_path", default=None, metavar="PATH",
                   help="the model.axon written by 'axon lab classify' (default: train Lab 1's small CNN "
                        f"here for --epochs epochs)")
    p.add_argument("--epochs", type=int, default=d.epochs,
                   help=f"epochs of Lab 1 training when no --model is given (default {d.epochs}; Lab 1 runs 6)")
    p.add_argument("--adv-epochs", type=int, default=d.adv_epochs,
                   help=f"epochs of adversarial fine-tuning (default {d.adv_epochs})")
    p.add_argument("--epsilons", type=float_list, default=d.epsilons,
                   help="attack sizes, comma separated, pixels in [0, 1] "
                        f"(default {','.join(f'{e:g}' for e in d.epsilons)})")
    p.add_argument("--train-epsilon", type=float, default=d.train_epsilon,
                   help=f"epsilon of the attack used in adversarial training (default {d.train_epsilon})")
    p.add_argument("--attack", default=d.attack, choices=tuple(ATTACK_NAMES),
                   help="attack used in adversarial training (default fgsm, as Goodfellow et al.)")
    p.add_argument("--pgd-steps", type=int, default=d.pgd_steps, help=f"(default {d.pgd_steps})")
    p.add_argument("--n-train", type=int, default=None,
                   help="training images for adversarial fine-tuning (default: all 60,000)")
    p.add_argument("--n-test", type=int, default=d.n_test, help=f"test images attacked (default {d.n_test})")
    p.add_argument("--n-pgd", type=int, default=d.n_pgd,
                   help=f"of them, attacked by PGD too (default {d.n_pgd}; each epsilon costs --pgd-steps FGSMs)")
    p.add_argument("--lr", type=float, default=d.lr, help=f"Adam learning rate of the fine-tuning (default {d.lr})")
    p.add_argument("--quick", action="store_true", help="an MLP on small subsets: a few seconds")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--out", default=d.out, help=f"output folder (default: {d.out})")
    p.add_argument("--verbose", type=int, default=d.verbose, choices=(0, 1, 2),
                   help="1: progress bars, 2: a line per epoch")


def run(args):
    results = run_lab(config_from(AdversarialConfig, args))
    print(results.summary())
    print(wrote(results.config.out, results.files.values()))
