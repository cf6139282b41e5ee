"""Lab 3's figures and report: the animated sample grids, loss and discriminator-output curves,
the class histogram, a latent interpolation strip, the conditional GAN's class rows, the nearest
training images of a few samples, and ``report.md`` with the metrics beside the calibration rows.

>>> tiles = tile_images(np.zeros((5, 2, 3, 1), np.float32), cols=4, pad=1)
>>> tiles.shape, tiles.dtype
((7, 17), dtype('uint8'))
"""
import os

import numpy as np

from .report import Report, mean_timing

CAPTIONS = {"grid": "Samples after the last epoch", "curves": "Losses and discriminator outputs per epoch",
            "histogram": "Classes of the samples (frozen classifier)", "per_class": "One row per requested class",
            "interpolation": "Latent interpolation between fixed noise pairs",
            "memorisation": "Samples (left) and their nearest training images"}
#: the done-when bounds of the issue
FRACTION_BOUNDS = (0.04, 0.16)
AGREEMENT_BOUND = 0.8
NOISE_ROW = "noise"


def tile_images(images, cols=8, pad=2, value=1.0):
    """Images (N, H, W[, C]) in [0, 1] as one uint8 mosaic ``cols`` wide with ``pad`` pixels of
    ``value`` (white) between them: (rows * (H + pad) + pad, cols * (W + pad) + pad[, C])."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    n, h, w = x.shape[:3]
    rows = -(-n // cols)
    full = np.full((rows * cols, *x.shape[1:]), value, np.float32)
    full[:n] = x
    full = np.pad(full, [(0, 0), (pad, 0), (pad, 0)] + [(0, 0)] * (x.ndim - 3), constant_values=value)
    grid = full.reshape(rows, cols, h + pad, w + pad, *x.shape[3:]).swapaxes(1, 2)
    grid = grid.reshape(rows * (h + pad), cols * (w + pad), *x.shape[3:])
    grid = np.pad(grid, [(0, pad), (0, pad)] + [(0, 0)] * (x.ndim - 3), constant_values=value)
    return np.clip(np.rint(grid * 255), 0, 255).astype(np.uint8)


def save_grid(images, path, cols=8, scale=2):
    """Images (N, H, W[, C]) in [0, 1] as one PNG mosaic, each pixel ``scale`` x ``scale``; returns
    ``path``."""
    from PIL import Image
    tiles = tile_images(images, cols)
    img = Image.fromarray(tiles)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    img.save(path)
    return os.fspath(path)


def write_gif(paths, path, duration=400, hold=1600):
    """The PNGs at ``paths`` (same size) as an animated GIF looping for ever, each frame
    ``duration`` ms and the last ``hold`` ms; returns ``path``."""
    from PIL import Image
    frames = [Image.open(p).convert("L") if Image.open(p).mode in ("L", "LA") else Image.open(p).convert("RGB")
              for p in paths]
    size = frames[0].size
    frames = [f if f.size == size else f.resize(size) for f in frames]
    times = [duration] * (len(frames) - 1) + [hold]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=times, loop=0, optimize=True)
    return os.fspath(path)


def decode(gan, z, labels=None):
    """The generator's images in [0, 1] for noise ``z`` (N, latent_dim) (and class ``labels``)."""
    from .gan import to_unit
    inputs = z if labels is None else [z, np.asarray(labels, dtype=np.float32).reshape(-1, 1)]
    return to_unit(gan.generator.predict(inputs, batch_size=256))


def slerp(a, b, steps):
    """Points from ``a`` to ``b`` (rows of noise) along the great circle (spherical interpolation,
    White 2016: Gaussian noise lies near a sphere, so the midpoint keeps a typical length):
    (len(a), steps, latent_dim)."""
    t = np.linspace(0, 1, steps, dtype=np.float64)[None, :, None]
    a64, b64 = a.astype(np.float64)[:, None], b.astype(np.float64)[:, None]
    cos = np.sum(a64 * b64, -1, keepdims=True) / (np.linalg.norm(a64, axis=-1, keepdims=True)
                                                  * np.linalg.norm(b64, axis=-1, keepdims=True))
    omega = np.arccos(np.clip(cos, -1, 1))
    so = np.sin(omega)
    linear = so < 1e-6
    wa = np.where(linear, 1 - t, np.sin((1 - t) * omega) / np.where(linear, 1, so))
    wb = np.where(linear, t, np.sin(t * omega) / np.where(linear, 1, so))
    return (wa * a64 + wb * b64).astype(np.float32)


def nearest_training(samples, train, k=3, chunk=4096):
    """For each sample (N, ...) the indices (N, k) of its ``k`` nearest training images in pixel
    space and their Euclidean distances (N, k)."""
    s = samples.reshape(len(samples), -1).astype(np.float32)
    s2 = np.sum(s * s, 1)[:, None]
    best_d, best_i = np.full((len(s), 0), np.inf, np.float32), np.zeros((len(s), 0), np.int64)
    for start in range(0, len(train), chunk):
        t = train[start:start + chunk].reshape(-1, s.shape[1]).astype(np.float32)
        d = s2 - 2 * s @ t.T + np.sum(t * t, 1)[None]
        d = np.concatenate([best_d, d], 1)
        i = np.concatenate([best_i, np.broadcast_to(np.arange(start, start + len(t)), (len(s), len(t)))], 1)
        keep = np.argsort(d, axis=1, kind="stable")[:, :k]
        best_d, best_i = np.take_along_axis(d, keep, 1), np.take_along_axis(i, keep, 1)
    # the expansion |s|^2 - 2 s.t + |t|^2 loses digits near 0: measure the winners exactly
    flat = train.reshape(len(train), -1)
    exact = np.linalg.norm(flat[best_i].astype(np.float64) - s[:, None].astype(np.float64), axis=-1)
    order = np.argsort(exact, axis=1, kind="stable")
    return np.take_along_axis(best_i, order, 1), np.take_along_axis(exact, order, 1)


def class_fractions(metrics):
    """The fraction of samples of each class the frozen classifier gives, from the metrics dict."""
    return np.asarray(metrics["class_fractions"], dtype=float)


# -- figures ---------------------------------------------------------------------------------------

def write_figures(results, data, samples, path):
    """Every figure of the lab; returns their paths by key of ``axon.labs.gan.FILES``."""
    from .gan import to_unit
    done = {}
    grids = results.files.get("grids") or []
    if grids:
        done["gif"] = write_gif(grids, path("gif"))
    images, labels = samples
    cols = len(data.class_names) if labels is not None and len(data.class_names) <= 16 else 8
    first = _per_class_rows(labels, len(data.class_names)) if labels is not None else np.arange(min(64, len(images)))
    done["grid"] = save_grid(to_unit(images[first]), path("grid"), cols=cols)
    done["curves"] = plot_curves(results.history, path("curves"), results.config.model, results.batches)
    if results.metrics is not None:
        done["histogram"] = plot_class_histogram(class_fractions(results.metrics), data.class_names
                                                 if len(data.class_names) == 10 else _fashion_names(),
                                                 path("histogram"), len(images))
    done["interpolation"] = plot_interpolation(results, len(data.class_names) if labels is not None else None,
                                               path("interpolation"))
    if labels is not None:
        done["per_class"] = plot_per_class(images, labels, data.class_names, results.agreement, path("per_class"))
    done["memorisation"] = plot_memorisation(to_unit(images[:8]), to_unit(data.x), path("memorisation"))
    return done


def _fashion_names():
    from ..data.datasets.fashion_mnist import CLASS_NAMES
    return list(CLASS_NAMES)


def _per_class_rows(labels, num_classes, per_row=None):
    """Indices of ``per_row`` (default ``num_classes``) samples of each class, class after class."""
    per_row = per_row or num_classes
    return np.concatenate([np.flatnonzero(labels == k)[:per_row] for k in range(num_classes)])


def moving_average(values, window):
    """The running mean of ``values`` over ``window`` points (shorter at the start), same length.

    >>> moving_average([1.0, 3.0, 5.0, 7.0], 2).tolist()
    [1.0, 2.0, 4.0, 6.0]
    """
    v = np.asarray(values, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(v)])
    n = np.arange(1, len(v) + 1)
    lo = np.maximum(n - window, 0)
    return (c[n] - c[lo]) / (n - lo)


def plot_curves(history, path, model, batches=None):
    """d_loss and g_loss, d_real and d_fake: per batch (faint) with their moving average, and per
    epoch (dots), side by side."""
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    epochs = np.arange(1, len(next(iter(history.values()), [])) + 1)
    batches = batches or {}
    at = np.asarray(batches.get("epoch", []))
    window = max(1, len(at) // 30)
    for ax, keys, title in ((axes[0], ("d_loss", "g_loss"), "losses"),
                            (axes[1], ("d_real", "d_fake"), "discriminator output: P(real)")):
        for key, colour in zip(keys, ("tab:blue", "tab:orange")):
            if key in batches and len(batches[key]) == len(at) and len(at) > 1:
                ax.plot(at, batches[key], color=colour, alpha=0.2, lw=0.6)
                ax.plot(at, moving_average(batches[key], window), color=colour, lw=1.5,
                        label=f"{key} per batch" + (f" (mean of {window})" if window > 1 else ""))
            if key in history:  # an epoch's mean, drawn in the middle of the epoch it averages
                ax.plot(epochs - 0.5, history[key], "o", color=colour, mec="black", label=f"{key}, epoch mean")
        if keys[0] == "d_real":
            ax.axhline(0.5, color="grey", lw=0.8, ls=":", label="0.5 (cannot tell)")
            ax.set_ylim(0, 1)
        else:
            ax.axhline(2 * np.log(2), color="grey", lw=0.8, ls=":", label="d_loss at D = 0.5")
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"{model}: training")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_class_histogram(fractions, names, path, n):
    """The classes the frozen classifier gives ``n`` samples, as fractions, with the uniform 10% and
    the 4%-16% band the lab asks for."""
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    lo, hi = FRACTION_BOUNDS
    ax.axhspan(lo, hi, color="green", alpha=0.08, label=f"{lo:.0%}-{hi:.0%}")
    colours = ["tab:blue" if lo <= f <= hi else "tab:red" for f in fractions]
    ax.bar(range(len(fractions)), fractions, color=colours)
    ax.axhline(1 / len(fractions), color="grey", ls="--", lw=1, label=f"uniform {1 / len(fractions):.0%}")
    ax.set_xticks(range(len(names)), names, rotation=40, ha="right")
    ax.set_ylabel("fraction of samples")
    ax.set_title(f"Classes of {n:,} samples, by the frozen classifier")
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def _mosaic_figure(tiles, path, title, row_labels=None, col_labels=None, scale=0.03):
    """One uint8 mosaic drawn as a single image (fast, sharp) with optional row and column labels."""
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    h, w = tiles.shape[:2]
    fig, ax = plt.subplots(figsize=(max(3.0, w * scale + (1.4 if row_labels else 0)), h * scale + 0.6))
    ax.imshow(tiles, cmap="gray" if tiles.ndim == 2 else None, vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([] if not col_labels else col_labels[0], [] if not col_labels else col_labels[1], fontsize=7)
    ax.set_yticks([] if not row_labels else row_labels[0], [] if not row_labels else row_labels[1], fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def _centres(count, size, pad=2):
    """Pixel centres of ``count`` tiles of ``size`` pixels in a mosaic with ``pad`` between them."""
    return [pad + k * (size + pad) + size / 2 - 0.5 for k in range(count)]


def plot_interpolation(results, num_classes, path, pairs=6, steps=10):
    """Rows of images along the great circle between ``pairs`` fixed noise pairs (seeded); for a
    conditional GAN each row keeps one class."""
    gan, seed = results.gan, results.config.seed
    rng = np.random.default_rng(seed + 7)
    latent = int(results.settings["latent_dim"])
    a, b = rng.standard_normal((2, pairs, latent)).astype(np.float32)
    z = slerp(a, b, steps).reshape(pairs * steps, latent)
    labels = None if num_classes is None else np.repeat(np.arange(pairs) % num_classes, steps)
    images = decode(gan, z, labels)
    tiles = tile_images(images, cols=steps)
    w = images.shape[2]
    cols = (_centres(steps, w), [f"{t:.2f}" for t in np.linspace(0, 1, steps)])
    return _mosaic_figure(tiles, path, "Latent interpolation (spherical) between fixed noise pairs; t below",
                          col_labels=cols)


def plot_per_class(images, labels, names, agreement, path, per_row=10):
    """A row of ``per_row`` samples per requested class, labelled with the classifier's agreement."""
    from .gan import to_unit
    rows = _per_class_rows(labels, len(names), per_row)
    tiles = tile_images(to_unit(images[rows]), cols=per_row)
    text = [names[c] + ("" if not agreement or names[c] not in agreement else f"  {agreement[names[c]]:.0%}")
            for c in range(len(names))]
    return _mosaic_figure(tiles, path, "Conditional GAN: a row per requested class\n(agreement of the frozen "
                          "classifier)", row_labels=(_centres(len(names), images.shape[1]), text))


def plot_memorisation(samples, train, path, k=3):
    """Each sample (first column) beside its ``k`` nearest training images: a GAN that copies would
    show twins.  Pixel distances ([0, 1] scale) are written in the row labels."""
    idx, dist = nearest_training(samples, train, k)
    rows = np.concatenate([samples[:, None], train[idx]], axis=1).reshape(-1, *samples.shape[1:])
    tiles = tile_images(rows, cols=k + 1)
    h, w = samples.shape[1:3]
    text = ["distances " + " ".join(f"{d:.1f}" for d in row) for row in dist]
    return _mosaic_figure(tiles, path, "Samples and their nearest\ntraining images", scale=0.04,
                          row_labels=(_centres(len(samples), h), text),
                          col_labels=(_centres(k + 1, w), ["sample"] + [f"#{j + 1}" for j in range(k)]))


# -- claims, summary, report -----------------------------------------------------------------------

def _noise_fd(rows):
    """The Fréchet distance of the sigma = 0.2 noised test images among the calibration rows."""
    from ..zoo.generative.sample_metrics import CALIBRATION_ROWS
    row = rows.get(CALIBRATION_ROWS[1])
    return None if row is None else float(row["fd"])


def claims(results):
    """(what, value, holds) rows of the lab's claims that apply to this run."""
    rows = []
    m = results.metrics
    if m is not None:
        noise = _noise_fd(results.calibration)
        if noise is not None:
            rows.append((f"Fréchet distance below that of the σ = 0.2 noised test images ({noise:.2f})",
                         f"{m['fd']:.2f}", m["fd"] < noise))
        fractions = class_fractions(m)
        lo, hi = FRACTION_BOUNDS
        rows.append((f"every class holds {lo:.0%}-{hi:.0%} of the samples",
                     f"{fractions.min():.1%}-{fractions.max():.1%}", bool(fractions.min() >= lo and fractions.max() <= hi)))
    if results.agreement_mean is not None:
        worst = min(results.agreement.values())
        rows.append((f"the classifier agrees with the requested class on at least {AGREEMENT_BOUND:.0%}",
                     f"{results.agreement_mean:.1%} (lowest class {worst:.1%})",
                     results.agreement_mean >= AGREEMENT_BOUND))
    return rows


def summary(results):
    each = mean_timing(results.epochs)
    lines = []
    m = results.metrics
    if m is not None:
        lines.append(f"Fréchet distance {m['fd']:.2f}, Inception Score {m['is_mean']:.2f} ± {m['is_std']:.2f}, "
                     f"precision {m['precision']:.3f}, recall {m['recall']:.3f}")
    for what, value, holds in results.checks():
        lines.append(f"  [{'ok' if holds else 'NOT MET'}] {what}: {value}")
    lines.append(f"{len(results.epochs)} epochs, {each.wall:.1f} s per epoch ({each.cpu:.1f} s CPU); "
                 f"{results.timing['total'].wall:.0f} s in all")
    return "\n".join(lines)


def metrics_table(results):
    """The samples' metrics beside the calibration rows (the evaluator's own table lines)."""
    from ..zoo.generative.sample_metrics import calibration_table
    return calibration_table(results.calibration, results.metrics)


def write_report(results, path):
    """``report.md`` of a finished run; returns its path."""
    from .. import __version__
    c, s = results.config, results.settings
    r = Report(f"Lab 3: a generative adversarial network (`{c.model}`)")
    m = results.metrics
    if m is not None:
        r.paragraph(f"**Fréchet distance {m['fd']:.2f}**, domain Inception Score {m['is_mean']:.2f} ± "
                    f"{m['is_std']:.2f}, precision {m['precision']:.3f}, recall {m['recall']:.3f}, on "
                    f"{results.sizes['judged']:,} samples ({results.source}).")
    if results.evaluator_note:
        r.paragraph(f"**Note.** {results.evaluator_note}")
    if c.quick:
        r.paragraph("**Quick mode**: a tiny run to check the lab end to end; its numbers say nothing of a "
                    "trained GAN.")
    rows = results.checks()
    if rows:
        r.table(["claim", "measured", "holds"], [[w, v, "yes" if h else "**no**"] for w, v, h in rows], align="lrl")
    if m is not None:
        r.section("Metrics against the calibration rows")
        r.paragraph("Every number comes from the features and class probabilities of one frozen Fashion-MNIST "
                    "classifier trained by Axon. The calibration rows put real and degraded real images through "
                    "the same evaluator, so they say what a distance means: a GAN whose Fréchet distance lies "
                    "below a degraded row's makes images closer to the real ones than that degradation does.")
        ev = results.evaluator
        if ev.get("test_accuracy") is not None:
            r.paragraph(f"The evaluator ({'a small one, quick mode; ' if ev.get('small (quick mode)') else ''}"
                        f"`{os.path.basename(ev['path'] or '')}`) classifies Fashion-MNIST's test images with "
                        f"accuracy {ev['test_accuracy']:.4f}.")
        r.lines += list(metrics_table(results)) + [""]
        if "nn_ratio" in m:
            r.paragraph(f"Memorisation: a sample's median pixel distance to its nearest training image is "
                        f"{m['nn_train_median']:.2f}, a real test image's {m['nn_test_median']:.2f} (ratio "
                        f"{m['nn_ratio']:.2f}; well below 1 would mean copying), and {m['near_copies']:.1%} of the "
                        "samples lie closer to the training set than 99% of the test images do.")
        fractions = class_fractions(m)
        names = _fashion_names()
        r.section("Classes of the samples")
        r.table(["class", "fraction of samples"], [[n, f"{f:.1%}"] for n, f in zip(names, fractions)], align="lr")
    if results.agreement is not None:
        r.section("Conditional GAN: does it draw the class asked for?")
        r.paragraph(f"The frozen classifier names the requested class for **{results.agreement_mean:.1%}** of the "
                    "samples.")
        r.table(["requested class", "agreement"], [[n, f"{a:.1%}"] for n, a in results.agreement.items()],
                align="lr")
    r.section("Training")
    h = results.history
    value = lambda key, e: f"{h[key][e]:.3f}" if key in h and e < len(h[key]) else "-"
    r.table(["epoch", "d_loss", "g_loss", "d_real", "d_fake", "wall s", "CPU s"],
            [[e + 1, value("d_loss", e), value("g_loss", e), value("d_real", e), value("d_fake", e),
              f"{t.wall:.1f}", f"{t.cpu:.1f}"] for e, t in enumerate(results.epochs)], align="rrrrrrr")
    each = mean_timing(results.epochs)
    r.paragraph("`d_real` and `d_fake` are the discriminator's mean output, P(real), on real and on generated "
                "images: near 0.5 for both, it cannot tell them apart.")
    parts = ", ".join(f"{k} {t.describe()}" for k, t in results.timing.items() if k != "total")
    r.paragraph(f"Time per epoch: {each.wall:.1f} s wall clock, {each.cpu:.1f} s CPU (all threads); the whole run "
                f"{results.timing['total'].describe()} ({parts}).")
    r.section("Settings")
    r.settings({"model": f"`{c.model}` (generator {results.gan.generator.count_params():,} parameters, "
                         f"discriminator {results.gan.discriminator.count_params():,})",
                "data": f"{results.source}, scaled to [-1, 1]", "training images": results.sizes["training"],
                "epochs": s["epochs"], "batch size": s["batch_size"], "latent dim": s["latent_dim"],
                **({"hidden units": list(s["hidden"])} if "hidden" in s else {"width": s["width"]}), "Adam": f"generator {s['lr_g']:g}, discriminator {s['lr_d']:g}, "
                                             f"beta_1 {s.get('beta_1', 0.5):g}",
                "samples judged": results.sizes["judged"], "seed": c.seed, "axon": __version__})
    r.section("Figures")
    figures = {CAPTIONS[k]: results.files[k] for k in CAPTIONS if k in results.files}
    r.figures(figures, c.out)
    if "gif" in results.files:
        r.paragraph(f"The samples of every epoch, animated: [{os.path.basename(results.files['gif'])}]"
                    f"({os.path.relpath(results.files['gif'], c.out)}) (the same noise each epoch).")
    r.section("Drawing from the generator")
    extra = " --class 0" if c.model == "cgan" else ""
    r.code(f"axon generate {results.files['generator']} -n 64{extra} -o grid.png")
    return r.write(path)
