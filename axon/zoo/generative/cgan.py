"""The conditional GAN (Mirza and Osindero, 2014): generator and discriminator both see the class
label, so the generator learns p(x | y) and draws the class it is asked for, and the discriminator
judges whether an image is a real one *of that class*.  Here the label is embedded into both
networks: concatenated to the noise in the generator, and as an extra image plane (an embedding of
H x W values) beside the pixels in the discriminator; both are DCGAN-style convolutional networks.
"""
import numpy as np

from ... import layers as L
from ...models import Model
from ..registry import register
from .dcgan import _check_image_shape, _check_width, discriminator_trunk, generator_trunk
from .gan import GAN


class ConditionalGAN(GAN):
    """A ``GAN`` whose generator takes ``[z, label]`` (noise (N, latent_dim), class ids (N, 1)) and
    whose discriminator takes ``[image, label]``; ``fit(x, y)`` with ``y`` the class ids (N,) in
    ``[0, num_classes)``.  Generated batches in training get uniformly drawn labels.  The logs are
    the GAN's (``d_loss``, ``g_loss``, ``d_real``, ``d_fake``); ``generate(n, labels, seed)`` draws
    ``n`` images of the classes ``labels`` (one id per image, or one id for all; None: uniform).

    >>> import numpy as np
    >>> from axon.zoo.generative import conditional_gan
    >>> cgan = conditional_gan((8, 8, 1), num_classes=3, latent_dim=4, width=4, seed=0)
    >>> cgan.compile()
    >>> logs = cgan.train_step((np.zeros((6, 8, 8, 1), "float32"), np.array([0, 1, 2, 0, 1, 2])))
    >>> cgan.generate(5, labels=2, seed=0).shape
    (5, 8, 8, 1)
    """

    conditional = True

    def __init__(self, generator, discriminator, latent_dim, num_classes, label_smoothing=0.1, seed=None,
                 name=None):
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"ConditionalGAN: num_classes must be an int >= 2, got {num_classes!r}")
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            if getattr(net, "_inputs", None) is not None and len(net.inputs) != 2:
                raise ValueError(f"ConditionalGAN: the {role} must take two inputs ([z, label] for the "
                                 f"generator, [image, label] for the discriminator), got {len(net.inputs)}; "
                                 "build them with cgan_generator and cgan_discriminator")
        super().__init__(generator, discriminator, latent_dim, label_smoothing=label_smoothing, seed=seed,
                         name=name)
        self.num_classes = int(num_classes)

    def _generator_input_shapes(self):
        return [(self.latent_dim,), (1,)]

    def _discriminator_extra_shapes(self):
        return [(1,)]

    def _labels_of(self, y, n):
        if y is None:
            raise ValueError("ConditionalGAN.fit: give the class labels too, fit(x, y), y of shape (N,) "
                             f"with ids in [0, {self.num_classes})")
        y = np.asarray(y.data if hasattr(y, "data") and not isinstance(y, np.ndarray) else y)
        if y.ndim == 2 and y.shape[1] == self.num_classes and y.shape[0] == n:
            y = y.argmax(1)  # one-hot
        y = y.reshape(-1)
        if len(y) != n:
            raise ValueError(f"ConditionalGAN: got {len(y)} labels for {n} images; pass one class id per image")
        if np.any(y != np.round(y)) or y.min() < 0 or y.max() >= self.num_classes:
            raise ValueError(f"ConditionalGAN: labels must be class ids in [0, {self.num_classes}), got min "
                             f"{y.min()}, max {y.max()}")
        return y.astype(np.float32).reshape(n, 1)

    def _fake_labels(self, n):
        from ... import backend
        rng = self._rng if self._rng is not None else backend.rng()
        return rng.integers(0, self.num_classes, size=(n, 1)).astype(np.float32)

    def _generate_batch(self, z, labels, training):
        from ...tensor import Tensor
        return self.generator([Tensor(z), Tensor(labels)], training=training)

    def _discriminate(self, images, labels, training):
        from ...tensor import Tensor
        return self.discriminator([images, Tensor(labels)], training=training)

    def train_step(self, data):
        from ...data.batches import unpack_x_y_sample_weight
        self._ready()
        x, y, _ = unpack_x_y_sample_weight(data)
        real = self._check_real(x)
        return self._adversarial_step(real, self._labels_of(y, len(real)))

    def generate(self, n, labels=None, seed=None, batch_size=500):
        """``n`` images (N, H, W, C) in [-1, 1] of classes ``labels`` (n ids, one id, or None: drawn
        uniformly), from noise drawn with ``seed``; the generator in inference mode."""
        z = self._sample_noise(n, seed)
        if labels is None:
            rng = np.random.default_rng(None if seed is None else [seed, 1])
            labels = rng.integers(0, self.num_classes, size=n)
        labels = np.broadcast_to(np.asarray(labels), (n,)) if np.ndim(labels) == 0 else np.asarray(labels)
        labels = self._labels_of(labels, n)
        return self.generator.predict([z, labels], batch_size=batch_size, verbose=0)

    sample = generate


def cgan_generator(latent_dim=100, num_classes=10, image_shape=(28, 28, 1), width=64, embed_dim=50,
                   name="generator"):
    """Conditional DCGAN generator: [z (N, latent_dim), label (N, 1)] -> images (N, H, W, C) in
    [-1, 1]; the label's embedding (``embed_dim`` values) is concatenated to z."""
    shape = _check_image_shape("cgan_generator", image_shape)
    width = _check_width("cgan_generator", width)
    z, label = L.Input((int(latent_dim),), name="z"), L.Input((1,), name="label")
    h = L.Concatenate()([z, L.Flatten()(L.Embedding(int(num_classes), int(embed_dim))(label))])
    for layer in generator_trunk(shape, width):
        h = layer(h)
    return Model([z, label], h, name=name)


def cgan_discriminator(num_classes=10, image_shape=(28, 28, 1), width=64, name="discriminator"):
    """Conditional DCGAN discriminator: [image (N, H, W, C), label (N, 1)] -> one logit (N, 1); the
    label's embedding (H x W values) joins the image as one more channel."""
    shape = _check_image_shape("cgan_discriminator", image_shape)
    width = _check_width("cgan_discriminator", width)
    image, label = L.Input(shape, name="image"), L.Input((1,), name="label")
    plane = L.Reshape((shape[0], shape[1], 1))(L.Embedding(int(num_classes), shape[0] * shape[1])(label))
    h = L.Concatenate(axis=-1)([image, plane])
    for layer in discriminator_trunk(width):
        h = layer(h)
    return Model([image, label], h, name=name)


def conditional_gan(image_shape=(28, 28, 1), num_classes=10, latent_dim=100, width=64, label_smoothing=0.1,
                    seed=None, name="conditional_gan"):
    """A ``ConditionalGAN`` of ``cgan_generator`` and ``cgan_discriminator`` (uncompiled: ``compile()``
    gives both Adam(2e-4, beta_1=0.5)); ``seed`` fixes the weights and the noise."""
    if seed is not None:
        from ... import backend
        backend.manual_seed(seed)
    return ConditionalGAN(cgan_generator(latent_dim, num_classes, image_shape, width),
                          cgan_discriminator(num_classes, image_shape, width), latent_dim, num_classes,
                          label_smoothing=label_smoothing, seed=seed, name=name)


register("conditional_gan", conditional_gan, aliases=("cgan",))
