"""The conditional variational autoencoder (Sohn, Lee and Yan, 2015): a VAE whose encoder and
decoder both see a condition, here the one-hot class of the image.

Since the decoder is told the class, the latent code no longer needs to carry it and keeps the
rest (style: thickness, slant, shape); decoding one code with each class label draws the same
style in every class, and ``sample(n, labels)`` draws new images of the classes asked for.

>>> import numpy as np
>>> cvae = dense_cvae(input_shape=(6,), num_classes=3, hidden=8, latent_dim=2, seed=0)
>>> cvae.compile("adam")
>>> x, y = np.random.default_rng(0).random((30, 6), dtype=np.float32), np.arange(30) % 3
>>> sorted(cvae.fit(x, y, epochs=1, batch_size=10, verbose=0).history)
['kl_loss', 'loss', 'reconstruction_loss']
>>> cvae.sample(4, labels=2, seed=0).shape, cvae.sample(3, labels=[0, 1, 2]).shape
((4, 6), (3, 6))
"""
import numbers

import numpy as np

from ... import layers
from ...data.batches import unpack_x_y_sample_weight
from ...models import Model
from ..registry import register
from .autoencoder import _check_shape, _check_size, _run, _sizes
from .vae import VAE, _heads, _output


class ConditionalVAE(VAE):
    """A VAE conditioned on class labels, trained Keras's way with the labels as the targets:
    ``cvae.compile("adam"); cvae.fit(x, labels)``.

    ``encoder`` maps ``[images (N, *input_shape), one-hot (N, num_classes)]`` to
    ``[z_mean, z_log_var]``; ``decoder`` maps ``[codes (N, latent_dim), one-hot]`` to images.
    ``labels`` are class indices ``(N,)`` in ``[0, num_classes)`` or one-hot rows
    ``(N, num_classes)``; a batch source yields ``(x, labels)``.  The loss and the logs are the
    VAE's (``loss``, ``reconstruction_loss``, ``kl_loss``, nats per image).  Calling the model takes
    ``[x, one_hot]``.
    """

    def __init__(self, encoder, decoder, latent_dim, num_classes, reconstruction="bce", beta=1.0, seed=None,
                 name=None):
        self.num_classes = _check_size("ConditionalVAE", "num_classes", num_classes)
        super().__init__(encoder, decoder, latent_dim, reconstruction=reconstruction, beta=beta, seed=seed,
                         name=name)

    def one_hot(self, labels, n=None, what="fit"):
        """Class indices ``(N,)`` (or one index, repeated ``n`` times) or one-hot rows as one-hot
        float rows ``(N, num_classes)``."""
        y = np.asarray(labels)
        k = self.num_classes
        if y.ndim == 2 and y.shape[1] == k and y.dtype.kind == "f":
            if n is not None and len(y) != n:
                raise ValueError(f"{self.describe()}.{what}: got {len(y)} one-hot labels for {n} images")
            return y.astype(self.dtype, copy=False)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim == 0 and n is not None:
            y = np.full(n, y)
        if y.ndim != 1 or y.dtype.kind not in "iuf" or (y.size and (y.min() < 0 or y.max() >= k
                                                                      or np.any(y != np.round(y)))):
            raise ValueError(f"{self.describe()}.{what}: labels must be class indices in [0, {k}) of shape (N,) "
                             f"or one-hot rows (N, {k}), got an array of shape {y.shape}, dtype {y.dtype}"
                             + (f", values {y.min()}..{y.max()}" if y.size and y.dtype.kind in "iuf" else ""))
        if n is not None and len(y) != n:
            raise ValueError(f"{self.describe()}.{what}: got {len(y)} labels for {n} images; give one label per "
                             "image, or a single label for all")
        return np.eye(k, dtype=self.dtype)[y.astype(np.int64)]

    def _conditions(self, data, what):
        x, y, _ = unpack_x_y_sample_weight(data)
        if isinstance(x, (list, tuple)) and len(x) == 2 and y is None:
            x, y = x
        if y is None:
            raise ValueError(f"{self.describe()}.{what}: a conditional VAE needs the class labels; pass them as "
                             f"the targets: {what}(x, labels)")
        x = self._images(x, what)
        return x, self.one_hot(y, len(x), what)

    def encode(self, x, labels, batch_size=256):
        """``(z_mean, z_log_var)`` of images ``x`` of classes ``labels``, NumPy ``(N, latent_dim)``."""
        x = self._images(x, "encode")
        mean, log_var = _run(self.encoder, [x, self.one_hot(labels, len(x), "encode")], batch_size)
        return mean, log_var

    def decode(self, z, labels, batch_size=256):
        """Images of codes ``z`` ``(N, latent_dim)`` drawn as classes ``labels`` (one or N)."""
        z = self._codes(z, "decode")
        return _run(self.decoder, [z, self.one_hot(labels, len(z), "decode")], batch_size)

    def sample(self, n, labels, seed=None):
        """``n`` new images of classes ``labels`` (one class for all, or ``n`` of them), decoded from
        draws of the prior N(0, I)."""
        return self.decode(self._prior(n, seed), labels)

    def interpolate(self, x_a, x_b, labels, steps=8):
        """``steps`` images decoded along the line between the code means of ``x_a`` and ``x_b``,
        both encoded and decoded as class ``labels`` (one class, or one for ``x_a`` and one for
        ``x_b``: then the decoder's label moves from the first to the second one-hot too)."""
        pair = self._pair(x_a, x_b)
        c = self.one_hot(labels, 2, "interpolate")
        z = self._line(_run(self.encoder, [pair, c], 2)[0], steps)
        return _run(self.decoder, [z, self._line(c, steps)], 256)


def dense_cvae(input_shape=(28, 28, 1), num_classes=10, hidden=400, latent_dim=20, reconstruction="bce",
               beta=1.0, seed=None, name="cvae"):
    """An uncompiled dense ``ConditionalVAE``: pytorch/examples' VAE (``dense_vae``) with the one-hot
    label concatenated to the flattened image at the encoder's input and to the code at the
    decoder's.

    >>> [tuple(t.shape) for t in dense_cvae().decoder._inputs]
    [(None, 20), (None, 10)]
    """
    shape = _check_shape("dense_cvae", input_shape)
    num_classes = _check_size("dense_cvae", "num_classes", num_classes)
    hidden = _sizes("dense_cvae", "hidden", hidden)
    latent_dim = _check_size("dense_cvae", "latent_dim", latent_dim)
    image, label = layers.Input(shape, name="image"), layers.Input((num_classes,), name="label")
    h = layers.Concatenate()([layers.Flatten()(image), label])
    for units in hidden:
        h = layers.Dense(units, activation="relu")(h)
    encoder = Model([image, label], _heads(h, latent_dim), name="encoder")
    code, code_label = layers.Input((latent_dim,), name="code"), layers.Input((num_classes,), name="code_label")
    h = layers.Concatenate()([code, code_label])
    for units in reversed(hidden):
        h = layers.Dense(units, activation="relu")(h)
    out = layers.Dense(int(np.prod(shape)), activation=_output(reconstruction))(h)
    decoder = Model([code, code_label], layers.Reshape(shape)(out), name="decoder")
    return ConditionalVAE(encoder, decoder, latent_dim, num_classes, reconstruction=reconstruction, beta=beta,
                          seed=seed, name=name)


register("cvae", dense_cvae, aliases=("conditional_vae", "dense_cvae"))
