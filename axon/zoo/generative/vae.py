"""The variational autoencoder (Kingma and Welling, 2014): an autoencoder whose code is a
probability distribution, so that its decoder is a generative model.

The encoder gives the mean and log-variance of a Gaussian q(z | x) over the latent space; a draw
``z = mean + exp(log_var / 2) * eps`` (the reparameterisation trick) lets gradients reach the
encoder; the decoder gives p(x | z). Training maximises the evidence lower bound: the
reconstruction log-likelihood minus the KL divergence of q(z | x) from the prior N(0, I), which
keeps the codes of all inputs in one region from which ``sample`` can draw new images.

>>> import numpy as np
>>> vae = dense_vae(input_shape=(6,), hidden=8, latent_dim=2, seed=0)
>>> vae.compile("adam")
>>> x = np.random.default_rng(0).random((32, 6), dtype=np.float32)
>>> sorted(vae.fit(x, epochs=1, batch_size=16, verbose=0).history)
['kl_loss', 'loss', 'reconstruction_loss']
>>> [a.shape for a in vae.encode(x)], vae.sample(3, seed=1).shape, vae.interpolate(x[0], x[1], steps=5).shape
([(32, 2), (32, 2)], (3, 6), (5, 6))
"""
import numbers

import numpy as np

from ... import backend
from ... import layers
from ... import metrics
from ... import ops as F
from ...autograd import grad, no_grad
from ...data.batches import num_samples, unpack_x_y_sample_weight
from ...layers.input_layer import build_probe
from ...models import Model, Sequential
from ...ops.activations import Sigmoid
from ...ops.shaping import Reshape
from ...tensor import Tensor
from ..registry import register
from .autoencoder import _check_shape, _check_size, _run, _sizes

RECONSTRUCTIONS = ("bce", "mse")


class VAE(Model):
    """A variational autoencoder trained on its own loss: ``vae.compile("adam"); vae.fit(x)``.

    ``encoder`` maps images ``(N, *input_shape)`` to ``[z_mean, z_log_var]``, each
    ``(N, latent_dim)``; ``decoder`` maps codes ``(N, latent_dim)`` to images of ``input_shape``
    (a sigmoid output for ``reconstruction="bce"``).  The loss of a batch, in nats per image:

        reconstruction + beta * KL(q(z | x) || N(0, I)),

    the reconstruction summed over the pixels (``"bce"``: the binary cross-entropy of images in
    [0, 1], as pytorch/examples' VAE; ``"mse"``: the squared error), both terms averaged over
    the batch, plus any weight penalties of the layers.  ``beta`` > 1 gives the beta-VAE.
    ``train_step`` and ``test_step`` (so ``evaluate``) log ``loss``, ``reconstruction_loss`` and
    ``kl_loss``, each the mean per image over the epoch; both draw ``z``.  Targets given to
    ``fit`` are ignored (the input is the target).  ``seed`` fixes the sequence of draws
    (``Sampling(seed=seed)``); weights are initialised from Axon's generator (``axon.manual_seed``).

    Calling the model gives reconstructions: of a drawn ``z`` in training, of ``z_mean`` in
    inference (``predict``), so ``predict`` is deterministic.
    """

    def __init__(self, encoder, decoder, latent_dim, reconstruction="bce", beta=1.0, seed=None, name=None):
        super().__init__(name=name)
        for role, part in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(part, layers.Layer):
                raise TypeError(f"{type(self).__name__}: {role} must be an axon model or layer, got "
                                f"{type(part).__name__}")
        if reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f"{type(self).__name__}: reconstruction must be 'bce' (images in [0, 1], sigmoid "
                             f"output) or 'mse', got {reconstruction!r}")
        if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not beta >= 0:
            raise ValueError(f"{type(self).__name__}: beta must be a number >= 0 (the weight of the KL term; "
                             f"1 is the VAE), got {beta!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = _check_size(type(self).__name__, "latent_dim", latent_dim)
        self.reconstruction = reconstruction
        self.beta = float(beta)
        self.seed = seed
        self.sampling = layers.Sampling(seed=seed, name="sampling")
        self.loss_tracker = metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = metrics.Mean(name="kl_loss")
        self._maybe_build()

    def _maybe_build(self):
        """Build at once when the encoder's input shapes are known (so ``summary()`` works and saving
        records the model's input shapes); otherwise the first batch builds it."""
        shapes = _input_shapes(self.encoder)
        if shapes is not None and not self.built:
            with no_grad():
                self(*[build_probe((1,) + s, self.dtype) for s in shapes], training=False)

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def compile(self, optimizer="adam", loss=None, **kwargs):
        """Choose the optimizer (e.g. ``"adam"`` or ``axon.optimizers.Adam(1e-3)``); the VAE brings
        its own loss, so ``loss`` must be left out."""
        if loss is not None:
            raise ValueError(f"{self.describe()}.compile: a VAE trains on its own loss (reconstruction + beta * KL), "
                             f"got loss={loss!r}; leave loss out and choose reconstruction='bce' or 'mse' "
                             "when building it")
        super().compile(optimizer=optimizer, **kwargs)

    # ----- the pieces
    def _conditions(self, data, what):
        """The images and the conditions (None: the plain VAE has none) of a batch."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self._images(x, what), None

    def _images(self, x, what):
        x = np.asarray(x.data if isinstance(x, Tensor) else x)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        if self.reconstruction == "bce" and x.size:
            lo, hi = float(x.min()), float(x.max())
            if lo < 0 or hi > 1:
                raise ValueError(f"{self.describe()}.{what}: with reconstruction='bce' the images must lie in "
                                 f"[0, 1] (pixel probabilities), got min {lo:g}, max {hi:g}; scale them, e.g. "
                                 "x / 255, or build the VAE with reconstruction='mse'")
        return x

    def _encoder(self, x, c, training):
        return self.encoder(x if c is None else [x, c], training=training)

    def _decoder(self, z, c, training):
        return self.decoder(z if c is None else [z, c], training=training)

    def _parts(self, x, c, training):
        """(total, reconstruction, kl) losses of a batch, scalar tensors in nats per image."""
        z_mean, z_log_var = self._encoder(x, c, training)
        z = self.sampling([z_mean, z_log_var])
        x_hat = self._decoder(z, c, training)
        reconstruction = reconstruction_loss(x, x_hat, self.reconstruction)
        kl = kl_divergence(z_mean, z_log_var)
        total = reconstruction + kl * self.beta if self.beta != 1 else reconstruction + kl
        for penalty in self.losses:
            total = total + penalty
        return total, reconstruction, kl

    def _log(self, n, total, reconstruction, kl):
        self.loss_tracker.update_state(float(total.data), sample_weight=n)
        self.reconstruction_loss_tracker.update_state(float(reconstruction.data), sample_weight=n)
        self.kl_loss_tracker.update_state(float(kl.data), sample_weight=n)
        return {m.name: m.result() for m in self.metrics}

    # ----- the training contract
    def call(self, x, c=None, training=None):
        if c is None and isinstance(x, (list, tuple)):
            x, c = x
        z_mean, z_log_var = self._encoder(x, c, training)
        z = self.sampling([z_mean, z_log_var]) if self._is_training(training) else z_mean
        return self._decoder(z, c, training)

    def train_step(self, data):
        x, c = self._conditions(data, "fit")
        if not self.built:  # an encoder without declared input shapes: build on the first batch
            with no_grad():
                self(x[:1] if c is None else [x[:1], c[:1]], training=False)
        total, reconstruction, kl = self._parts(x, c, training=True)
        weights = self.trainable_weights
        self.optimizer.apply(grad(total, weights), weights)
        return self._log(num_samples(x), total, reconstruction, kl)

    def test_step(self, data):
        x, c = self._conditions(data, "evaluate")
        with no_grad():
            total, reconstruction, kl = self._parts(x, c, training=False)
        return self._log(num_samples(x), total, reconstruction, kl)

    # ----- using it
    def encode(self, x, batch_size=256):
        """``(z_mean, z_log_var)`` of images ``x``, two NumPy arrays ``(N, latent_dim)``."""
        mean, log_var = _run(self.encoder, self._images(x, "encode"), batch_size)
        return mean, log_var

    def decode(self, z, batch_size=256):
        """The decoder's images (for ``"bce"``, pixel probabilities) of codes ``z`` ``(N, latent_dim)``."""
        return _run(self.decoder, self._codes(z, "decode"), batch_size)

    def sample(self, n, seed=None):
        """``n`` new images, decoded from draws of the prior N(0, I) (``seed``: a fixed draw)."""
        return self.decode(self._prior(n, seed))

    def interpolate(self, x_a, x_b, steps=8):
        """``steps`` images decoded along the straight line from the code mean of image ``x_a`` to
        that of ``x_b`` (each of ``input_shape``, or a batch of one); ``(steps, *input_shape)``."""
        z = self._line(self.encode(self._pair(x_a, x_b))[0], steps)
        return self.decode(z)

    # helpers shared with the conditional VAE
    def _codes(self, z, what):
        z = np.asarray(z, dtype=self.dtype)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"{self.describe()}.{what}: codes must have shape (N, {self.latent_dim}) (latent_dim "
                             f"{self.latent_dim}), got {z.shape}")
        return z

    def _prior(self, n, seed):
        n = _check_size(f"{self.describe()}.sample", "n", n)
        gen = backend.rng() if seed is None else np.random.default_rng(seed)
        return gen.standard_normal((n, self.latent_dim), dtype=np.float32).astype(self.dtype, copy=False)

    def _pair(self, x_a, x_b):
        x_a, x_b = np.asarray(x_a, dtype=self.dtype), np.asarray(x_b, dtype=self.dtype)
        shapes = _input_shapes(self.encoder)
        shape = shapes[0] if shapes else None
        if x_a.shape != x_b.shape:
            raise ValueError(f"{self.describe()}.interpolate: x_a and x_b must have the same shape, got "
                             f"{x_a.shape} and {x_b.shape}")
        if shape is None or x_a.shape == tuple(shape):
            return np.stack([x_a, x_b])
        if x_a.shape[0] != 1:
            raise ValueError(f"{self.describe()}.interpolate: x_a and x_b must each be one image of shape "
                             f"{tuple(shape)} (or a batch of one), got {x_a.shape}")
        return np.concatenate([x_a, x_b])

    def _line(self, means, steps):
        steps = _check_size(f"{self.describe()}.interpolate", "steps", steps)
        t = np.linspace(0.0, 1.0, steps, dtype=self.dtype)[:, None]
        return (1 - t) * means[0] + t * means[1]


def _input_shapes(model):
    """The input shapes (batch axis excluded) a model declares, or None when they are not known."""
    symbolic = getattr(model, "_inputs", None)
    if symbolic:
        shapes = [tuple(t.shape[1:]) for t in symbolic]
    elif getattr(model, "_batch_input_shape", None) is not None:
        shapes = [tuple(model._batch_input_shape[1:])]
    else:
        return None
    return shapes if all(s is not None for shape in shapes for s in shape) else None


# ----- the two terms of the loss
def kl_divergence(z_mean, z_log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) summed over the latent axis, averaged over the batch:
    ``mean_n -1/2 sum_j (1 + log_var - mean^2 - exp(log_var))``, a scalar tensor (nats)."""
    per_unit = 1.0 + z_log_var - F.square(z_mean) - F.exp(z_log_var)
    return F.sum(per_unit) * (-0.5 / z_mean.shape[0])


def reconstruction_loss(x, x_hat, kind="bce"):
    """The reconstruction error of a batch summed over the pixels, averaged over the batch: the
    binary cross-entropy (``"bce"``; computed from the logits when ``x_hat`` is a sigmoid's output,
    reshaped or not) or the squared error (``"mse"``); a scalar tensor."""
    pixels = int(np.prod(x_hat.shape[1:]))
    if kind == "mse":
        return F.mean_squared_error(x, x_hat) * pixels
    inner = _sigmoid_output(x_hat)
    if inner is not None:
        x_hat, x = inner, np.reshape(x, inner.shape)
    return F.binary_crossentropy(x, x_hat) * pixels


def _sigmoid_output(t):
    """The sigmoid's output ``t`` is a reshape of (a decoder's Dense(sigmoid) then Reshape), so the
    cross-entropy can use the logits; None when it is not."""
    ctx = getattr(t, "_ctx", None)
    if isinstance(ctx, Reshape) and isinstance(ctx.inputs[0], Tensor) \
            and isinstance(getattr(ctx.inputs[0], "_ctx", None), Sigmoid):
        return ctx.inputs[0]
    return None


# ----- builders
def dense_vae(input_shape=(28, 28, 1), hidden=400, latent_dim=20, reconstruction="bce", beta=1.0, seed=None,
              name="vae"):
    """An uncompiled dense ``VAE``, pytorch/examples' model for 28x28 images: input (flattened) ->
    ``hidden`` ReLU units -> ``z_mean`` and ``z_log_var`` of ``latent_dim``; code -> ``hidden`` ReLU
    -> sigmoid output of ``input_shape``.  ``hidden`` may be a tuple for several layers.

    >>> vae = dense_vae()
    >>> vae.encoder.output_shape, vae.decoder.output_shape
    ([(None, 20), (None, 20)], (None, 28, 28, 1))
    """
    shape = _check_shape("dense_vae", input_shape)
    hidden = _sizes("dense_vae", "hidden", hidden)
    latent_dim = _check_size("dense_vae", "latent_dim", latent_dim)
    inputs = layers.Input(shape)
    h = layers.Flatten()(inputs)
    for units in hidden:
        h = layers.Dense(units, activation="relu")(h)
    encoder = Model(inputs, _heads(h, latent_dim), name="encoder")
    decoder = Sequential([layers.InputLayer((latent_dim,))]
                         + [layers.Dense(units, activation="relu") for units in reversed(hidden)]
                         + [layers.Dense(int(np.prod(shape)), activation=_output(reconstruction)),
                            layers.Reshape(shape)], name="decoder")
    return VAE(encoder, decoder, latent_dim, reconstruction=reconstruction, beta=beta, seed=seed, name=name)


def _heads(h, latent_dim):
    return [layers.Dense(latent_dim, name="z_mean")(h), layers.Dense(latent_dim, name="z_log_var")(h)]


def _output(reconstruction):
    return "sigmoid" if reconstruction == "bce" else None


def conv_vae(input_shape=(28, 28, 1), latent_dim=16, filters=(32, 64), hidden=16, reconstruction="bce",
             beta=1.0, seed=None, name="conv_vae"):
    """An uncompiled convolutional ``VAE`` (keras.io's example for 28x28 images): 3x3 convolutions of
    stride 2 (one per entry of ``filters``), a dense layer of ``hidden`` ReLU units, the two heads;
    a dense layer back to the smallest feature map, 3x3 transposed convolutions of stride 2 and a
    3x3 convolution to the image's channels.

    >>> conv_vae(filters=(8, 16)).decoder.output_shape
    (None, 28, 28, 1)
    """
    shape = _check_shape("conv_vae", input_shape)
    if len(shape) != 3:
        raise ValueError(f"conv_vae: input_shape must be (height, width, channels), got {input_shape!r}; "
                         "for flat inputs use dense_vae")
    latent_dim = _check_size("conv_vae", "latent_dim", latent_dim)
    filters = _sizes("conv_vae", "filters", filters)
    hidden = _check_size("conv_vae", "hidden", hidden)
    step = 2 ** len(filters)
    if not filters or shape[0] % step or shape[1] % step:
        raise ValueError(f"conv_vae: height and width must be divisible by 2**len(filters) = {step} (each "
                         f"convolution halves them), and filters non-empty; got input_shape {shape}, filters "
                         f"{filters}")
    inputs = layers.Input(shape)
    h = inputs
    for f in filters:
        h = layers.Conv2D(f, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Dense(hidden, activation="relu")(layers.Flatten()(h))
    encoder = Model(inputs, _heads(h, latent_dim), name="encoder")
    small = (shape[0] // step, shape[1] // step, filters[-1])
    decoder = Sequential([layers.InputLayer((latent_dim,)),
                          layers.Dense(int(np.prod(small)), activation="relu"), layers.Reshape(small)]
                         + [layers.Conv2DTranspose(f, 3, strides=2, padding="same", activation="relu")
                            for f in reversed(filters)]
                         + [layers.Conv2D(shape[2], 3, padding="same", activation=_output(reconstruction))],
                         name="decoder")
    return VAE(encoder, decoder, latent_dim, reconstruction=reconstruction, beta=beta, seed=seed, name=name)


register("vae", dense_vae, aliases=("dense_vae", "variational_autoencoder"))
register("conv_vae", conv_vae, aliases=("convolutional_vae",))
