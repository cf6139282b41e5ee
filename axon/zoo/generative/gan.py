"""The generative adversarial network (Goodfellow et al., 2014): a generator turns noise z ~ N(0, I)
into samples, a discriminator learns to tell them from real data, and the generator learns to fool
it; at the equilibrium of this two-player game the generator's distribution is the data's.  The
generator trains on the non-saturating loss -log D(G(z)) (strong gradients while D still wins), and
the discriminator on one-sided smoothed targets (real 0.9, fake 0), so it never grows overconfident.

``GAN`` holds the two networks and the step; ``SampleGrid`` saves a fixed-noise sample grid every
epoch; ``dcgan.py`` builds Radford's convolutional networks and Goodfellow's MLPs, ``cgan.py`` the
conditional GAN.
"""
import contextlib
import os

import numpy as np

from ... import backend, ops
from ... import metrics as metrics_mod
from ... import optimizers
from ...autograd import grad, no_grad
from ...callbacks import Callback
from ...data.batches import unpack_x_y_sample_weight
from ...models import Model
from ...ops.special import logistic
from ...tensor import Tensor


def default_optimizer():
    """Radford et al.'s optimizer for both networks: Adam with learning rate 2e-4 and beta_1 0.5."""
    return optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


def _optimizer(value):
    return default_optimizer() if value is None else optimizers.get(value)


def _shape_text(shape):
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"


def input_shapes(model):
    """The input shapes of ``model`` without the batch axis (a list, one per input), or None when
    the model does not know them yet (no ``input_shape`` and never called)."""
    if getattr(model, "_inputs", None):
        return [tuple(t.shape[1:]) for t in model.inputs]
    if getattr(model, "_build_shapes", None):
        return [tuple(s[1:]) for s, _ in model._build_shapes]
    layers = getattr(model, "layers", None) or []
    first = layers[0] if layers else model
    if getattr(first, "_batch_input_shape", None) is not None:
        return [tuple(first._batch_input_shape[1:])]
    return None


class GAN(Model):
    """A generator and a discriminator trained against each other by ``fit``.

    ``generator`` maps noise (N, latent_dim) to samples shaped as the real data (images (N, H, W, C)
    in [-1, 1], a tanh output); ``discriminator`` maps a sample to one logit (N, 1), the log-odds
    that it is real.  ``label_smoothing`` lowers the real targets to 1 - label_smoothing (one-sided:
    fake targets stay 0).  ``seed`` fixes the noise the steps draw (None: Axon's shared generator).

    ``compile(d_optimizer, g_optimizer)`` defaults both to Adam(2e-4, beta_1=0.5); ``fit(x)`` takes
    the real samples alone and logs ``d_loss`` (the discriminator's cross-entropy on a real plus a
    fake batch, 2 ln 2 = 1.386 when it cannot tell them apart), ``g_loss`` (-mean log D(G(z))),
    ``d_real`` (mean D(x)) and ``d_fake`` (mean D(G(z)) before the generator's step); D values are
    probabilities.  ``generate(n, seed)`` gives samples as NumPy arrays.

    >>> import numpy as np, axon
    >>> from axon.zoo.generative import mlp_gan
    >>> gan = mlp_gan(image_shape=(2,), latent_dim=4, seed=0)
    >>> gan.compile()
    >>> logs = gan.train_step(np.zeros((8, 2), "float32"))
    >>> sorted(logs)
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
    >>> gan.generate(3, seed=0).shape
    (3, 2)
    """

    conditional = False

    def __init__(self, generator, discriminator, latent_dim, label_smoothing=0.1, seed=None, name=None):
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)) or latent_dim <= 0:
            raise ValueError(f"{type(self).__name__}: latent_dim must be a positive int (the size of the "
                             f"noise vector z), got {latent_dim!r}")
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"{type(self).__name__}: label_smoothing must lie in [0, 1) (real targets become "
                             f"1 - label_smoothing), got {label_smoothing!r}; pass e.g. 0.1, or 0 for none")
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, Model):
                raise ValueError(f"{type(self).__name__}: {role} must be an axon Model (Sequential or "
                                 f"functional), got {type(net).__name__}")
        super().__init__(name=name or ("conditional_gan" if self.conditional else "gan"))
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.label_smoothing = float(label_smoothing)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._checked = False
        self.d_loss_tracker = metrics_mod.Mean(name="d_loss")
        self.g_loss_tracker = metrics_mod.Mean(name="g_loss")
        self.d_real_tracker = metrics_mod.Mean(name="d_real")
        self.d_fake_tracker = metrics_mod.Mean(name="d_fake")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def compile(self, d_optimizer=None, g_optimizer=None):
        """Choose the two optimizers (an Optimizer or a name; None: Adam(2e-4, beta_1=0.5)) and check
        that the generator's output fits the discriminator's input."""
        super().compile()
        self.d_optimizer = _optimizer(d_optimizer)
        self.g_optimizer = _optimizer(g_optimizer)
        self.check_shapes()

    # ----- shapes
    def _generator_input_shapes(self):
        return [(self.latent_dim,)]

    def check_shapes(self):
        """Build both networks and raise ValueError, naming both shapes, when the generator's output
        is not what the discriminator takes or the discriminator does not give one logit per sample."""
        g_in = self._generator_input_shapes()
        known = input_shapes(self.generator)
        if known and tuple(known[0]) != g_in[0]:
            raise ValueError(f"{type(self).__name__}: the generator takes inputs of shape "
                             f"{_shape_text((None,) + tuple(known[0]))}, but latent_dim={self.latent_dim} gives "
                             f"noise of shape {_shape_text((None,) + g_in[0])}; pass latent_dim={known[0][-1]} "
                             "or build the generator for this latent_dim")
        with no_grad():
            if not self.generator.built:
                self._build(self.generator, g_in)
            g_out = tuple(self.generator.output_shape[1:])
            d_in = input_shapes(self.discriminator)
            d_image = tuple(d_in[0]) if d_in else None
            if d_image is not None and d_image != g_out:
                raise ValueError(
                    f"{type(self).__name__}: the generator's output shape {_shape_text((None,) + g_out)} does "
                    f"not match the discriminator's input shape {_shape_text((None,) + d_image)}; build the "
                    f"generator for image_shape={d_image} or the discriminator for image_shape={g_out}")
            if not self.discriminator.built:
                self._build(self.discriminator, [g_out] + self._discriminator_extra_shapes())
        d_out = tuple(self.discriminator.output_shape[1:])
        if d_out != (1,):
            raise ValueError(f"{type(self).__name__}: the discriminator must give one logit per sample, "
                             f"output shape (None, 1), got {_shape_text((None,) + d_out)}; end it with "
                             "Dense(1) and no activation")
        self._checked = True
        self._sample_shape = g_out

    def _discriminator_extra_shapes(self):
        return []

    @staticmethod
    def _build(net, shapes):
        probes = [np.zeros((2,) + tuple(s), "float32") for s in shapes]
        net(Tensor(probes[0]) if len(probes) == 1 else [Tensor(p) for p in probes], training=False)

    # ----- training
    def _noise(self, n):
        rng = self._rng if self._rng is not None else backend.rng()
        return rng.standard_normal((n, self.latent_dim), dtype=np.float32)

    def _check_real(self, x):
        x = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float32)
        if x.shape[1:] != self._sample_shape:
            raise ValueError(f"{type(self).__name__}.fit: real samples have shape {_shape_text((None,) + x.shape[1:])}, "
                             f"the generator makes {_shape_text((None,) + self._sample_shape)}; pass images "
                             "shaped as the generator's output (N, H, W, C)")
        lo, hi = float(x.min()), float(x.max())
        if lo < -1.001 or hi > 1.001:
            raise ValueError(f"{type(self).__name__}.fit: real samples must lie in [-1, 1] (the generator's "
                             f"tanh range), got min {lo:.4g}, max {hi:.4g}; scale them, e.g. x / 127.5 - 1 for "
                             "pixels in 0..255")
        return x

    def _ready(self):
        if not self.compiled:
            raise RuntimeError(f"{self.describe()}: compile() it before training (compile() alone gives "
                               "both networks Adam(2e-4, beta_1=0.5))")
        if not self._checked:
            self.check_shapes()

    def train_step(self, data):
        self._ready()
        x, _, _ = unpack_x_y_sample_weight(data)
        return self._adversarial_step(self._check_real(x), None)

    def _generate_batch(self, z, labels, training):
        return self.generator(Tensor(z), training=training)

    def _discriminate(self, images, labels, training):
        return self.discriminator(images, training=training)

    def _fake_labels(self, n):
        return None

    def _adversarial_step(self, real, labels):
        n = len(real)
        fake_labels = self._fake_labels(n)
        fake = self._generate_batch(self._noise(n), fake_labels, training=True)  # its graph serves G's step
        real_targets = np.full((n, 1), 1.0 - self.label_smoothing, np.float32)  # one-sided smoothing
        # the discriminator's step: real images towards 1 - smoothing, generated ones (detached) towards 0
        real_logits = self._discriminate(Tensor(real), labels, training=True)
        fake_logits = self._discriminate(Tensor(fake.data), fake_labels, training=True)
        d_loss = (ops.binary_crossentropy(real_targets, real_logits, from_logits=True)
                  + ops.binary_crossentropy(np.zeros((n, 1), np.float32), fake_logits, from_logits=True))
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply(grad(d_loss, d_weights), d_weights)
        # the generator's step, non-saturating: maximise log D(G(z)), i.e. cross-entropy towards 1
        with _no_weight_grads(d_weights):  # the backward pass skips the discriminator's weight gradients
            g_logits = self._discriminate(fake, fake_labels, training=True)
        g_loss = ops.binary_crossentropy(np.ones((n, 1), np.float32), g_logits, from_logits=True)
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply(grad(g_loss, g_weights), g_weights)
        return self._log(n, d_loss, g_loss, real_logits, fake_logits)

    def _log(self, n, d_loss, g_loss, real_logits, fake_logits):
        self.d_loss_tracker.update_state(float(d_loss.data), sample_weight=n)
        self.g_loss_tracker.update_state(float(g_loss.data), sample_weight=n)
        self.d_real_tracker.update_state(float(logistic(real_logits.data).mean()), sample_weight=n)
        self.d_fake_tracker.update_state(float(logistic(fake_logits.data).mean()), sample_weight=n)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        """The four logs on a batch of real samples, in inference mode, without updating anything."""
        self._ready()
        x, y, _ = unpack_x_y_sample_weight(data)
        real = self._check_real(x)
        n = len(real)
        labels = self._labels_of(y, n) if self.conditional else None
        fake_labels = self._fake_labels(n)
        with no_grad():
            fake = self._generate_batch(self._noise(n), fake_labels, training=False)
            real_logits = self._discriminate(Tensor(real), labels, training=False)
            fake_logits = self._discriminate(fake, fake_labels, training=False)
            real_targets = np.full((n, 1), 1.0 - self.label_smoothing, np.float32)
            d_loss = (ops.binary_crossentropy(real_targets, real_logits, from_logits=True)
                      + ops.binary_crossentropy(np.zeros((n, 1), np.float32), fake_logits, from_logits=True))
            g_loss = ops.binary_crossentropy(np.ones((n, 1), np.float32), fake_logits, from_logits=True)
        return self._log(n, d_loss, g_loss, real_logits, fake_logits)

    # ----- sampling
    def call(self, inputs, training=None):
        """The generator's samples for noise ``inputs`` (N, latent_dim)."""
        return self.generator(inputs, training=training)

    def generate(self, n, seed=None, batch_size=500):
        """``n`` samples as a float32 NumPy array shaped as the data (images in [-1, 1]), from noise
        drawn with ``seed`` (None: the GAN's own draws), the generator in inference mode."""
        z = self._sample_noise(n, seed)
        return self.generator.predict(z, batch_size=batch_size, verbose=0)

    sample = generate

    def _sample_noise(self, n, seed):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"{type(self).__name__}.generate: n must be a positive int (how many samples), "
                             f"got {n!r}")
        if seed is None:
            return self._noise(int(n))
        return np.random.default_rng(seed).standard_normal((int(n), self.latent_dim), dtype=np.float32)


@contextlib.contextmanager
def _no_weight_grads(weights):
    flags = [w.requires_grad for w in weights]
    for w in weights:
        w.requires_grad = False
    try:
        yield
    finally:
        for w, flag in zip(weights, flags):
            w.requires_grad = flag


def image_grid(images, cols=8, pad=2):
    """Tile images (N, H, W, C) in [-1, 1] into one picture (rows*H, cols*W[, C]) in [0, 1], with
    ``pad`` pixels of white between them."""
    images = np.clip((np.asarray(images, np.float32) + 1.0) / 2.0, 0.0, 1.0)
    if images.ndim == 3:
        images = images[..., None]
    n, h, w, c = images.shape
    rows = -(-n // cols)
    full = np.ones((rows * cols, h + pad, w + pad, c), np.float32)
    full[:n, :h, :w] = images
    grid = full.reshape(rows, cols, h + pad, w + pad, c).transpose(0, 2, 1, 3, 4)
    grid = grid.reshape(rows * (h + pad), cols * (w + pad), c)[:-pad or None, :-pad or None]
    return grid[..., 0] if c == 1 else grid


def save_image_grid(images, path, cols=8, title=None):
    """Save ``image_grid(images, cols)`` as a PNG at ``path`` (atomically); returns the path."""
    from ...utils.plots import pyplot, save_figure
    grid = image_grid(images, cols)
    plt = pyplot()
    scale = 0.55 * cols
    fig, ax = plt.subplots(figsize=(scale * grid.shape[1] / grid.shape[0], scale + (0.3 if title else 0)))
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout(pad=0.2)
    return save_figure(fig, path)


class SampleGrid(Callback):
    """Saves ``out_dir/{prefix}_{epoch:03d}.png``: a grid (8 columns) of ``n`` samples of the model
    being fit, from the same noise every time (drawn from ``seed``), every ``every`` epochs, and
    ``{prefix}_000.png`` before training; ``paths`` lists the files written, in order (frames of a
    GIF).  For a conditional GAN, ``labels`` (n class ids) chooses the classes; by default sample i
    is of class ``i % num_classes``, one class per column."""

    def __init__(self, out_dir, n=64, seed=0, labels=None, every=1, prefix="epoch"):
        super().__init__()
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"SampleGrid: every must be a positive int (epochs between grids), got {every!r}")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"SampleGrid: n must be a positive int (samples per grid), got {n!r}")
        self.out_dir, self.n, self.seed, self.every, self.prefix = os.fspath(out_dir), int(n), seed, int(every), prefix
        self.labels = None if labels is None else np.asarray(labels)
        if self.labels is not None and self.labels.shape != (self.n,):
            raise ValueError(f"SampleGrid: labels must hold one class id per sample, shape ({self.n},), got "
                             f"shape {self.labels.shape}")
        self.paths = []

    def _save(self, epoch):
        model, cols = self.model, 8
        if getattr(model, "conditional", False):
            labels = self.labels
            if labels is None:  # one class per column
                labels, cols = np.arange(self.n) % model.num_classes, model.num_classes
            images = model.generate(self.n, labels=labels, seed=self.seed)
        else:
            images = model.generate(self.n, seed=self.seed)
        os.makedirs(self.out_dir, exist_ok=True)
        path = os.path.join(self.out_dir, f"{self.prefix}_{epoch:03d}.png")
        save_image_grid(images, path, cols=cols, title=f"epoch {epoch}")
        self.paths.append(path)

    def on_train_begin(self, logs=None):
        if not self.paths:
            self._save(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._save(epoch + 1)


def ring_of_gaussians(n, modes=8, radius=0.8, sigma=0.05, seed=0):
    """``n`` points (n, 2) float32 from ``modes`` Gaussians of standard deviation ``sigma`` evenly
    spaced on a circle of ``radius``, and the mode of each (n,): the GAN's standard toy problem."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, modes, n)
    angle = 2 * np.pi * k / modes
    centres = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    return (centres + sigma * rng.standard_normal((n, 2))).astype(np.float32), k


def mode_coverage(points, modes=8, radius=0.8, sigma=0.05):
    """``(near, fractions)``: the share of ``points`` (n, 2) within 3 sigma of a mode of
    ``ring_of_gaussians``, and per mode the share of all points that lie that close to it."""
    angle = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angle), np.sin(angle)], 1)
    d = np.linalg.norm(np.asarray(points)[:, None, :] - centres[None], axis=2)
    near = d.min(1) < 3 * sigma
    return float(near.mean()), np.bincount(d.argmin(1)[near], minlength=modes) / len(points)


def show(out_dir, quick=False):
    """``axon zoo show gan``: Goodfellow's MLP GAN on a ring of 8 Gaussians (does it cover every
    mode?), and in full mode also a short DCGAN on 12,800 Fashion-MNIST images (its sample grid);
    returns the ``axon.zoo.showcase.Shown``."""
    import time
    from ... import backend as _backend
    from ...utils.plots import pyplot, save_figure
    from ..showcase import Shown, write_page
    from .dcgan import dcgan, mlp_gan
    os.makedirs(out_dir, exist_ok=True)
    _backend.manual_seed(0)
    hidden, epochs = (64, 60) if quick else (128, 100)
    x, _ = ring_of_gaussians(4096, seed=0)
    gan = mlp_gan(image_shape=(2,), latent_dim=8, g_hidden=(hidden, hidden), d_hidden=(hidden, hidden),
                  dropout=0.0, seed=1)
    gan.compile(optimizers.Adam(2e-3, beta_1=0.5), optimizers.Adam(2e-3, beta_1=0.5))
    start = time.perf_counter()
    history = gan.fit(x, epochs=epochs, batch_size=128, verbose=0)
    ring_seconds = time.perf_counter() - start
    samples = gan.generate(2000, seed=1)
    near, fractions = mode_coverage(samples)
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    axes[0].scatter(x[:2000, 0], x[:2000, 1], s=2, alpha=0.4, label="data")
    axes[0].scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, c="C3", label="generated")
    axes[0].set(aspect="equal", xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), title="ring of 8 Gaussians")
    axes[0].legend(loc="center", markerscale=5)
    for key in ("d_real", "d_fake"):
        axes[1].plot(history.history[key], label=f"{key} ({'D(x)' if key == 'd_real' else 'D(G(z))'})")
    axes[1].axhline(0.5, color="gray", lw=0.8, ls="--")
    axes[1].set(xlabel="epoch", ylabel="mean discriminator output", ylim=(0, 1), title="the game")
    axes[1].legend()
    fig.tight_layout()
    shown = Shown("Generative adversarial network (GAN)",
                  "A generator learns to map noise to samples the discriminator cannot tell from real data; "
                  "at the game's equilibrium D(x) = D(G(z)) = 1/2 and the generated distribution is the data's.",
                  {"ring: modes covered (of 8, each >= 2 % of samples)": int((fractions >= 0.02).sum()),
                   "ring: samples within 3 sigma of a mode": near,
                   "ring: smallest mode share": float(fractions.min()),
                   "ring: final D(x)": history.history["d_real"][-1],
                   "ring: final D(G(z))": history.history["d_fake"][-1],
                   "ring: training seconds": ring_seconds},
                  [f"An MLP GAN (two hidden layers of {hidden}, non-saturating generator loss, real targets "
                   f"0.9) trained {epochs} epochs on 4,096 points from a ring of 8 Gaussians "
                   f"(sigma 0.05): {near:.0%} of 2,000 samples lie within 3 sigma of a mode, and the "
                   f"modes get {', '.join(f'{f:.0%}' for f in fractions)} of them (12.5 % each is perfect).",
                   "D(x) and D(G(z)) close in on each other near 1/2 as training goes on: the discriminator "
                   "is kept guessing."],
                  {"ring": save_figure(fig, os.path.join(out_dir, "gan_ring.png"))})
    if not quick:
        _show_dcgan(shown, out_dir, dcgan)
    write_page(shown, out_dir, "gan")
    return shown


def _show_dcgan(shown, out_dir, build):
    import time
    from ...data.datasets import fashion_mnist
    (x, _), _ = fashion_mnist.load_data(download=False)
    x = (x[:12800].astype(np.float32) / 127.5 - 1.0).reshape(-1, 28, 28, 1)
    gan = build(latent_dim=64, width=32, seed=0)
    gan.compile()
    start = time.perf_counter()
    history = gan.fit(x, epochs=3, batch_size=128, verbose=0)
    seconds = time.perf_counter() - start
    path = save_image_grid(gan.generate(64, seed=0), os.path.join(out_dir, "gan_dcgan_samples.png"),
                           title="DCGAN samples after 3 epochs on 12,800 images")
    shown.measured.update({"DCGAN: final D(x)": history.history["d_real"][-1],
                           "DCGAN: final D(G(z))": history.history["d_fake"][-1],
                           "DCGAN: training seconds": seconds})
    shown.lines.append(f"A DCGAN (width 32: strided convolutions, batch norm, LeakyReLU 0.2 in D, ReLU and "
                       f"tanh in G, N(0, 0.02) weights, Adam 2e-4 with beta_1 0.5) trained 3 epochs (300 steps) "
                       f"on 12,800 Fashion-MNIST images in {seconds:.0f} s: its samples are still blurred blobs "
                       f"with a garment's outline, and D still wins (D(x) {history.history['d_real'][-1]:.2f} "
                       f"against D(G(z)) {history.history['d_fake'][-1]:.2f}).  Lab 3 trains it 12 epochs on "
                       "all 60,000 images (5,600 steps), where the samples become recognisable clothes.")
    shown.files["dcgan samples"] = path
