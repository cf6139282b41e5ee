"""Autoencoders: an encoder squeezes the input into a small code, a decoder rebuilds the input from
it, and both learn together to make the reconstruction match the input.

With a code smaller than the input the network must keep what matters and drop the rest (a
linear autoencoder with squared error finds the principal subspace). A denoising autoencoder
(Vincent et al., 2008) sees corrupted inputs and must restore the clean ones; a sparse one
(Ng's lecture notes) pays a penalty for active code units, so each unit learns a rarer feature.

>>> import numpy as np
>>> ae = dense_autoencoder(input_shape=(8,), latent_dim=2, hidden=(4,))
>>> ae.compile("adam", "binary_crossentropy")
>>> x = np.random.default_rng(0).random((32, 8), dtype=np.float32)
>>> history = ae.fit(x, x, epochs=1, batch_size=16, verbose=0)
>>> ae.encode(x).shape, ae.decode(ae.encode(x)).shape
((32, 2), (32, 8))
"""
import numbers

import numpy as np

from ... import layers
from ... import regularizers
from ...autograd import no_grad
from ...models import Model, Sequential
from ..registry import register


class Autoencoder(Model):
    """A model whose output is ``decoder(encoder(x))``: train it Keras's way on ``fit(x, x)``.

    ``encoder`` maps inputs ``(N, *input_shape)`` to codes ``(N, latent_dim)``, ``decoder`` maps
    codes back to ``(N, *input_shape)``; both are models (or layers) of their own, reachable as
    ``.encoder`` and ``.decoder``, so a trained encoder can be reused (a feature extractor) and
    the decoder can draw from hand-made codes.  Compile with a reconstruction loss,
    ``"binary_crossentropy"`` for inputs in [0, 1] with a sigmoid output, ``"mse"`` otherwise.
    """

    def __init__(self, encoder, decoder, name=None):
        super().__init__(name=name)
        for role, part in (("encoder", encoder), ("decoder", decoder)):
            if not isinstance(part, layers.Layer):
                raise TypeError(f"Autoencoder: {role} must be an axon model or layer, got "
                                f"{type(part).__name__}; build it with axon.Sequential([...])")
        self.encoder = encoder
        self.decoder = decoder
        if getattr(encoder, "_batch_input_shape", None) is not None:
            self._batch_input_shape = encoder._batch_input_shape

    def call(self, x, training=None):
        return self.decoder(self.encoder(x, training=training), training=training)

    def encode(self, x, batch_size=256):
        """The codes of ``x`` (NumPy, ``(N, latent_dim)``), in inference mode (no noise)."""
        return _run(self.encoder, x, batch_size)

    def decode(self, z, batch_size=256):
        """The reconstructions (NumPy, ``(N, *input_shape)``) of codes ``z``."""
        return _run(self.decoder, z, batch_size)


def _run(part, x, batch_size):
    """``part`` applied to the NumPy batch ``x`` in inference mode, batch by batch, as NumPy."""
    if isinstance(part, Model):
        return part.predict(x, batch_size=batch_size, verbose=0)
    with no_grad():
        out = part(np.asarray(x, dtype=np.float32), training=False)
    return [o.numpy() for o in out] if isinstance(out, (list, tuple)) else out.numpy()


# ----- builders
def _check_shape(builder, input_shape):
    shape = (input_shape,) if isinstance(input_shape, numbers.Integral) else tuple(input_shape)
    if not shape or any(not isinstance(s, numbers.Integral) or s < 1 for s in shape):
        raise ValueError(f"{builder}: input_shape must be positive sizes without the batch axis, e.g. "
                         f"(28, 28, 1) or (784,), got {input_shape!r}")
    return tuple(int(s) for s in shape)


def _check_size(builder, argument, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{builder}: {argument} must be a positive whole number, got {value!r}")
    return int(value)


def _sizes(builder, argument, values):
    values = (values,) if isinstance(values, numbers.Integral) else tuple(values)
    return tuple(_check_size(builder, argument, v) for v in values)


def _dense_parts(builder, input_shape, latent_dim, hidden, activation, output_activation, first=(),
                 code_activation=None, code_regularizer=None):
    """Encoder and decoder ``Sequential``s of a dense autoencoder: ``first`` layers (noise), flatten,
    ``hidden`` layers, the code; then the hidden layers in reverse and the output, reshaped back."""
    shape = _check_shape(builder, input_shape)
    latent_dim = _check_size(builder, "latent_dim", latent_dim)
    hidden = _sizes(builder, "hidden", hidden)
    encoder = Sequential([layers.InputLayer(shape), *first, layers.Flatten()]
                         + [layers.Dense(h, activation=activation) for h in hidden]
                         + [layers.Dense(latent_dim, activation=code_activation,
                                         activity_regularizer=code_regularizer)],
                         name="encoder")
    decoder = Sequential([layers.InputLayer((latent_dim,))]
                         + [layers.Dense(h, activation=activation) for h in reversed(hidden)]
                         + [layers.Dense(int(np.prod(shape)), activation=output_activation),
                            layers.Reshape(shape)], name="decoder")
    return encoder, decoder


def dense_autoencoder(input_shape=(28, 28, 1), latent_dim=32, hidden=(256,), activation="relu",
                      output_activation="sigmoid", code_activation=None, name="dense_autoencoder"):
    """An uncompiled dense ``Autoencoder``: input (flattened) -> ``hidden`` -> code of ``latent_dim``
    (linear, or ``code_activation``) -> ``hidden`` reversed -> output of ``input_shape``.

    >>> dense_autoencoder(latent_dim=16).encoder.output_shape
    (None, 16)
    """
    encoder, decoder = _dense_parts("dense_autoencoder", input_shape, latent_dim, hidden, activation,
                                    output_activation, code_activation=code_activation)
    return Autoencoder(encoder, decoder, name=name)


def _conv_parts(builder, input_shape, latent_dim, filters, activation, output_activation, first=()):
    """Encoder and decoder of a convolutional autoencoder: 3x3 convolutions of stride 2 (each
    halves the height and width), a dense code; a dense layer back to the smallest feature map,
    3x3 transposed convolutions of stride 2 (each doubles it) and a 3x3 convolution to the
    input's channels."""
    shape = _check_shape(builder, input_shape)
    if len(shape) != 3:
        raise ValueError(f"{builder}: input_shape must be (height, width, channels), got {input_shape!r}; "
                         "for flat inputs use dense_autoencoder")
    latent_dim = _check_size(builder, "latent_dim", latent_dim)
    filters = _sizes(builder, "filters", filters)
    if not filters:
        raise ValueError(f"{builder}: filters must name at least one convolution, got {filters!r}")
    h, w, c = shape
    step = 2 ** len(filters)
    if h % step or w % step:
        raise ValueError(f"{builder}: height and width must be divisible by 2**len(filters) = {step} (each "
                         f"convolution halves them), got input_shape {shape}; pad or crop the images, or "
                         f"use fewer filters (e.g. filters={filters[:-1] or (32,)})")
    small = (h // step, w // step, filters[-1])
    encoder = Sequential([layers.InputLayer(shape), *first]
                         + [layers.Conv2D(f, 3, strides=2, padding="same", activation=activation)
                            for f in filters]
                         + [layers.Flatten(), layers.Dense(latent_dim)], name="encoder")
    decoder = Sequential([layers.InputLayer((latent_dim,)),
                          layers.Dense(int(np.prod(small)), activation=activation), layers.Reshape(small)]
                         + [layers.Conv2DTranspose(f, 3, strides=2, padding="same", activation=activation)
                            for f in reversed(filters)]
                         + [layers.Conv2D(c, 3, padding="same", activation=output_activation)], name="decoder")
    return encoder, decoder


def conv_autoencoder(input_shape=(28, 28, 1), latent_dim=32, filters=(32, 64), activation="relu",
                     output_activation="sigmoid", name="conv_autoencoder"):
    """An uncompiled convolutional ``Autoencoder`` for images ``(H, W, C)``: strided ``Conv2D`` down
    (one per entry of ``filters``, each halving H and W), a dense code of ``latent_dim``, and
    ``Conv2DTranspose`` back up.

    >>> conv_autoencoder(filters=(8, 16)).decoder.output_shape
    (None, 28, 28, 1)
    """
    encoder, decoder = _conv_parts("conv_autoencoder", input_shape, latent_dim, filters, activation,
                                   output_activation)
    return Autoencoder(encoder, decoder, name=name)


NOISES = ("gaussian", "dropout")


def denoising_autoencoder(kind="dense", noise="gaussian", amount=0.3, seed=None, name="denoising_autoencoder",
                          **kw):
    """An uncompiled denoising ``Autoencoder``: a corruption layer first in the encoder, active only
    in training, so ``fit(x, x)`` teaches it to restore clean inputs from corrupted ones.

    ``kind``: ``"dense"`` or ``"conv"`` (the other arguments, ``**kw``, go to ``dense_autoencoder``
    or ``conv_autoencoder``); ``noise``: ``"gaussian"`` adds N(0, ``amount``^2) to each input
    (``GaussianNoise``), ``"dropout"`` multiplies each by N(1, ``amount`` / (1 - ``amount``))
    noise (Keras's ``GaussianDropout``, ``amount`` the drop rate).  ``seed`` fixes the noise's
    sequence of draws.

    >>> type(denoising_autoencoder(noise="gaussian", amount=0.5).encoder.layers[0]).__name__
    'GaussianNoise'
    """
    if noise not in NOISES:
        raise ValueError(f"denoising_autoencoder: noise must be one of {', '.join(NOISES)}, got {noise!r}")
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real) or amount < 0 \
            or (noise == "dropout" and amount >= 1):
        expected = "a rate in [0, 1)" if noise == "dropout" else "a standard deviation >= 0"
        raise ValueError(f"denoising_autoencoder: amount must be {expected} for noise={noise!r}, got {amount!r}")
    corrupt = (layers.GaussianNoise(float(amount), seed=seed) if noise == "gaussian"
               else layers.GaussianDropout(float(amount), seed=seed))
    if kind == "dense":
        defaults = dict(input_shape=(28, 28, 1), latent_dim=32, hidden=(256,), activation="relu",
                        output_activation="sigmoid")
        _only("denoising_autoencoder", kw, defaults, "dense")
        defaults.update(kw)
        encoder, decoder = _dense_parts("denoising_autoencoder", first=(corrupt,), **defaults)
    elif kind == "conv":
        defaults = dict(input_shape=(28, 28, 1), latent_dim=32, filters=(32, 64), activation="relu",
                        output_activation="sigmoid")
        _only("denoising_autoencoder", kw, defaults, "conv")
        defaults.update(kw)
        encoder, decoder = _conv_parts("denoising_autoencoder", first=(corrupt,), **defaults)
    else:
        raise ValueError(f"denoising_autoencoder: kind must be 'dense' or 'conv', got {kind!r}")
    return Autoencoder(encoder, decoder, name=name)


def _only(builder, given, allowed, kind):
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(f"{builder}: kind={kind!r} does not take {', '.join(unknown)}; its arguments: "
                         f"{', '.join(allowed)}")


PENALTIES = ("kl", "l1")
DEFAULT_WEIGHTS = {"kl": 0.01, "l1": 0.005}


def sparse_autoencoder(input_shape=(28, 28, 1), latent_dim=64, penalty="kl", target=0.05, weight=None,
                       hidden=(), name="sparse_autoencoder"):
    """An uncompiled sparse ``Autoencoder``: a code of ``latent_dim`` sigmoid units carrying an
    activity penalty that keeps most of them near 0 for any one input.

    ``penalty="kl"``: ``weight`` times the KL divergence between a Bernoulli of mean ``target``
    (the sparsity target rho) and one of each unit's mean activation over the batch, summed over
    the units (``axon.regularizers.KLSparsity``; ``weight`` 0.01 by default);
    ``penalty="l1"``: ``weight`` times the sum of the activations per input (``L1``, 0.005 by default;
    ``target`` unused). ``hidden``: dense ReLU layers between the input and the code.

    >>> sparse_autoencoder(input_shape=(16,), latent_dim=8).encoder.layers[-1].activity_regularizer is not None
    True
    """
    if penalty not in PENALTIES:
        raise ValueError(f"sparse_autoencoder: penalty must be 'kl' (a sparsity target) or 'l1', got {penalty!r}")
    weight = DEFAULT_WEIGHTS[penalty] if weight is None else weight
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or weight < 0:
        raise ValueError(f"sparse_autoencoder: weight must be a number >= 0 (the penalty factor), got {weight!r}")
    if penalty == "kl":
        if isinstance(target, bool) or not isinstance(target, numbers.Real) or not 0 < target < 1:
            raise ValueError(f"sparse_autoencoder: target must be the mean activation wanted, in (0, 1), e.g. "
                             f"0.05, got {target!r}")
        reg = regularizers.KLSparsity(float(target), float(weight))
    else:
        reg = regularizers.L1(float(weight))
    encoder, decoder = _dense_parts("sparse_autoencoder", input_shape, latent_dim, hidden, "relu", "sigmoid",
                                    code_activation="sigmoid", code_regularizer=reg)
    return Autoencoder(encoder, decoder, name=name)


register("dense_autoencoder", dense_autoencoder, aliases=("ae", "autoencoder"))
register("conv_autoencoder", conv_autoencoder, aliases=("cae", "convolutional_autoencoder"))
register("denoising_autoencoder", denoising_autoencoder, aliases=("dae",))
register("sparse_autoencoder", sparse_autoencoder, aliases=("sae",))
