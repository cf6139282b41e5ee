"""DCGAN (Radford, Metz and Chintala, 2016): the GAN made stable on images by a handful of rules: no
pooling but strided convolutions (the generator upsamples with transposed ones), batch
normalisation in both networks (not on the generator's output nor the discriminator's input), ReLU
in the generator with a tanh output, LeakyReLU 0.2 in the discriminator, weights drawn from
N(0, 0.02) and Adam at 2e-4 with beta_1 = 0.5.  Goodfellow's original MLP GAN is here too.

``LAB_DEFAULTS`` holds the settings Lab 3 trains with (measured to fit its time budget).
"""
import math

import numpy as np

from ... import layers as L
from ...initializers import RandomNormal
from ...models import Sequential
from ..registry import register
from .gan import GAN

# Lab 3's settings.  Measured single-threaded on the full 60,000 Fashion-MNIST images, batch 128
# (469 steps an epoch), CPU seconds per epoch on a shared machine (a quiet one is no slower): DCGAN
# width 32 45-51 s (60-68 s when busier), conditional DCGAN width 32 58-72 s, MLP GAN
# (256, 512) 9-11 s.  Two threads give about 1.6x, so the defaults train in about 6 (DCGAN), 6 (cGAN)
# and 5 (MLP) minutes on 2 cores, leaving room for the evaluation within the lab's 15 minutes.
# Quality measured with the lab's evaluator (Fréchet distance on its features; test images with
# N(0, 0.2^2) noise: 151): the DCGAN after 10 epochs FD 46, every class 7-13 % of 10,000 samples;
# the cGAN after 8 epochs gives the asked-for class for 85 % of 10,000 samples (81 % after 2; shirts,
# the evaluator's own hardest class, 49 %); the MLP GAN after 8
# epochs draws noisy garment outlines (FD 144).
LAB_DEFAULTS = {
    "dcgan": dict(width=32, epochs=12, batch_size=128, lr=2e-4, beta_1=0.5, latent_dim=64),
    "mlp": dict(hidden=(256, 512), epochs=40, batch_size=128, lr=2e-4, beta_1=0.5, latent_dim=64),
    "cgan": dict(width=32, epochs=8, batch_size=128, lr=2e-4, beta_1=0.5, latent_dim=64),
}


def _init():
    return RandomNormal(0.0, 0.02)


def _bn():
    """Batch norm as DCGAN has it: scale drawn from N(1, 0.02); moving averages that follow the
    fast-changing statistics of a GAN (momentum 0.9)."""
    return L.BatchNormalization(momentum=0.9, epsilon=1e-5, gamma_initializer=RandomNormal(1.0, 0.02))


def _check_image_shape(where, image_shape):
    shape = tuple(image_shape)
    if len(shape) != 3 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s <= 0 for s in shape):
        raise ValueError(f"{where}: image_shape must be (height, width, channels) of positive ints, got "
                         f"{image_shape!r}; pass e.g. (28, 28, 1)")
    if shape[0] % 4 or shape[1] % 4:
        raise ValueError(f"{where}: image height and width must be multiples of 4 (two stride-2 "
                         f"upsamplings from a (h/4, w/4) start), got image_shape={shape}; pad or crop the "
                         "images, e.g. to (28, 28, 1) or (32, 32, 3)")
    return shape


def _check_width(where, width):
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width <= 0:
        raise ValueError(f"{where}: width must be a positive int (filters of the widest-resolution layer), "
                         f"got {width!r}; pass e.g. 64")
    return int(width)


def generator_trunk(image_shape, width):
    """The DCGAN generator's layers after its input: Dense -> (h/4, w/4, 2 width) -> BN ReLU ->
    Conv2DTranspose(width, stride 2) -> BN ReLU -> Conv2DTranspose(channels, stride 2) -> tanh."""
    h, w, c = image_shape
    return [L.Dense((h // 4) * (w // 4) * 2 * width, use_bias=False, kernel_initializer=_init()),
            _bn(), L.ReLU(), L.Reshape((h // 4, w // 4, 2 * width)),
            L.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False, kernel_initializer=_init()),
            _bn(), L.ReLU(),
            L.Conv2DTranspose(c, 4, strides=2, padding="same", kernel_initializer=_init(), activation="tanh")]


def discriminator_trunk(width):
    """The DCGAN discriminator's layers: Conv2D(width, stride 2) LeakyReLU 0.2 (no batch norm on the
    input layer) -> Conv2D(2 width, stride 2) BN LeakyReLU 0.2 -> Flatten -> Dense(1), a logit."""
    return [L.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=_init()), L.LeakyReLU(0.2),
            L.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=False, kernel_initializer=_init()),
            _bn(), L.LeakyReLU(0.2), L.Flatten(), L.Dense(1, kernel_initializer=_init())]


def dcgan_generator(latent_dim=100, image_shape=(28, 28, 1), width=64, name="generator"):
    """DCGAN generator: noise (N, latent_dim) -> images (N, H, W, C) in [-1, 1] (H, W multiples of 4).

    >>> dcgan_generator(16, (28, 28, 1), width=8).output_shape
    (None, 28, 28, 1)
    """
    shape = _check_image_shape("dcgan_generator", image_shape)
    width = _check_width("dcgan_generator", width)
    return Sequential([L.Input((int(latent_dim),))] + generator_trunk(shape, width), name=name)


def dcgan_discriminator(image_shape=(28, 28, 1), width=64, name="discriminator"):
    """DCGAN discriminator: images (N, H, W, C) -> one logit (N, 1) of "real".

    >>> dcgan_discriminator((28, 28, 1), width=8).output_shape
    (None, 1)
    """
    shape = _check_image_shape("dcgan_discriminator", image_shape)
    width = _check_width("dcgan_discriminator", width)
    return Sequential([L.Input(shape)] + discriminator_trunk(width), name=name)


def mlp_generator(latent_dim=100, image_shape=(28, 28, 1), hidden=(256, 512), output_activation="tanh",
                  name="generator"):
    """Goodfellow's MLP generator: noise (N, latent_dim) -> Dense ReLU layers of ``hidden`` units ->
    samples (N, *image_shape), tanh (in [-1, 1]) unless ``output_activation`` says otherwise."""
    shape = tuple(image_shape)
    stack = [L.Input((int(latent_dim),))]
    for units in hidden:
        stack += [L.Dense(int(units), kernel_initializer=_init()), L.LeakyReLU(0.2)]
    stack += [L.Dense(math.prod(shape), activation=output_activation, kernel_initializer=_init())]
    if len(shape) > 1:
        stack.append(L.Reshape(shape))
    return Sequential(stack, name=name)


def mlp_discriminator(image_shape=(28, 28, 1), hidden=(512, 256), dropout=0.3, name="discriminator"):
    """Goodfellow's MLP discriminator: samples -> Dense LeakyReLU 0.2 layers of ``hidden`` units, each
    followed by dropout ``dropout`` -> one logit (N, 1)."""
    shape = tuple(image_shape)
    if not 0 <= dropout < 1:
        raise ValueError(f"mlp_discriminator: dropout must lie in [0, 1), got {dropout!r}")
    stack = [L.Input(shape)] + ([L.Flatten()] if len(shape) > 1 else [])
    for units in hidden:
        stack += [L.Dense(int(units), kernel_initializer=_init()), L.LeakyReLU(0.2)]
        if dropout:
            stack.append(L.Dropout(dropout))
    stack.append(L.Dense(1, kernel_initializer=_init()))
    return Sequential(stack, name=name)


def dcgan(image_shape=(28, 28, 1), latent_dim=100, width=64, label_smoothing=0.1, seed=None, name="dcgan"):
    """A ``GAN`` of ``dcgan_generator`` and ``dcgan_discriminator`` (uncompiled: ``compile()`` gives both
    Adam(2e-4, beta_1=0.5)); ``seed`` fixes the weights and the noise."""
    if seed is not None:
        from ... import backend
        backend.manual_seed(seed)
    return GAN(dcgan_generator(latent_dim, image_shape, width), dcgan_discriminator(image_shape, width),
               latent_dim, label_smoothing=label_smoothing, seed=seed, name=name)


def mlp_gan(image_shape=(28, 28, 1), latent_dim=100, g_hidden=(256, 512), d_hidden=(512, 256), dropout=0.3,
            output_activation="tanh", label_smoothing=0.1, seed=None, name="gan"):
    """Goodfellow's MLP GAN: a ``GAN`` of ``mlp_generator`` and ``mlp_discriminator`` (uncompiled);
    ``seed`` fixes the weights and the noise."""
    if seed is not None:
        from ... import backend
        backend.manual_seed(seed)
    return GAN(mlp_generator(latent_dim, image_shape, g_hidden, output_activation),
               mlp_discriminator(image_shape, d_hidden, dropout), latent_dim,
               label_smoothing=label_smoothing, seed=seed, name=name)


register("gan", mlp_gan, aliases=("mlp_gan",))
register("dcgan", dcgan)
