"""LeNet-5 (LeCun et al., 1998): two convolution and subsampling stages, then 120-84-classes."""
from ...layers import AveragePooling2D, Conv2D, Dense, Flatten
from ...models import Sequential
from .cnn import scaled


def lenet5(input_shape=(28, 28, 1), num_classes=10, width=1.0, activation="relu", name="lenet5"):
    """Conv 6 (5x5), average-pool, Conv 16 (5x5), average-pool, Dense 120, Dense 84, softmax.

    LeNet-5 read 32x32 images; smaller inputs get 'same' padding in the first
    convolution so the second still sees 10x10.  ``activation='tanh'`` is
    closer to the original.

    >>> lenet5().count_params()
    61706
    """
    first_padding = "same" if min(input_shape[:2]) < 32 else "valid"
    return Sequential([
        Conv2D(scaled(6, width), 5, padding=first_padding, activation=activation,
               input_shape=tuple(input_shape)),
        AveragePooling2D(2),
        Conv2D(scaled(16, width), 5, activation=activation),
        AveragePooling2D(2),
        Flatten(),
        Dense(scaled(120, width), activation=activation),
        Dense(scaled(84, width), activation=activation),
        Dense(num_classes, activation="softmax"),
    ], name=name)
