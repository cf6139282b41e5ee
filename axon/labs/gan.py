"""Lab 3, generative adversarial networks: ``run(GANConfig(...)) -> GANResults``.

Trains a GAN -- by default a DCGAN (Radford et al., 2016) -- on Fashion-MNIST
scaled to [-1, 1] (or on any folder of images), then judges its samples with a
frozen Fashion-MNIST classifier (``axon.zoo.generative.evaluator``): Fréchet
distance, domain Inception Score, class fractions, k-NN precision and recall and
distances to the nearest training images, set beside the same numbers for
real and for degraded real images (the calibration rows).  It writes to
``config.out``: the generator alone (``generator.axon``, with
``generator.json`` beside it saying how to draw from it), a sample grid per
epoch (``samples/epoch_XXX.png``) and their animation (``samples.gif``), the
loss and discriminator-output curves, the class histogram of 10,000 samples,
a latent interpolation strip, the nearest training images of a few samples,
for the conditional GAN a row per class with the classifier's agreement, and
``report.md``.

    axon lab gan                                  # DCGAN, Fashion-MNIST
    axon lab gan --model cgan                     # one row per class on request
    axon lab gan --data-dir photos/ --epochs 20   # any folder of images, 28x28 grayscale
    axon generate runs/gan/generator.axon -n 64 -o grid.png
"""
import json
import os
from dataclasses import dataclass, field

import numpy as np

from ..callbacks import Callback
from ..io import write_text
from . import checks
from .report import EpochTimer, Stopwatch, Timing

MODELS = ("dcgan", "mlp", "cgan")
FILES = {"generator": "generator.axon", "info": "generator.json", "samples": "samples", "gif": "samples.gif",
         "grid": "samples.png", "curves": "curves.png", "histogram": "class_histogram.png",
         "interpolation": "interpolation.png", "per_class": "per_class.png", "memorisation": "memorisation.png",
         "report": "report.md"}
#: the quick mode's sizes: a smoke test of the whole lab in seconds, not a trained GAN
QUICK = dict(limit=512, epochs=1, n_eval=500, width=8, test_limit=500, evaluator_images=2000)


@dataclass
class GANConfig:
    """Settings of Lab 3; ``None`` takes the measured default of the model
    (``axon.zoo.generative.dcgan.LAB_DEFAULTS``).

    ``model``: "dcgan" (convolutional), "mlp" (Goodfellow's fully connected GAN)
    or "cgan" (conditional DCGAN, drawing the class asked for).  ``lr_g``,
    ``lr_d``: Adam learning rates of the generator and the discriminator.
    ``width``: channels (or units) of the networks' widest layer.  ``data_dir``:
    a folder of images used instead of Fashion-MNIST (searched recursively;
    with "cgan" one sub-folder per class), converted to ``color_mode`` and
    resized to ``image_size`` (H, W).  ``limit``: use only this many training
    images.  ``n_eval``: samples judged by the evaluator, ``evaluator_dir``: the
    folder its classifier is cached in (default ``~/.cache/axon/evaluator``).  ``quick``: a tiny
    run (512 images, one epoch, narrow networks, 500 samples judged) that
    checks the whole lab in seconds, judged by a small evaluator).
    """
    model: str = "dcgan"
    epochs: int | None = None
    batch_size: int | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    latent_dim: int | None = None
    width: int | None = None
    data_dir: str | None = None
    image_size: tuple = (28, 28)
    color_mode: str = "grayscale"
    limit: int | None = None
    n_eval: int = 10000
    seed: int = 0
    out: str = "runs/gan"
    evaluator_dir: str | None = None
    quick: bool = False
    verbose: int = 1

    def __post_init__(self):
        checks.one_of("model", self.model, MODELS)
        checks.one_of("color_mode", self.color_mode, ("grayscale", "rgb"))
        checks.one_of("verbose", self.verbose, (0, 1, 2))
        for name in ("epochs", "batch_size", "latent_dim", "width", "limit"):
            checks.at_least(name, getattr(self, name), 1, optional=True)
        checks.at_least("n_eval", self.n_eval, 10)
        checks.at_least("seed", self.seed, 0)
        for name in ("lr_g", "lr_d"):
            checks.positive(name, getattr(self, name), optional=True)
        self.image_size = tuple(self.image_size)
        if len(self.image_size) != 2 or min(self.image_size) < 1:
            raise ValueError(f"image_size must be (height, width) of at least 1 pixel, got {self.image_size}")
        if self.data_dir is None and (self.image_size != (28, 28) or self.color_mode != "grayscale"):
            raise ValueError("image_size and color_mode apply to data_dir images; Fashion-MNIST is 28x28 grayscale")

    def settings(self):
        """The training settings in force: the model's ``LAB_DEFAULTS``, then quick mode's sizes,
        then what was given.  For the MLP GAN ``width`` sets its widest hidden layer (the others
        halve it)."""
        from ..zoo.generative.dcgan import LAB_DEFAULTS
        chosen = dict(LAB_DEFAULTS[self.model])
        lr = chosen.pop("lr", 2e-4)
        chosen.setdefault("lr_g", lr)
        chosen.setdefault("lr_d", lr)
        width = self.width if self.width is not None else (QUICK["width"] if self.quick else None)
        if self.quick:
            chosen["epochs"] = QUICK["epochs"]
        given = {"epochs": self.epochs, "batch_size": self.batch_size, "latent_dim": self.latent_dim,
                 "lr_g": self.lr_g, "lr_d": self.lr_d}
        chosen.update({k: v for k, v in given.items() if v is not None})
        if width is not None:
            if self.model == "mlp":
                widest = max(chosen["hidden"])
                chosen["hidden"] = tuple(max(1, round(h * width / widest)) for h in chosen["hidden"])
            else:
                chosen["width"] = width
        return chosen

    @property
    def n_samples(self):
        """Samples judged: ``n_eval``, or fewer in quick mode."""
        return min(self.n_eval, QUICK["n_eval"]) if self.quick else self.n_eval


@dataclass
class RealImages:
    """The lab's training images in [-1, 1] (N, H, W, C) float32, their labels (or None), held-out
    images (or None), class names, a description, and whether the Fashion-MNIST evaluator applies."""
    x: np.ndarray
    y: np.ndarray | None
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    class_names: list
    source: str
    fashion: bool


@dataclass
class GANResults:
    """What Lab 3 measured and wrote.

    ``metrics``: ``evaluate_samples``'s dict (None when the evaluator does not apply
    to the data); ``calibration``: the evaluator's reference rows (real, noised,
    blurred ... images); ``agreement``: for "cgan", the fraction of samples of each
    requested class that the frozen classifier names that class, by class name, and
    ``agreement_mean``; ``history``: per-epoch d_loss, g_loss, d_real, d_fake;
    ``evaluator``: its file and test accuracy; ``epochs``: the ``Timing`` of each epoch; ``timing``: of the parts ("data",
    "evaluator", "training", "metrics", "figures", "total"); ``files``: what was
    written, by key of ``FILES`` (``grids``: the per-epoch PNGs).
    """
    config: GANConfig
    settings: dict
    gan: object
    source: str
    sizes: dict
    history: dict
    epochs: list
    timing: dict
    batches: dict = field(default_factory=dict)
    metrics: dict | None = None
    calibration: dict = field(default_factory=dict)
    agreement: dict | None = None
    agreement_mean: float | None = None
    evaluator_note: str = ""
    evaluator: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)

    @property
    def fashion(self):
        return self.metrics is not None

    def checks(self):
        """The lab's claims as (what, value, holds) rows: the Fréchet distance below that of the
        sigma = 0.2 noised test images, every class between 4% and 16% of the samples, and for
        the conditional GAN an agreement of at least 80%."""
        from .gan_report import claims
        return claims(self)

    def summary(self):
        """The result in a few lines, as ``axon lab gan`` prints it."""
        from .gan_report import summary
        return summary(self)


class BatchLogs(Callback):
    """Records every batch's own value of the model's mean trackers (d_loss, g_loss, d_real,
    d_fake), not the running mean of the epoch the progress bar shows: ``logs[name]`` is a list,
    ``epoch_of_batch`` the fractional epoch at the end of each batch."""

    def __init__(self):
        super().__init__()
        self.logs, self.epoch_of_batch = {}, []

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._seen = epoch, {}

    def on_train_batch_end(self, batch, logs=None):
        for metric in self.model.metrics:
            total, count = getattr(metric, "total", None), getattr(metric, "count", None)
            if total is None or not count:
                continue
            t0, c0 = self._seen.get(metric.name, (0.0, 0))
            if count > c0:
                self.logs.setdefault(metric.name, []).append((total - t0) / (count - c0))
            self._seen[metric.name] = (total, count)
        self.epoch_of_batch.append(self._epoch + (batch + 1) / max(self.params.get("steps") or batch + 1, 1))


def _to_signed(images):
    """uint8 images -> float32 in [-1, 1]."""
    return images.astype(np.float32) * np.float32(2 / 255) - np.float32(1)


def to_unit(images):
    """Images in [-1, 1] -> [0, 1] (the evaluator's and the plots' range), clipped."""
    return np.clip((np.asarray(images, dtype=np.float32) + 1) / 2, 0, 1)


def _subset(x, y, limit, rng):
    if limit is None or limit >= len(x):
        return x, y
    idx = np.sort(rng.permutation(len(x))[:limit])
    return x[idx], None if y is None else y[idx]


def load_folder(config):
    """The images of ``config.data_dir`` as uint8 (N, H, W, C) and their labels (int64, one per
    class sub-folder) or None: every image file in the folder and its sub-folders, or, for the
    conditional GAN, those of its class sub-folders.  A folder without images is an error that
    names it."""
    from ..data.image import IMAGE_EXTENSIONS, check_folder, keep_readable, list_image_files, load_img, \
        scan_directory
    directory = check_folder(config.data_dir)
    if config.model == "cgan":
        try:
            files, labels, names, _ = scan_directory(directory)
        except ValueError as e:
            raise ValueError(f"the conditional GAN needs labelled images: {e}") from None
    else:
        files = list_image_files(directory)
        if not files:
            raise ValueError(f"image folder {directory!r} holds no image files ({', '.join(IMAGE_EXTENSIONS)}), "
                             "neither in it nor in its sub-folders; give a folder of images")
        keep, _ = keep_readable(directory, files)
        files = [f for f, k in zip(files, keep) if k]
        if not files:
            raise ValueError(f"image folder {directory!r}: none of its image files could be read")
        labels, names = None, []
    channels = 1 if config.color_mode == "grayscale" else 3
    images = np.empty((len(files), *config.image_size, channels), dtype=np.uint8)
    for k, rel in enumerate(files):
        img = load_img(os.path.join(directory, rel), config.color_mode, config.image_size, "bilinear")
        images[k] = np.asarray(img, dtype=np.uint8).reshape(*config.image_size, channels)
    return images, labels, list(names)


def load_real(config):
    """The lab's images (``RealImages``): Fashion-MNIST's 60,000 training and 10,000 test images,
    or those of ``config.data_dir`` (no test images); at most ``config.limit`` (quick mode:
    512) for training."""
    rng = np.random.default_rng(config.seed)
    limit = config.limit if config.limit is not None else (QUICK["limit"] if config.quick else None)
    if config.data_dir is not None:
        x, y, names = load_folder(config)
        x, y = _subset(x, y, limit, rng)
        fashion = x.shape[1:] == (28, 28, 1)
        source = f"folder {config.data_dir} ({len(x)} images of {x.shape[1]}x{x.shape[2]}x{x.shape[3]})"
        return RealImages(_to_signed(x), y, None, None, names, source, fashion)
    from ..data.datasets import fashion_mnist
    (x, y), (xt, yt) = fashion_mnist.load_data()
    x, y = _subset(x[..., None], y.astype(np.int64), limit, rng)
    if config.quick:
        xt, yt = xt[:QUICK["test_limit"]], yt[:QUICK["test_limit"]]
    source = "Fashion-MNIST" + (f" ({len(x)} of its 60,000 training images)" if len(x) < 60000 else "")
    return RealImages(_to_signed(x), y, _to_signed(xt[..., None]), yt.astype(np.int64),
                      list(fashion_mnist.CLASS_NAMES), source, fashion=True)


def build_gan(config, settings, image_shape, num_classes):
    """The compiled GAN of ``config.model`` with ``settings`` (width or hidden units, latent_dim,
    learning rates, beta_1), its weights and noise seeded by ``config.seed``."""
    import axon
    from ..zoo.generative.dcgan import dcgan, mlp_gan
    common = dict(image_shape=tuple(image_shape), latent_dim=int(settings["latent_dim"]), seed=config.seed)
    if config.model == "mlp":
        hidden = tuple(settings["hidden"])
        gan = mlp_gan(g_hidden=hidden, d_hidden=hidden[::-1], **common)
    elif config.model == "dcgan":
        gan = dcgan(width=int(settings["width"]), **common)
    else:
        from ..zoo.generative.cgan import conditional_gan
        gan = conditional_gan(num_classes=num_classes, width=int(settings["width"]), **common)
    beta_1 = settings.get("beta_1", 0.5)
    gan.compile(d_optimizer=axon.optimizers.Adam(learning_rate=settings["lr_d"], beta_1=beta_1),
                g_optimizer=axon.optimizers.Adam(learning_rate=settings["lr_g"], beta_1=beta_1))
    return gan


def generator_info(config, settings, data, image_shape):
    """What ``axon generate`` needs to know of the saved generator (``generator.json``)."""
    conditional = config.model == "cgan"
    return {"model": config.model, "latent_dim": int(settings["latent_dim"]), "image_shape": list(image_shape),
            "conditional": conditional, "num_classes": len(data.class_names) if conditional else None,
            "class_names": data.class_names, "range": [-1, 1], "source": data.source}


def run(config, log=print):
    """Train, judge and report as ``config`` says; returns ``GANResults``.  ``log`` prints the
    progress lines (the evaluator's training on first use among them)."""
    import axon
    from ..zoo.generative.gan import SampleGrid
    from . import gan_report

    say = log if config.verbose else (lambda *a, **k: None)
    total, parts = Stopwatch(), {}
    axon.manual_seed(config.seed)
    settings = config.settings()
    with Stopwatch() as watch:
        data = load_real(config)
    parts["data"] = watch.timing
    image_shape = data.x.shape[1:]
    conditional = config.model == "cgan"
    if conditional and data.y is None:
        raise ValueError("the conditional GAN needs class labels; give a data_dir with one sub-folder per class")
    num_classes = len(data.class_names) if conditional else None

    gan = build_gan(config, settings, image_shape, num_classes)
    say(f"data: {data.source}; training {len(data.x)} images of {image_shape} in [-1, 1]")
    say(f"{config.model}: generator {gan.generator.count_params():,} parameters, discriminator "
        f"{gan.discriminator.count_params():,}; {settings['epochs']} epochs of batch {settings['batch_size']}")

    os.makedirs(config.out, exist_ok=True)
    path = lambda key: os.path.join(config.out, FILES[key])
    # the same noise every epoch; for the conditional GAN a row of 8 per class
    labels = np.repeat(np.arange(num_classes), 8) if conditional else None
    grids = SampleGrid(path("samples"), n=64 if labels is None else len(labels), seed=config.seed, labels=labels,
                       prefix="epoch")
    timer, batches = EpochTimer(), BatchLogs()
    with Stopwatch() as watch:
        fit_args = (data.x, data.y) if conditional else (data.x,)
        history = gan.fit(*fit_args, epochs=settings["epochs"], batch_size=settings["batch_size"], shuffle=True,
                          verbose=config.verbose, callbacks=[timer, batches, grids])
    parts["training"] = watch.timing

    gan.generator.save(path("generator"))  # the generator alone: all 'axon generate' needs
    write_text(path("info"), json.dumps(generator_info(config, settings, data, image_shape), indent=1))
    files = {"generator": path("generator"), "info": path("info"), "grids": list(grids.paths)}

    results = GANResults(config, settings, gan, data.source,
                         {"training": len(data.x), "judged": config.n_samples}, dict(history.history),
                         timer.epochs, parts, batches={"epoch": batches.epoch_of_batch, **batches.logs})
    with Stopwatch() as watch:
        samples = sample(gan, config.n_samples, num_classes, seed=config.seed + 1)
    parts["sampling"] = watch.timing
    judge(results, data, samples, say)
    results.files = files
    with Stopwatch() as watch:
        files.update(gan_report.write_figures(results, data, samples, path))
    parts["figures"] = watch.timing
    parts["total"] = total.elapsed()
    files["report"] = gan_report.write_report(results, path("report"))
    return results


def sample(gan, n, num_classes=None, seed=0):
    """``n`` samples in [-1, 1]; for a conditional GAN an equal share of every class, the classes
    in turn (so any run of them, such as an Inception Score split, holds every class): returns
    ``(images, labels)``, else ``(images, None)``."""
    if num_classes:
        labels = np.arange(n) % num_classes
        return gan.generate(n, labels, seed=seed), labels
    return gan.generate(n, seed=seed), None


def judge(results, data, samples, say=print):
    """Fill ``results`` with the evaluator's metrics of ``samples`` ((images, labels) in [-1, 1]),
    its calibration rows and, for labelled samples, the agreement per class."""
    c = results.config
    if not data.fashion:
        results.evaluator_note = ("The metrics need 28x28 grayscale images (the frozen Fashion-MNIST classifier's "
                                  "input); these images are not, so none were computed.")
        return
    from ..zoo.generative.sample_metrics import calibration, evaluate_samples
    say("evaluator: the frozen Fashion-MNIST classifier (trained once on first use, a few minutes, then cached)")
    with Stopwatch() as watch:
        evaluator, reference = load_evaluator(c)
    results.timing["evaluator"] = watch.timing
    results.evaluator = {"path": evaluator.path, "test_accuracy": evaluator.test_accuracy,
                         "small (quick mode)": c.quick}
    images, labels = samples
    real_test = None if data.x_test is None else to_unit(data.x_test)
    with Stopwatch() as watch:
        results.metrics = evaluate_samples(evaluator, to_unit(images), to_unit(data.x), real_test,
                                           n=c.n_samples, seed=c.seed)
        results.calibration = calibration(evaluator, n=c.n_samples, data=reference, verbose=c.verbose)
    results.timing["metrics"] = watch.timing
    if c.data_dir is not None:
        results.evaluator_note = ("These images come from a folder, not from Fashion-MNIST: the metrics use the "
                                  "features of a classifier of Fashion-MNIST's ten classes and compare the samples "
                                  "with the folder's images; they mean something only for Fashion-MNIST-like "
                                  "images, and the calibration rows are Fashion-MNIST's.")
    if labels is not None:
        predicted = evaluator.probabilities(to_unit(images)).argmax(axis=1)
        hits = predicted == labels
        results.agreement = {name: float(hits[labels == k].mean()) for k, name in enumerate(data.class_names)
                             if np.any(labels == k)}
        results.agreement_mean = float(hits.mean())


def load_evaluator(config):
    """``(evaluator, data)``: the frozen Fashion-MNIST classifier from its cache (trained on first
    use) and the data it was trained on (None: all of Fashion-MNIST).  Quick mode trains a small one
    (half the width, two epochs on 2,000 images: about 0.65 test accuracy) in seconds."""
    from ..zoo.generative.evaluator import Evaluator
    if not config.quick:
        return Evaluator.load(cache_dir=config.evaluator_dir, verbose=config.verbose), None
    from ..data.datasets import fashion_mnist
    (x, y), (xt, yt) = fashion_mnist.load_data()
    n, nt = QUICK["evaluator_images"], QUICK["test_limit"]
    tiny = ((x[:n], y[:n].astype(np.int64)), (xt[:nt], yt[:nt].astype(np.int64)))
    return Evaluator.load(cache_dir=config.evaluator_dir, data=tiny, width=0.5, epochs=2, verbose=0), tiny


# -- drawing from a saved generator (axon generate) ------------------------------------------------

@dataclass
class SavedGenerator:
    """A generator saved by the lab: ``model`` (noise, or noise and labels, -> images in
    [-1, 1]) and its ``info`` (``generator.json``: latent_dim, conditional, num_classes,
    class_names, image_shape)."""
    model: object
    info: dict

    @property
    def conditional(self):
        return bool(self.info.get("conditional"))

    def class_name(self, label):
        """The name of class ``label`` (its number when the names are unknown)."""
        names = self.info.get("class_names") or []
        return f"{label} ({names[label]})" if 0 <= label < len(names) else str(label)

    @classmethod
    def load(cls, path):
        """The generator at ``path`` and the ``generator.json`` beside it (or what the model's
        inputs tell: the noise size and, for two inputs, a conditional generator)."""
        from ..models.saving import load_model
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no generator file {os.fspath(path)!r}; give the generator.axon that "
                                    "'axon lab gan' wrote")
        model = load_model(path, compile=False)
        meta = os.path.join(os.path.dirname(os.path.abspath(path)), FILES["info"])
        if os.path.isfile(meta):
            try:
                with open(meta, encoding="utf-8") as f:
                    info = json.load(f)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise ValueError(f"{meta!r} is not the generator's JSON description: {e}") from None
        else:
            info = _infer_info(model)
        return cls(model, info)

    def generate(self, n, label=None, seed=0):
        """``n`` images in [0, 1] (N, H, W, C); ``label`` (a class index) for a conditional
        generator, which then needs one."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        k = self.info.get("num_classes")
        if label is not None and not self.conditional:
            raise ValueError(f"class {label} asked of an unconditional generator ({self.info.get('model', 'GAN')}): "
                             "only a conditional GAN (axon lab gan --model cgan) draws a class; leave out --class")
        if label is not None and k is None:
            raise ValueError("this conditional generator does not say how many classes it has; give the "
                             f"{FILES['info']} that 'axon lab gan' wrote beside it")
        if label is not None and not 0 <= label < k:
            raise ValueError(f"class must be between 0 and {k - 1} for this generator of {k} classes, got {label}")
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, int(self.info["latent_dim"]))).astype(np.float32)
        if self.conditional:
            labels = np.full(n, label) if label is not None else np.arange(n) % k
            images = self.model.predict([z, labels.astype(np.float32).reshape(n, 1)], batch_size=256, verbose=0)
        else:
            images = self.model.predict(z, batch_size=256, verbose=0)
        return to_unit(images)


def _infer_info(model):
    """What a generator without its ``generator.json`` tells of itself: the noise size from its
    first input, conditional when it takes a second (the label), the classes from its embedding."""
    from ..layers import Embedding
    from ..zoo.generative.gan import input_shapes
    shapes = input_shapes(model)
    if not shapes or len(shapes[0]) != 1:
        raise ValueError(f"{model.describe()} takes no noise vector (N, latent_dim) and there is no "
                         f"{FILES['info']} beside it; give a generator saved by 'axon lab gan'")
    conditional = len(shapes) == 2
    classes = [layer.input_dim for layer in getattr(model, "layers", []) if isinstance(layer, Embedding)]
    return {"model": "generator", "latent_dim": int(shapes[0][0]), "conditional": conditional,
            "num_classes": int(classes[0]) if conditional and classes else None, "class_names": []}
