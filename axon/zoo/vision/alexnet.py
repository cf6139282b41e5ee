"""AlexNet (Krizhevsky et al., 2012) scaled down for 28x28 or 32x32 images."""
from ...layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from ...models import Sequential
from .cnn import scaled


def alexnet_small(input_shape=(28, 28, 1), num_classes=10, width=1.0, dropout=0.5, name="alexnet_small"):
    """AlexNet's shape at small scale: a 5x5 convolution, overlapping 3x3/2 max-pooling,
    batch norm in place of local response normalization, three 3x3 convolutions, two
    dropout-regularized fully connected layers, softmax.  Filters 32-64-96-96-64, Dense 256."""
    f = lambda n: scaled(n, width)
    return Sequential([
        Conv2D(f(32), 5, padding="same", activation="relu", input_shape=tuple(input_shape)),
        MaxPooling2D(3, strides=2, padding="same"),
        BatchNormalization(),
        Conv2D(f(64), 5, padding="same", activation="relu"),
        MaxPooling2D(3, strides=2, padding="same"),
        BatchNormalization(),
        Conv2D(f(96), 3, padding="same", activation="relu"),
        Conv2D(f(96), 3, padding="same", activation="relu"),
        Conv2D(f(64), 3, padding="same", activation="relu"),
        MaxPooling2D(3, strides=2, padding="same"),
        Flatten(),
        Dense(f(256), activation="relu"),
        Dropout(dropout),
        Dense(f(256), activation="relu"),
        Dropout(dropout),
        Dense(num_classes, activation="softmax"),
    ], name=name)
