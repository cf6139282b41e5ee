"""Densely connected networks (Huang et al., 2017) for small images."""
from ...layers import (Activation, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Dense,
                      GlobalAveragePooling2D, Input, MaxPooling2D)
from ...models import Model
from .cnn import scaled


def dense_block(x, layers, growth_rate):
    """``layers`` times: BN-ReLU-conv3x3 making ``growth_rate`` new channels, concatenated to
    everything before them."""
    for _ in range(layers):
        y = Activation("relu")(BatchNormalization()(x))
        y = Conv2D(growth_rate, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(y)
        x = Concatenate()([x, y])
    return x


def transition(x, compression=0.5):
    """BN-ReLU-conv1x1 shrinking the channels by ``compression``, then 2x2 average pooling."""
    channels = max(1, int(x.shape[-1] * compression))
    x = Activation("relu")(BatchNormalization()(x))
    x = Conv2D(channels, 1, use_bias=False, kernel_initializer="he_normal")(x)
    return AveragePooling2D(2)(x)


def densenet_small(input_shape=(28, 28, 1), num_classes=10, width=1.0, growth_rate=12,
                   block_layers=(4, 4, 4), compression=0.5, stem_pool=True, name="densenet_small"):
    """A 3x3 stem of twice the growth rate (followed by 2x2 max-pooling when ``stem_pool``, as
    DenseNet's ImageNet stem does; it makes the first block four times cheaper), dense blocks
    joined by transitions, then BN-ReLU, global average pooling and the softmax classifier
    (DenseNet-BC without bottlenecks)."""
    growth = scaled(growth_rate, width)
    inputs = Input(tuple(input_shape))
    x = Conv2D(2 * growth, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(inputs)
    if stem_pool:
        x = MaxPooling2D(2)(x)
    for i, n in enumerate(block_layers):
        x = dense_block(x, n, growth)
        if i < len(block_layers) - 1:
            x = transition(x, compression)
    x = Activation("relu")(BatchNormalization()(x))
    x = GlobalAveragePooling2D()(x)
    outputs = Dense(num_classes, activation="softmax")(x)
    return Model(inputs, outputs, name=name)
