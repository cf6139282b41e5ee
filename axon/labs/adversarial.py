"""Adversarial examples on the Lab 1 classifier: ``run(AdversarialConfig(...)) -> AdversarialResults``.

Takes the Fashion-MNIST classifier of ``axon lab classify`` (a saved ``model.axon`` given as
``model_path``; without one, Lab 1's default small CNN is trained here for fewer epochs), measures
its test accuracy under FGSM and PGD attacks at each ε, fine-tunes a copy by adversarial training
(FGSM at ε = 0.1 mixed half and half with clean images, as Goodfellow et al., 2015) and measures
again.  Writes to ``config.out``: ``report.md`` (the table), ``accuracy_vs_epsilon.png`` (before
and after), ``adversarial_examples.png`` (clean and attacked images with the predictions) and the
robust model ``robust_model.axon`` with ``classes.json`` (``axon predict`` reads it).

    axon lab adversarial --model runs/classify/model.axon
    axon lab adversarial                      # trains Lab 1's CNN for 2 epochs first
    axon lab adversarial --quick              # an MLP on small subsets, a few seconds
"""
import os
from dataclasses import dataclass, field

import numpy as np

from . import checks
from .classify import ClassifyConfig, DATASETS, load_images, run as run_classify
from .report import EpochTimer, Report, Stopwatch

FILES = {"report": "report.md", "curve": "accuracy_vs_epsilon.png", "examples": "adversarial_examples.png",
         "model": "robust_model.axon"}
ATTACK_NAMES = {"fgsm": "FGSM", "pgd": "PGD"}

#: quick mode: an MLP trained on 2,000 images, attacked on 300 test images, fine-tuned on 4,000
QUICK = dict(classify=dict(model="mlp", hidden=(64,), limit=2000, test_limit=200, validation_split=0.0),
             n_test=300, n_train=4000, pgd_steps=5)


@dataclass
class AdversarialConfig:
    """Settings of the lab.  ``model_path``: a classifier saved by ``axon lab classify`` (default:
    train Lab 1's default model for ``epochs`` epochs, Lab 1 itself runs 6); ``adv_epochs``: epochs
    of adversarial fine-tuning over ``n_train`` training images (None: all 60,000) with the
    ``attack`` at ``train_epsilon``, the adversarial examples weighing ``ratio`` of the loss, Adam
    at ``lr``; ``epsilons``: the attack sizes measured (pixels in [0, 1]), with each of
    ``attacks``, PGD taking ``pgd_steps`` steps; ``n_test``: test images attacked, the first ``n_pgd``
    of them by PGD (each ε costs PGD ``pgd_steps`` FGSMs)."""
    model_path: str | None = None
    dataset: str = "fashion-mnist"
    epochs: int = 2
    adv_epochs: int = 1
    epsilons: tuple = (0.0, 0.05, 0.1, 0.2)
    attacks: tuple = ("fgsm", "pgd")
    pgd_steps: int = 10
    train_epsilon: float = 0.1
    attack: str = "fgsm"
    ratio: float = 0.5
    lr: float = 5e-4
    batch_size: int = 64
    n_train: int | None = None
    n_test: int = 10000
    n_pgd: int = 1000
    seed: int = 0
    out: str = "runs/adversarial"
    quick: bool = False
    verbose: int = 1

    def __post_init__(self):
        checks.one_of("dataset", self.dataset, DATASETS)
        checks.one_of("attack", self.attack, tuple(ATTACK_NAMES))
        checks.one_of("verbose", self.verbose, (0, 1, 2))
        for name in ("epochs", "adv_epochs", "pgd_steps", "batch_size", "n_test", "n_pgd"):
            checks.at_least(name, getattr(self, name), 1)
        checks.at_least("n_train", self.n_train, 1, optional=True)
        checks.positive("lr", self.lr)
        checks.positive("train_epsilon", self.train_epsilon)
        if not (isinstance(self.ratio, (int, float)) and 0 < self.ratio <= 1):
            raise ValueError(f"ratio must be the adversarial share of the loss, in (0, 1], got {self.ratio!r}")
        self.attacks = tuple(self.attacks)
        for name in self.attacks:
            checks.one_of("attacks", name, tuple(ATTACK_NAMES))
        try:
            self.epsilons = tuple(sorted({float(e) for e in self.epsilons}))
        except (TypeError, ValueError):
            raise ValueError(f"epsilons must be numbers, got {self.epsilons!r}") from None
        if not self.epsilons or min(self.epsilons) < 0 or max(self.epsilons) > 1:
            raise ValueError(f"epsilons must be attack sizes in [0, 1] (pixels scaled to [0, 1]), "
                             f"got {list(self.epsilons)}")
        if self.model_path is not None and not os.path.isfile(self.model_path):
            raise FileNotFoundError(f"model_path must name a model file, but {self.model_path!r} does not "
                                    "exist; give the model.axon that axon lab classify wrote, or leave it out "
                                    "to train one here")


@dataclass
class AdversarialResults:
    """What the lab measured and wrote.  ``before``/``after``: ``{attack: {epsilon: test accuracy}}``
    of the classifier and of its adversarially trained copy (epsilon 0: clean images); ``times``:
    ``{step: Timing}``; ``history``: the adversarial fine-tuning's per-epoch logs, ``epoch_times``
    the ``Timing`` of each of its epochs."""
    config: AdversarialConfig
    classifier: object
    robust: object
    source: str
    before: dict
    after: dict
    history: dict
    times: dict
    sizes: dict
    epoch_times: list = field(default_factory=list)
    files: dict = field(default_factory=dict)

    def accuracy(self, which, attack, epsilon):
        return (self.before if which == "before" else self.after)[attack][epsilon]

    def summary(self):
        """The result in one line, as ``axon lab adversarial`` prints it."""
        eps = 0.1 if 0.1 in self.before["fgsm"] else max(self.config.epsilons)
        a = lambda which, e: self.accuracy(which, "fgsm", e)
        return (f"FGSM at eps={eps:g}: test accuracy {a('before', eps):.4f} before, {a('after', eps):.4f} after "
                f"adversarial training (clean {a('before', 0.0):.4f} -> {a('after', 0.0):.4f}; "
                f"{self.times['total'].wall:.0f} s in all)")


def _classifier(config):
    """The classifier to attack, its class names and a sentence on where it came from."""
    from ..zoo.vision.classifier import ImageClassifier
    if config.model_path is not None:
        clf = ImageClassifier.load(config.model_path)
        return clf.model, clf.class_names, f"loaded from `{config.model_path}`", None
    extra = QUICK["classify"] if config.quick else {}
    lab1 = ClassifyConfig(dataset=config.dataset, epochs=config.epochs, seed=config.seed,
                          out=os.path.join(config.out, "classifier"), verbose=config.verbose, **extra)
    if config.verbose:
        print(f"no --model given: training Lab 1's {lab1.model} for {lab1.epochs} epoch(s) (Lab 1 runs 6) "
              f"into {lab1.out}")
    results = run_classify(lab1)
    source = (f"trained here by Lab 1 (`axon.labs.classify`): `{lab1.model}`, {lab1.epochs} epoch(s) "
              f"(Lab 1's default is 6), test accuracy {results.accuracy:.4f}; saved in `{lab1.out}`")
    return results.model, [s.name for s in results.per_class], source, results


def _measure(model, x, y, config):
    """``{attack: {epsilon: accuracy}}`` and the time each attack took."""
    from ..zoo.generative.adversarial import robust_accuracy
    out, times = {}, {}
    for name in config.attacks:
        options = dict(steps=config.pgd_steps, seed=config.seed) if name == "pgd" else {}
        n = config.n_pgd if name == "pgd" else len(x)
        with Stopwatch() as watch:
            out[name] = robust_accuracy(model, x[:n], y[:n], config.epsilons, attack=name, batch_size=500,
                                        **options)
        times[name] = watch.timing
        if config.verbose:
            print(f"{ATTACK_NAMES[name]}: " + ", ".join(f"eps {e:g}: {a:.4f}" for e, a in out[name].items())
                  + f"  ({watch.timing.wall:.0f} s)")
    return out, times


def _subset(x, y, n, rng):
    if n is None or n >= len(x):
        return x, y
    idx = np.sort(rng.permutation(len(x))[:n])
    return x[idx], y[idx]


def run(config):
    """Attack, adversarially fine-tune and attack again as ``config`` says; returns ``AdversarialResults``."""
    import axon
    from ..models import clone_model
    from ..zoo.generative.adversarial import AdversarialTraining
    from ..zoo.vision.classifier import ImageClassifier

    total = Stopwatch()
    axon.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    n_test = QUICK["n_test"] if config.quick else config.n_test
    n_train = QUICK["n_train"] if config.quick else config.n_train
    steps = min(config.pgd_steps, QUICK["pgd_steps"]) if config.quick else config.pgd_steps
    config_used = _replace(config, pgd_steps=steps, n_pgd=min(config.n_pgd, n_test))

    with Stopwatch() as watch:
        model, names, source, _ = _classifier(config)
    times = {"classifier": watch.timing}
    (x, y), (xt, yt), _ = load_images(ClassifyConfig(dataset=config.dataset, verbose=0))
    if tuple(model._build_shapes[0][0][1:]) != x.shape[1:]:
        raise ValueError(f"the model expects inputs of shape {tuple(model._build_shapes[0][0][1:])}, but this lab "
                         f"attacks {config.dataset} images {x.shape[1:]}; give a model from axon lab classify "
                         f"on {config.dataset}")
    xt, yt = _subset(xt, yt, n_test, rng)
    x, y = _subset(x, y, n_train, rng)
    scale = np.float32(1 / 255)
    x_test = xt.astype(np.float32) * scale
    if config.verbose:
        print(f"attacking {len(x_test)} test images at eps {', '.join(f'{e:g}' for e in config.epsilons)}")
    before, attack_times = _measure(model, x_test, yt, config_used)
    times.update({f"{k} before": t for k, t in attack_times.items()})

    robust = clone_model(model)
    robust.set_weights(model.get_weights())
    trainer = AdversarialTraining(robust, epsilon=config.train_epsilon, attack=config.attack, ratio=config.ratio,
                                  steps=config.pgd_steps, seed=config.seed)
    trainer.compile(axon.optimizers.Adam(config.lr), metrics=["accuracy"])
    timer = EpochTimer()
    if config.verbose:
        print(f"adversarial training: {config.attack.upper()} at eps {config.train_epsilon:g}, "
              f"{config.adv_epochs} epoch(s) over {len(x)} training images")
    with Stopwatch() as watch:
        history = trainer.fit(x.astype(np.float32) * scale, y, epochs=config.adv_epochs, batch_size=config.batch_size,
                              shuffle=True, verbose=config.verbose, callbacks=[timer])
    times["adversarial training"] = watch.timing
    after, attack_times = _measure(robust, x_test, yt, config_used)
    times.update({f"{k} after": t for k, t in attack_times.items()})

    os.makedirs(config.out, exist_ok=True)
    path = lambda key: os.path.join(config.out, FILES[key])
    files = {"model": ImageClassifier(robust, names, dark_background=True).save(
        path("model"), adversarial_training=f"{config.attack} eps {config.train_epsilon:g}",
        test_accuracy=after[config.attacks[0]].get(0.0))}
    files["curve"] = plot_curves(config_used, before, after, path("curve"))
    files["examples"] = plot_examples(model, robust, x_test, yt, names, config, path("examples"))
    times["total"] = total.elapsed()
    results = AdversarialResults(config_used, model, robust, source, before, after, dict(history.history), times,
                                 {"adversarial training": len(x), "test": len(x_test),
                                  "test (PGD)": min(config_used.n_pgd, len(x_test))}, timer.epochs, files)
    files["report"] = write_report(results, path("report"))
    return results


def _replace(config, **changes):
    from dataclasses import replace
    return replace(config, **changes)


def plot_curves(config, before, after, path):
    """Test accuracy against epsilon, each attack before and after adversarial training."""
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, style, marker in zip(config.attacks, ("-", "--"), ("o", "s")):
        for label, table, color in (("before", before, "tab:red"), ("after", after, "tab:blue")):
            eps = list(table[name])
            ax.plot(eps, [table[name][e] for e in eps], style, marker=marker, color=color,
                    label=f"{ATTACK_NAMES[name]}, {label} adversarial training")
    ax.set_xlabel("epsilon (L-infinity, pixels in [0, 1])")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.axvline(config.train_epsilon, color="grey", lw=0.8, ls=":")
    ax.set_title(f"Accuracy under attack ({config.attack.upper()} training at eps {config.train_epsilon:g})")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_examples(model, robust, x, y, names, config, path, n=8):
    """Clean test images, their FGSM versions against the classifier and against the robust
    model (at the training epsilon), each captioned with the prediction."""
    from ..autograd import no_grad
    from ..utils.plots import plot_image_grid
    from ..zoo.generative.adversarial import fgsm
    x, y, eps = x[:n], y[:n], config.train_epsilon
    short = lambda i: names[i] if len(names[i]) <= 11 else names[i][:10] + "."

    def predict(m, images):
        with no_grad():
            return m(images, training=False).numpy().argmax(axis=1)

    rows, titles = [], []
    for what, m, images in (("clean", model, x), ("FGSM", model, fgsm(model, x, y, eps)),
                            ("robust", robust, fgsm(robust, x, y, eps))):
        pred = predict(m, images)
        rows.append(images)
        titles += [(f"true: {short(t)}\n" if what == "clean" else "\n") + f"{what}: {short(p)}"
                   + ("" if p == t else " (wrong)") for p, t in zip(pred, y)]
    return plot_image_grid(np.concatenate(rows), titles, path, cols=n,
                           title=f"The first {len(x)} test images: clean, FGSM at eps {eps:g} against the "
                                 "classifier (middle) and against the robust model (bottom)")


def write_report(results, path):
    """``report.md`` of a finished run; returns its path."""
    from .. import __version__
    c = results.config
    r = Report("Adversarial examples on the Lab 1 classifier")
    eps = 0.1 if 0.1 in c.epsilons else max(c.epsilons)
    fgsm_at = lambda which: results.accuracy(which, "fgsm", eps) if "fgsm" in c.attacks else None
    if "fgsm" in c.attacks:
        r.paragraph(f"**FGSM at ε = {eps:g}: test accuracy {fgsm_at('before'):.4f} before and "
                    f"{fgsm_at('after'):.4f} after adversarial training** on {results.sizes['test']} test images.")
    r.paragraph(f"Classifier: {results.source}. ε is the largest change of any pixel, pixels scaled to "
                f"[0, 1]; ε = 0 is the clean accuracy. FGSM takes one step of ε along the sign of the "
                f"input gradient of the loss; PGD takes {c.pgd_steps} steps of 2.5ε/{c.pgd_steps} from a "
                "random start, each projected into the ε-ball (Madry et al., 2018), on the first "
                f"{results.sizes['test (PGD)']} of the test images.")
    r.section("Test accuracy under attack")
    rows = []
    for name in c.attacks:
        for which, table in (("before", results.before), ("after", results.after)):
            n = results.sizes["test (PGD)"] if name == "pgd" else results.sizes["test"]
            rows.append([f"{ATTACK_NAMES[name]}, {which} ({n} images)"]
                        + [f"{table[name][e]:.4f}" for e in c.epsilons])
    r.table(["attack, adversarial training"] + [f"ε = {e:g}" for e in c.epsilons], rows,
            align="l" + "r" * len(c.epsilons))
    r.paragraph("A network trained against FGSM resists FGSM better than PGD: one gradient step "
                "underestimates what an attacker can do to it (Madry et al., 2018; Tramèr et al., 2018), so "
                "the PGD rows are the better measure of its robustness.")
    r.section("Adversarial training")
    r.paragraph(f"A copy of the classifier fine-tuned for {c.adv_epochs} epoch(s) on "
                f"{results.sizes['adversarial training']} training images: each batch attacked by "
                f"{c.attack.upper()} at ε = {c.train_epsilon:g} against the current weights, the loss "
                f"{1 - c.ratio:g} × clean + {c.ratio:g} × adversarial (Goodfellow et al., 2015), Adam at {c.lr:g}.")
    logs = results.history
    r.table(["epoch", "loss", "clean accuracy", "adversarial accuracy", "wall s"],
            [[e + 1, f"{logs['loss'][e]:.4f}", f"{logs.get('accuracy', [float('nan')] * (e + 1))[e]:.4f}",
              f"{logs['adv_accuracy'][e]:.4f}", f"{t.wall:.1f}"]
             for e, t in enumerate(results.epoch_times)], align="rrrrr")
    r.section("Time")
    r.table(["step", "wall s", "CPU s"], [[k, f"{t.wall:.1f}", f"{t.cpu:.1f}"] for k, t in results.times.items()],
            align="lrr")
    r.section("Settings")
    r.settings({"data": c.dataset, "images": ", ".join(f"{k} {v}" for k, v in results.sizes.items()),
                "epsilons": ", ".join(f"{e:g}" for e in c.epsilons), "batch size": c.batch_size,
                "quick": c.quick, "seed": c.seed, "axon": __version__})
    r.section("Figures")
    r.figures({"Accuracy against ε": results.files["curve"],
               "Clean and adversarial test images, with predictions": results.files["examples"]}, c.out)
    r.section("Using the robust model")
    r.code(f"axon predict {results.files['model']} my_image.png")
    return r.write(path)
