"""Small convolutional networks for 28x28x1 or 32x32x3 images: the lecture's MNIST CNN and
``small_cnn``, the fast default of Lab 1."""
from ...layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D, Activation
from ...models import Sequential


def scaled(n, width):
    """``n`` units or filters times the width multiplier, at least 1."""
    return max(1, int(round(n * width)))


def mnist_cnn(input_shape=(28, 28, 1), num_classes=10, width=1.0, name="mnist_cnn"):
    """The lecture's MNIST CNN: Conv 25 (3x3), max-pool, Conv 50 (3x3), max-pool, Dense 100, softmax.

    >>> mnist_cnn().count_params()
    137660
    """
    return Sequential([
        Conv2D(scaled(25, width), 3, activation="relu", input_shape=tuple(input_shape)),
        MaxPooling2D(2),
        Conv2D(scaled(50, width), 3, activation="relu"),
        MaxPooling2D(2),
        Flatten(),
        Dense(scaled(100, width), activation="relu"),
        Dense(num_classes, activation="softmax"),
    ], name=name)


def small_cnn(input_shape=(28, 28, 1), num_classes=10, width=1.0, dropout=0.3, batch_norm=True,
              name="small_cnn"):
    """Two 3x3 'same' convolutions (32 and 64 filters) with batch norm, each followed by 2x2
    max-pooling, then Dense 128 with dropout and the softmax classifier: about 0.91-0.92 on
    Fashion-MNIST after a few epochs."""
    def conv(filters, **kw):
        if not batch_norm:
            return [Conv2D(filters, 3, padding="same", activation="relu", **kw)]
        return [Conv2D(filters, 3, padding="same", use_bias=False, **kw), BatchNormalization(),
                Activation("relu")]

    layers = conv(scaled(32, width), input_shape=tuple(input_shape)) + [MaxPooling2D(2)]
    layers += conv(scaled(64, width)) + [MaxPooling2D(2), Flatten(), Dense(scaled(128, width), activation="relu")]
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(num_classes, activation="softmax"))
    return Sequential(layers, name=name)
