"""Data augmentation: a gallery of the transforms on real Fashion-MNIST images, and training with
augmentation against without on a small subset.

The lecture: more data is the surest remedy for overfitting, and when there is
no more, make it: random copies of each training image that keep its label --
a hue shift, a mirror image, black and white, added noise, a crop, small
rotations, zooms and shifts.  The network then cannot learn the training images
pixel by pixel, so its training accuracy falls towards its validation accuracy
and the gap narrows.  Augmentation happens only while training; evaluation and
prediction see the images as they are.

Fashion-MNIST is grayscale, so for the colour transforms (hue shift, black and
white) the gallery first tints each image with a colour of ``TINTS``
(``tint``).  The geometric transforms and noise are Axon's augmentation layers
(``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``,
``GaussianNoise``); hue shift, black and white and crop are
``axon.data.ImageDataGenerator``'s (a crop window per image).

>>> tint(np.ones((1, 2, 2, 1), np.float32), [(1.0, 0.5, 0.0)])[0, 0, 0].tolist()
[1.0, 0.5, 0.0]
"""
import numpy as np

TITLE = "data augmentation: hue shift, mirror, black and white, noise, crop, rotation, zoom, shift; the gap"

#: RGB colours the grayscale gallery images are tinted with (orange, teal, purple, green, red, blue)
TINTS = ((1.0, 0.55, 0.1), (0.1, 0.75, 0.75), (0.6, 0.3, 0.9), (0.3, 0.8, 0.2), (0.9, 0.2, 0.25), (0.2, 0.4, 1.0))
GALLERY_CLASSES = (0, 1, 2, 5, 7, 9)  # T-shirt, trouser, pullover, sandal, sneaker, ankle boot
SETTINGS = {True: dict(n_train=300, n_val=500, epochs=20), False: dict(n_train=1500, n_val=2000, epochs=30)}


def tint(images, colours):
    """Grayscale images (N, H, W, 1) in [0, 1] as colour images (N, H, W, 3): image ``i`` times the
    RGB colour ``colours[i % len(colours)]``."""
    c = np.asarray(colours, np.float32)[np.arange(len(images)) % len(colours)]
    return images * c[:, None, None, :]


def transforms(seed=0):
    """The gallery's transforms by name: functions of a colour batch (N, H, W, 3) in [0, 1]
    returning the augmented batch (the crop: (N, 20, 20, 3))."""
    from ..data.augmentation import ImageDataGenerator
    from ..layers import GaussianNoise, RandomFlip, RandomRotation, RandomTranslation, RandomZoom

    def generator(**kw):
        gen = ImageDataGenerator(**kw)
        return lambda x: gen.transform_batch(x, np.random.default_rng(seed))

    def layer(lay):
        return lambda x: np.clip(lay(x, training=True).numpy(), 0.0, 1.0)

    return {"hue shift": generator(hue_shift_range=0.5),
            "mirror": layer(RandomFlip("horizontal", seed=seed)),
            "black and white": generator(grayscale=1.0),
            "noise": layer(GaussianNoise(0.15, seed=seed)),
            "crop": generator(random_crop=(20, 20)),
            "rotation": layer(RandomRotation(0.08, fill_mode="constant", seed=seed)),
            "zoom": layer(RandomZoom(0.3, fill_mode="constant", seed=seed)),
            "shift": layer(RandomTranslation(0.15, 0.15, fill_mode="constant", seed=seed))}


def build(augment, seed=0):
    """The compiled classifier of (N, 28, 28, 1) images: with ``augment``, random mirroring and
    shifts of up to 10 % (augmentation layers, active only in training) before a 256-unit
    hidden layer."""
    import axon
    from ..layers import Dense, Flatten, RandomFlip, RandomTranslation
    axon.manual_seed(seed)
    front = [RandomFlip("horizontal", seed=seed), RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed)] \
        if augment else []
    model = axon.Sequential([axon.Input((28, 28, 1))] + front + [Flatten(), Dense(256, activation="relu"),
                                                                Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def compare(x, y, x_val, y_val, epochs, seed=0):
    """Train with and without augmentation; ``{"without"/"with": {"train", "val", "gap",
    "history"}}`` (accuracies under ``evaluate``, where augmentation is off)."""
    out = {}
    for key, augment in (("without", False), ("with", True)):
        model = build(augment, seed)
        history = model.fit(x, y, batch_size=32, epochs=epochs, validation_data=(x_val, y_val), verbose=0)
        train = float(model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"])
        val = float(model.evaluate(x_val, y_val, verbose=0, return_dict=True)["accuracy"])
        out[key] = {"train": train, "val": val, "gap": train - val, "history": dict(history.history)}
    return out


def run(out_dir, quick=False, seed=0):
    """Write ``gallery.png``, ``gap.png`` and ``augmentation.md``; returns ``DemoResults``
    (``values['gallery']``: the transformed batches by name; ``values['training']``: ``compare``'s);
    ``seed`` draws the subset, the transforms and the weights."""
    from ..data.datasets import fashion_mnist
    from .data import fashion_subset
    from .page import DemoResults, figure_path, write_page
    s = SETTINGS[bool(quick)]
    (x, y), (xv, yv) = fashion_subset(s["n_train"], s["n_val"], seed=seed, flat=False)
    _, (xt, yt) = fashion_mnist.load_data(download=False)
    first = [int(np.flatnonzero(yt == c)[0]) for c in GALLERY_CLASSES]
    originals = tint(xt[first][..., None].astype(np.float32) / 255.0, TINTS)
    gallery = {"original (tinted)": originals}
    gallery.update({name: f(originals) for name, f in transforms(seed).items()})
    flipped = [bool(np.any(a != b)) for a, b in zip(gallery["mirror"], originals)]
    training = compare(x, y, xv, yv, s["epochs"], seed)
    without, with_ = training["without"], training["with"]
    measured = {"training / validation images": f"{s['n_train']} / {s['n_val']}", "epochs": s["epochs"],
                "without augmentation: train / validation accuracy": f"{without['train']:.3f} / {without['val']:.3f}",
                "with augmentation: train / validation accuracy": f"{with_['train']:.3f} / {with_['val']:.3f}",
                "gap without augmentation": without["gap"], "gap with augmentation": with_["gap"]}
    r = DemoResults("augmentation", "Data augmentation: the gallery and the gap",
                    "Random label-preserving copies of the training images (hue shift, mirror, black and "
                    "white, noise, crop, rotation, zoom, shift) make more data out of little, and narrow the "
                    "gap between training and validation accuracy.", measured,
                    values={"gallery": gallery, "classes": [fashion_mnist.CLASS_NAMES[c] for c in GALLERY_CLASSES],
                            "flipped": flipped, "training": training})
    dpi = 60 if quick else 110
    _plot_gallery(gallery, r.values["classes"], flipped,
                  figure_path(r, out_dir, "gallery", "each transform applied to the same six tinted Fashion-MNIST "
                              "test images"), dpi)
    _plot_gap(training, figure_path(r, out_dir, "gap", "training and validation accuracy per epoch, without "
                                    "and with augmentation"), dpi)
    sections = [
        ("The gallery", "Fashion-MNIST images are grayscale; here each is tinted with a colour (`tint`: the grey "
         "level times an RGB colour) so that a hue shift (the colour turned around the colour circle, up to "
         "half a turn) and black and white (the luma, 0.299 R + 0.587 G + 0.114 B) have something to change. "
         "Mirror, noise, rotation (up to ±29°), zoom (±30 %) and shift (±15 %) are Axon's augmentation layers "
         "called with `training=True`; the mirror flips each image with probability 1/2 "
         f"(here {sum(flipped)} of {len(flipped)}). Crop is `ImageDataGenerator(random_crop=(20, 20))`, a "
         "window per image."),
        ("Training with and without", f"The same perceptron (256 hidden units) on {s['n_train']} grayscale "
         f"training images for {s['epochs']} epochs, once as it is and once behind `RandomFlip('horizontal')` "
         "and `RandomTranslation(0.1, 0.1)`, which change every batch while training and nothing when "
         "evaluating.\n\n| | training acc. | validation acc. | gap |\n| --- | ---: | ---: | ---: |\n"
         f"| without augmentation | {without['train']:.3f} | {without['val']:.3f} | {without['gap']:.3f} |\n"
         f"| with augmentation | {with_['train']:.3f} | {with_['val']:.3f} | {with_['gap']:.3f} |\n\n"
         f"The gap {'narrows' if with_['gap'] < without['gap'] else 'does not narrow'} from "
         f"{without['gap']:.3f} to {with_['gap']:.3f}, and the validation accuracy "
         f"{'rises' if with_['val'] > without['val'] else 'does not rise'} "
         f"({without['val']:.3f} to {with_['val']:.3f})"
         + ("." if with_["val"] > without["val"] else
            ": on this budget the augmented model is still learning at the last epoch (see its curve), and a "
            "perceptron, unlike a convolutional network, must learn every shifted copy separately.")),
    ]
    write_page(r, out_dir, sections, try_next=[
        "add RandomRotation(0.05) and RandomZoom(0.1) to the model: more variety, slower learning",
        "augment the validation images too and see what the validation accuracy then measures: augmentation "
        "belongs to training only",
        "train twice as long: the augmented model is still learning when the plain one has stopped; see "
        "whether its validation accuracy catches up",
        "put the same layers in front of a convolutional network (`axon lab classify --augment`), which "
        "shifts do not confuse as they confuse a perceptron"])
    return r


def _plot_gallery(gallery, classes, flipped, path, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    names = list(gallery)
    n = len(classes)
    fig, axes = plt.subplots(len(names), n, figsize=(1.25 * n + 0.6, 1.3 * len(names)), squeeze=False)
    for row, name in zip(axes, names):
        for k, ax in enumerate(row):
            ax.imshow(np.clip(gallery[name][k], 0.0, 1.0))
            ax.set_xticks([])
            ax.set_yticks([])
            if name == "mirror":
                ax.set_title("flipped" if flipped[k] else "not flipped", fontsize=6)
            elif name.startswith("original"):
                ax.set_title(classes[k], fontsize=7)
        row[0].set_ylabel(name, fontsize=8)
    save_figure(fig, path, dpi)


def _plot_gap(training, path, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.3), sharey=True)
    for ax, key in zip(axes, ("without", "with")):
        h = training[key]["history"]
        epochs = np.arange(1, len(h["accuracy"]) + 1)
        ax.plot(epochs, h["accuracy"], "o-", ms=3, label="training (augmented batches)" if key == "with"
                else "training")
        ax.plot(epochs, h["val_accuracy"], "s--", ms=3, label="validation")
        ax.fill_between(epochs, h["val_accuracy"], h["accuracy"], alpha=0.15, color="C3")
        ax.set_title(f"{key} augmentation: final gap {training[key]['gap']:.3f}", fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel("accuracy")
    save_figure(fig, path, dpi)
