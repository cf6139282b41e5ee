"""VGG-style networks (Simonyan and Zisserman, 2014): stacks of 3x3 convolutions, then pooling."""
from ...layers import Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from ...models import Sequential
from .cnn import scaled


def vgg_small(input_shape=(28, 28, 1), num_classes=10, width=1.0, blocks=((32, 32), (64, 64)),
              batch_norm=True, dropout=0.4, dense=256, name="vgg_small"):
    """VGG blocks: per block, 3x3 'same' convolutions (``blocks`` gives their filters), each
    with batch norm and ReLU, then 2x2 max-pooling; then Dense ``dense`` with dropout and the
    softmax classifier.  The default two blocks take 28x28 images to 7x7x64 (the best
    accuracy for the time of the zoo on Fashion-MNIST); ``blocks=((32, 32), (64, 64), (128, 128))``
    goes one block deeper.

    >>> vgg_small().count_params()
    871210
    """
    layers = []
    for b, filters in enumerate(blocks):
        for k, n in enumerate(filters):
            kw = {"input_shape": tuple(input_shape)} if not layers else {}
            if batch_norm:
                layers += [Conv2D(scaled(n, width), 3, padding="same", use_bias=False, **kw),
                           BatchNormalization(), Activation("relu")]
            else:
                layers.append(Conv2D(scaled(n, width), 3, padding="same", activation="relu", **kw))
        layers.append(MaxPooling2D(2))
    layers += [Flatten(), Dense(scaled(dense, width), activation="relu")]
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(num_classes, activation="softmax"))
    return Sequential(layers, name=name)
