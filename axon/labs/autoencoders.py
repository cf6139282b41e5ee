"""The autoencoders lab: ``run(AutoencoderConfig(kind=...)) -> AutoencoderResults``.

Trains one of the zoo's autoencoders on Fashion-MNIST (or MNIST, or a folder of
images) and shows what it learnt: test reconstructions (originals above,
reconstructions below), a 2-D map of the codes coloured by class, and by kind
the noisy / clean / denoised triples, the VAE's manifold grid, interpolations
between test images and, for the conditional VAE, samples of every class.

    axon train autoencoder --kind ae           # dense 784-256-32-256-784, about a minute on 2 cores
    axon train autoencoder --kind vae --latent-dim 2 --epochs 30
    axon train autoencoder --kind cvae --out runs/cvae

Every kind's default number of epochs (``DEFAULT_EPOCHS``) finishes in a few
minutes on 2 cores; ``quick=True`` trains on 2,000 images for 2 epochs (seconds).
"""
import math
import os
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from . import checks
from .report import EpochTimer, Report, Stopwatch, Timing, mean_timing

KINDS = {"ae": "dense autoencoder", "conv": "convolutional autoencoder",
         "denoising": "denoising autoencoder (dense, Gaussian noise of std 0.3)",
         "sparse": "sparse autoencoder (KL penalty towards mean activity 0.05)",
         "vae": "variational autoencoder (dense)", "cvae": "conditional variational autoencoder (dense)"}
#: epochs of a full run (60,000 images) by kind: each a few minutes on 2 cores
DEFAULT_EPOCHS = {"ae": 20, "conv": 3, "denoising": 20, "sparse": 20, "vae": 25, "cvae": 25}
DATASETS = ("fashion-mnist", "mnist")
FILES = {"model": "model.axon", "report": "report.md", "curves": "learning_curves.png",
         "reconstructions": "reconstructions.png", "denoising": "denoising.png", "latent": "latent_map.png",
         "manifold": "manifold.png", "interpolations": "interpolations.png", "samples": "samples.png"}
CAPTIONS = {"reconstructions": "Test images (above) and their reconstructions (below)",
            "denoising": "Noisy input, clean image, reconstruction from the noisy input",
            "latent": "Test codes in two dimensions, coloured by class",
            "manifold": "The decoder's manifold: decoded points of a latent grid",
            "interpolations": "Interpolations between test images in latent space",
            "samples": "Samples: decoded draws of the prior (by class for the conditional VAE)",
            "curves": "Learning curves"}
QUICK = dict(limit=2000, test_limit=500, epochs=2)
#: the conv kind's filters, the denoiser's noise std, the sparse code's target mean activity
CONV_FILTERS, NOISE, SPARSITY = (16, 32), 0.3, 0.05


@dataclass
class AutoencoderConfig:
    """Settings of the autoencoders lab.  ``kind``: one of ``KINDS``; ``epochs``: default by kind
    (``DEFAULT_EPOCHS``); ``latent_dim``: default the kind's builder's (32 for ae/conv/denoising,
    64 for sparse, 20 for vae/cvae).

    ``data_dir``: a folder holding the four IDX files of a dataset in MNIST format, or a folder
    with one sub-folder of images per class (converted to grayscale and resized to 28x28, with
    ``test_split`` held out); without it ``dataset`` is loaded.  ``quick``: 2,000 training and
    500 test images for 2 epochs, unless ``limit``, ``test_limit`` or ``epochs`` say otherwise.
    """
    kind: str = "ae"
    epochs: int | None = None
    batch_size: int = 128
    latent_dim: int | None = None
    dataset: str = "fashion-mnist"
    data_dir: str | None = None
    test_split: float = 0.2
    validation_split: float = 0.1
    limit: int | None = None
    test_limit: int | None = None
    seed: int = 0
    out: str = "runs/autoencoder"
    quick: bool = False
    verbose: int = 1

    def __post_init__(self):
        checks.one_of("kind", self.kind, tuple(KINDS))
        checks.one_of("dataset", self.dataset, DATASETS)
        checks.one_of("verbose", self.verbose, (0, 1, 2))
        checks.fraction("test_split", self.test_split)
        checks.fraction("validation_split", self.validation_split, zero_ok=True)
        for name in ("epochs", "latent_dim", "limit", "test_limit"):
            checks.at_least(name, getattr(self, name), 2 if name == "latent_dim" else 1, optional=True)
        checks.at_least("batch_size", self.batch_size, 1)
        if self.quick:
            for name, value in QUICK.items():
                if getattr(self, name) is None:
                    setattr(self, name, value)
        if self.epochs is None:
            self.epochs = DEFAULT_EPOCHS[self.kind]


@dataclass
class AutoencoderResults:
    """What the lab measured and wrote.  ``losses``: the model's test losses by name (the
    VAEs': loss, reconstruction_loss, kl_loss, per image in nats); ``mse``: the reconstructions'
    mean squared error per pixel, against ``baseline_mse``, that of the training set's mean image;
    ``measured``: the kind's own figures (denoising: noisy and denoised errors; sparse: mean code
    activity); ``files``: what was written, by key of ``FILES``."""
    config: AutoencoderConfig
    model: object
    losses: dict
    mse: float
    baseline_mse: float
    measured: dict
    history: dict
    epochs: list
    total: Timing
    source: str
    sizes: dict
    parameters: int
    latent_dim: int
    notes: list = field(default_factory=list)
    files: dict = field(default_factory=dict)

    def summary(self):
        """The result in one line, as ``axon train autoencoder`` prints it."""
        each = mean_timing(self.epochs)
        losses = ", ".join(f"{k} {v:.4g}" for k, v in self.losses.items())
        return (f"{self.config.kind}: test {losses}; pixel MSE {self.mse:.4f} (mean image {self.baseline_mse:.4f})"
                f"  ({each.wall:.1f} s per epoch; {self.total.wall:.0f} s in all)")


# ----- data

def load_images(config):
    """``(x, y), (x_test, y_test), class_names, source``: float32 images (N, 28, 28, 1) in [0, 1]
    and int64 labels, as ``config`` says (``data_dir`` or ``dataset``)."""
    from ..data import datasets
    if config.data_dir is not None and not _holds_idx(config.data_dir):
        from ..data.image import load_image_folder
        from ..data.splits import train_test_split
        x, y, names = load_image_folder(config.data_dir, target_size=(28, 28), color_mode="grayscale")
        x, xt, y, yt = train_test_split(x, y, test_size=config.test_split, seed=config.seed, stratify=y)
        source = (f"image folder {config.data_dir} ({len(x) + len(xt)} images in {len(names)} classes, "
                  f"grayscale 28x28, {config.test_split:.0%} held out for testing)")
    else:
        module = datasets.fashion_mnist if config.dataset == "fashion-mnist" else datasets.mnist
        (x, y), (xt, yt) = module.load_data(path=config.data_dir)
        names = list(getattr(module, "CLASS_NAMES", [str(i) for i in range(10)]))
        x, xt = x[..., None], xt[..., None]
        source = config.dataset if config.data_dir is None else f"{config.dataset} from {config.data_dir}"
    rng = np.random.default_rng(config.seed)
    x, y = _subset(x, y, config.limit, rng)
    xt, yt = _subset(xt, yt, config.test_limit, rng)
    scale = lambda a: a.astype(np.float32) * np.float32(1 / 255)
    return (scale(x), y.astype(np.int64)), (scale(xt), yt.astype(np.int64)), list(names), source


def _holds_idx(folder):
    """Whether ``folder`` is meant as a dataset's IDX files (else as class folders of images)."""
    if not os.path.isdir(folder):
        return False
    entries = os.listdir(folder)
    if any(f.startswith(("train-images-idx3-ubyte", "t10k-images-idx3-ubyte")) for f in entries):
        return True
    if not any(os.path.isdir(os.path.join(folder, f)) and not f.startswith(".") for f in entries):
        raise ValueError(f"data_dir {folder!r} holds neither a dataset's IDX files (train-images-idx3-ubyte.gz, "
                         "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) nor "
                         "one sub-folder of images per class; give a folder of either kind")
    return False


def _subset(x, y, limit, rng):
    if limit is None or limit >= len(x):
        return x, y
    idx = np.sort(rng.permutation(len(x))[:limit])
    return x[idx], y[idx]


# ----- the models, behind one face

def build(kind, input_shape, num_classes, latent_dim=None, seed=None):
    """The zoo model of ``kind`` (see ``KINDS``), compiled with Adam (the autoencoders on binary
    cross-entropy, the VAEs on their own loss); ``latent_dim`` None takes the builder's default.
    The convolutional kind uses filters (16, 32), a quarter of the work of the builder's (32, 64)."""
    from ..zoo.generative import autoencoder as ae, cvae, vae
    extra = {} if latent_dim is None else {"latent_dim": latent_dim}
    if kind in ("vae", "cvae"):
        model = vae.dense_vae(input_shape, seed=seed, **extra) if kind == "vae" else \
            cvae.dense_cvae(input_shape, num_classes=num_classes, seed=seed, **extra)
        model.compile("adam")
        return model
    if kind == "ae":
        model = ae.dense_autoencoder(input_shape, **extra)
    elif kind == "conv":
        model = ae.conv_autoencoder(input_shape, filters=CONV_FILTERS, **extra)
    elif kind == "denoising":
        model = ae.denoising_autoencoder(kind="dense", noise="gaussian", amount=NOISE, input_shape=input_shape,
                                         **extra)
    else:
        model = ae.sparse_autoencoder(input_shape, penalty="kl", target=SPARSITY, **extra)
    model.compile("adam", "binary_crossentropy")
    return model


def is_vae(model):
    from ..zoo.generative.vae import VAE
    return isinstance(model, VAE)


def is_conditional(model):
    from ..zoo.generative.cvae import ConditionalVAE
    return isinstance(model, ConditionalVAE)


def codes(model, x, y=None):
    """The codes of images ``x`` (N, latent): an autoencoder's encoding, a VAE's posterior mean
    (a conditional VAE's given the labels ``y``)."""
    if is_conditional(model):
        return model.encode(x, y)[0]
    return model.encode(x)[0] if is_vae(model) else model.encode(x)


def decode(model, z, y=None):
    """Images (N, H, W, C) decoded from codes ``z`` (for a conditional VAE, as classes ``y``:
    indices or one-hot rows)."""
    return model.decode(z, y) if is_conditional(model) else model.decode(z)


def reconstruct(model, x, y=None):
    """The reconstructions of ``x`` (a VAE decodes its posterior mean)."""
    return decode(model, codes(model, x, y), y)


def corrupt(x, noise, amount, seed):
    """``x`` corrupted as ``denoising_autoencoder`` corrupts its training inputs: ``"gaussian"``
    adds N(0, ``amount``^2) noise, ``"dropout"`` multiplies by normal noise of mean 1 and std
    sqrt(``amount`` / (1 - ``amount``)) (Keras's ``GaussianDropout``)."""
    rng = np.random.default_rng(seed)
    if noise == "gaussian":
        return (x + rng.normal(0, amount, x.shape)).astype(np.float32)
    return (x * rng.normal(1, math.sqrt(amount / (1 - amount)), x.shape)).astype(np.float32)


def pca_2d(z):
    """``(points (N, 2), explained)``: ``z`` projected on its first two principal components,
    and the fraction of the variance they hold."""
    z = z - z.mean(axis=0)
    _, s, vt = np.linalg.svd(z.astype(np.float64), full_matrices=False)
    return (z @ vt[:2].T).astype(np.float32), float((s[:2] ** 2).sum() / max((s ** 2).sum(), 1e-12))


def grid_values(n, span=0.95):
    """``n`` points of the standard normal's quantiles from (1 - span) / 2 to (1 + span) / 2
    (Kingma and Welling's manifold figure)."""
    p = np.linspace((1 - span) / 2, (1 + span) / 2, n)
    return np.array([NormalDist().inv_cdf(v) for v in p], dtype=np.float32)


def manifold(model, dims=(0, 1), n=15, base=None, y=None):
    """Decoded images of an n x n grid, row by row: latent ``dims`` run over the normal quantiles,
    the first from left to right, the second from bottom to top (the plane as the latent map draws
    it), the other coordinates at ``base`` (default zero, the prior's mean); (n * n, H, W, C)."""
    values = grid_values(n)
    z = np.tile(np.zeros(model.latent_dim, np.float32) if base is None else base, (n * n, 1))
    z[:, dims[0]] = np.tile(values, n)
    z[:, dims[1]] = np.repeat(values[::-1], n)
    return decode(model, z, None if y is None else np.full(n * n, y, np.int64))


def interpolations(model, x_a, x_b, steps=10, y_a=None, y_b=None):
    """(pairs, steps, H, W, C): decodings along the straight line between the codes of
    ``x_a[i]`` and ``x_b[i]`` (a conditional VAE moves its one-hot label along the line too, as
    ``ConditionalVAE.interpolate``)."""
    line = lambda a, b: (a[:, None] * (1 - t) + b[:, None] * t).reshape(len(a) * steps, -1)
    t = np.linspace(0, 1, steps, dtype=np.float32)[None, :, None]
    y = None
    if y_a is not None:
        y = line(model.one_hot(y_a), model.one_hot(y_b))
    z = line(codes(model, x_a, y_a), codes(model, x_b, y_b))
    return decode(model, z, y).reshape((len(x_a), steps) + x_a.shape[1:])


def kl_per_dimension(model, x, y=None):
    """The VAE's KL divergence from the prior per latent dimension, mean over images ``x`` (of
    classes ``y``, for a conditional VAE), in nats."""
    mean, log_var = model.encode(x, y) if is_conditional(model) else model.encode(x)
    return (0.5 * (np.exp(log_var) + mean ** 2 - 1 - log_var)).mean(axis=0)


# ----- figures

def plot_rows(rows, labels, path, title=None):
    """Rows of images drawn as one picture each, ``labels`` on the left: ``rows`` a list of
    arrays (n, H, W[, 1]) of equal n; returns ``path``."""
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    cols = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), 1, figsize=(0.75 * cols + 1.2, 0.8 * len(rows) + (0.4 if title else 0)),
                             squeeze=False)
    for ax, images, label in zip(axes[:, 0], rows, labels):
        images = np.asarray(images)[..., 0] if np.asarray(images).ndim == 4 else np.asarray(images)
        ax.imshow(np.concatenate(list(images), axis=1), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_tiles(images, n_cols, path, title=None, row_labels=None, scale=0.42):
    """Images (N, H, W[, 1]) tiled edge to edge, ``n_cols`` a row (a manifold grid), each ``scale``
    inches wide, ``row_labels`` on the left; returns ``path``."""
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    images = np.asarray(images)
    images = images[..., 0] if images.ndim == 4 else images
    n_rows, (h, w) = -(-len(images) // n_cols), images.shape[1:3]
    canvas = np.zeros((n_rows * h, n_cols * w), np.float32)
    for k, img in enumerate(images):
        r, c = divmod(k, n_cols)
        canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
    fig, ax = plt.subplots(figsize=(scale * n_cols + (1.2 if row_labels else 0.2), scale * n_rows + 0.5))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([] if not row_labels else (np.arange(n_rows) + 0.5) * h, row_labels or [], fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def plot_latent_map(points, labels, names, path, title, axes=("z1", "z2")):
    """Codes in two dimensions (N, 2) as points coloured by class (drawn in random order, so that no
    class hides the others), ``axes`` naming the two; returns ``path``."""
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    colors = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")(np.arange(len(names)) % 20)
    order = np.random.default_rng(0).permutation(len(points))
    ax.scatter(points[order, 0], points[order, 1], s=4, alpha=0.6, c=colors[labels[order]])
    ax.legend([plt.Line2D([], [], ls="", marker="o", color=c) for c in colors], names, fontsize=7,
              loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set(xlabel=axes[0], ylabel=axes[1])
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


# ----- the lab

def run(config):
    """Train, test and report as ``config`` says; returns ``AutoencoderResults``."""
    import axon
    watch = Stopwatch()
    axon.manual_seed(config.seed)
    (x, y), (xt, yt), names, source = load_images(config)
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(x))
    n_val = int(len(x) * config.validation_split)
    xv, yv, x, y = x[order[:n_val]], y[order[:n_val]], x[order[n_val:]], y[order[n_val:]]
    model = build(config.kind, x.shape[1:], len(names), config.latent_dim, seed=config.seed)
    conditional = config.kind == "cvae"
    if config.verbose:
        print(f"{KINDS[config.kind]}; data: {source}; training {len(x)}, validation {len(xv)}, test {len(xt)} images")
    timer = EpochTimer()
    fit_kw = dict(epochs=config.epochs, batch_size=config.batch_size, shuffle=True, verbose=config.verbose,
                  callbacks=[timer])
    if conditional:
        history = model.fit(x, y, validation_data=(xv, yv) if n_val else None, **fit_kw)
        losses = model.evaluate(xt, yt, batch_size=500, return_dict=True)
    elif is_vae(model):
        history = model.fit(x, validation_data=xv if n_val else None, **fit_kw)
        losses = model.evaluate(xt, batch_size=500, return_dict=True)
    else:
        history = model.fit(x, x, validation_data=(xv, xv) if n_val else None, **fit_kw)
        losses = model.evaluate(xt, xt, batch_size=500, return_dict=True)
    losses = {k: float(v) for k, v in losses.items() if np.ndim(v) == 0}

    label = yt if conditional else None
    recon = reconstruct(model, xt, label)
    mse = float(np.mean((recon - xt) ** 2))
    baseline = float(np.mean((x.mean(axis=0) - xt) ** 2))
    measured, notes = {}, []
    os.makedirs(config.out, exist_ok=True)
    path = lambda key: os.path.join(config.out, FILES[key])
    model.save(path("model"))
    files = {"model": path("model")}
    from ..utils.plots import plot_history
    files["curves"] = plot_history(history, path("curves"), title=f"{config.kind}: learning curves")
    show = _pick(yt, 12, rng)
    files["reconstructions"] = plot_rows([xt[show], recon[show]], ["test image", "reconstruction"],
                                         path("reconstructions"), title=f"{KINDS[config.kind]}: test reconstructions")
    if config.kind == "denoising":
        noisy = corrupt(xt, "gaussian", NOISE, config.seed + 1)
        denoised = reconstruct(model, noisy)
        measured["noisy input MSE"] = float(np.mean((noisy - xt) ** 2))
        measured["denoised MSE"] = float(np.mean((denoised - xt) ** 2))
        files["denoising"] = plot_rows([noisy[show], xt[show], denoised[show]], ["noisy input", "clean", "denoised"],
                                       path("denoising"), title=f"Denoising: Gaussian noise of std {NOISE}")
    z = codes(model, xt, label)
    if config.kind == "sparse":
        measured["mean code activity"] = float(z.mean())
        measured["sparsity target"] = SPARSITY
    axes = ("z1", "z2")
    if z.shape[1] == 2:
        points, how = z, "the 2-D codes"
    else:
        axes = ("first principal component", "second principal component")
        points, explained = pca_2d(z)
        how = f"first two principal components of the {z.shape[1]}-D codes ({explained:.0%} of their variance)"
        notes.append(f"The latent map shows the {how}: the codes have more than two dimensions.")
    files["latent"] = plot_latent_map(points, yt, names, path("latent"), f"{config.kind}: test codes, {how}", axes)

    pairs = _pairs(yt, 6, rng)
    steps = interpolations(model, xt[pairs[:, 0]], xt[pairs[:, 1]], 10,
                           *( (yt[pairs[:, 0]], yt[pairs[:, 1]]) if conditional else ()))
    labels = [f"{_short(names[yt[a]])} to\n{_short(names[yt[b]])}" for a, b in pairs]
    files["interpolations"] = plot_rows(list(steps), labels, path("interpolations"),
                                        title="Straight lines between two test codes")
    if is_vae(model):
        files.update(_vae_figures(model, xt, yt, names, path, notes, config.seed))
    results = AutoencoderResults(config, model, losses, mse, baseline, measured, dict(history.history),
                                 timer.epochs, watch.elapsed(), source,
                                 {"training": len(x), "validation": len(xv), "test": len(xt)},
                                 model.count_params(), z.shape[1], notes, files)
    files["report"] = write_report(results, path("report"))
    return results


def _vae_figures(model, xt, yt, names, path, notes, seed):
    """The VAE's manifold grid and samples (by class for the conditional VAE); their paths by key."""
    conditional = is_conditional(model)
    if model.latent_dim == 2:
        dims = (0, 1)
        notes.append("The manifold grid decodes the 2-D latent plane over the prior's 2.5%-97.5% quantiles, "
                     "as in Kingma and Welling's figure.")
    else:
        kl = kl_per_dimension(model, xt[:2000], yt[:2000] if conditional else None)
        dims = tuple(int(d) for d in np.argsort(kl)[::-1][:2])
        notes.append(f"The latent space has {model.latent_dim} dimensions: the manifold grid traverses the two "
                     f"of largest KL, the most used (dimensions {dims[0]} and {dims[1]}), over the prior's "
                     "2.5%-97.5% quantiles, the others at zero; train with --latent-dim 2 for the whole 2-D manifold.")
    title = f"latent dims {dims[0]} (left to right) and {dims[1]} (bottom to top)"
    if conditional:
        notes.append(f"The conditional VAE's manifold is drawn as class {names[0]!r}; its samples decode the same "
                     "ten draws of the prior (columns) as each class (rows): the code carries the style, the label "
                     "the class.")
        title += f", class {names[0]}"
    files = {"manifold": plot_tiles(manifold(model, dims, 15, y=0 if conditional else None), 15, path("manifold"),
                                    title=title)}
    if conditional:
        z = np.random.default_rng(seed).standard_normal((10, model.latent_dim)).astype(np.float32)
        drawn = decode(model, np.tile(z, (len(names), 1)), np.repeat(np.arange(len(names)), 10))
        files["samples"] = plot_tiles(drawn, 10, path("samples"), row_labels=[_short(n) for n in names],
                                      title="Samples by class (each column one draw of the prior)")
    else:
        files["samples"] = plot_tiles(model.sample(40, seed=seed), 10, path("samples"),
                                      title="Samples: the decoder on draws of the prior N(0, I)")
    return files


def _short(name):
    """A class name short enough for a row label ('T-shirt/top' -> 'T-shirt')."""
    return name.split("/")[0][:12]


def _pick(labels, n, rng, shift=0):
    """``n`` test indices, one per class in turn (from class number ``shift`` on)."""
    classes = np.unique(labels)
    return np.array([rng.choice(np.flatnonzero(labels == classes[(k + shift) % len(classes)])) for k in range(n)])


def _pairs(labels, n, rng):
    """``n`` pairs of test indices, each of two different classes (when there are two)."""
    return np.stack([_pick(labels, n, rng), _pick(labels, n, rng, shift=len(np.unique(labels)) // 2)], axis=1)


def write_report(results, path):
    """``report.md`` of a finished run; returns its path."""
    from .. import __version__
    c, logs = results.config, results.history
    r = Report(f"Autoencoders lab: {KINDS[c.kind]} (`--kind {c.kind}`)")
    r.paragraph(f"**Test reconstruction error: {results.mse:.4f}** mean squared error per pixel on "
                f"{results.sizes['test']} test images ({results.source}), against {results.baseline_mse:.4f} "
                "for the training set's mean image.")
    r.section("Test losses " + ("(nats per image)" if "kl_loss" in results.losses
                                else "(cross-entropy per pixel, with any penalty)"))
    r.table(["loss", "value"], [[k, f"{v:.4f}"] for k, v in results.losses.items()]
            + [[k, f"{v:.4f}"] for k, v in results.measured.items()], align="lr")
    if results.notes:
        r.bullets(results.notes)
    r.section("Training")
    keys = [k for k in logs if k != "learning_rate"]
    r.table(["epoch", *keys, "wall s", "CPU s"],
            [[e + 1, *(f"{logs[k][e]:.4f}" for k in keys), f"{t.wall:.1f}", f"{t.cpu:.1f}"]
             for e, t in enumerate(results.epochs)], align="r" * (len(keys) + 3))
    each = mean_timing(results.epochs)
    r.paragraph(f"Time per epoch: {each.wall:.1f} s wall clock, {each.cpu:.1f} s CPU; the whole run "
                f"{results.total.describe()}.")
    r.section("Settings")
    r.settings({"model": f"{KINDS[c.kind]} ({results.parameters:,} parameters, latent dimension "
                         f"{results.latent_dim})",
                "data": results.source, "images": ", ".join(f"{k} {v}" for k, v in results.sizes.items()),
                "epochs": c.epochs, "batch size": c.batch_size, "optimizer": "adam", "seed": c.seed,
                "axon": __version__})
    r.section("Figures")
    r.figures({CAPTIONS[k]: results.files[k] for k in CAPTIONS if k in results.files}, c.out)
    return r.write(path)
