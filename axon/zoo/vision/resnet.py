"""Residual networks (He et al., 2016) for small images: basic blocks with batch norm."""
from ...layers import (Activation, Add, BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D, Input)
from ...models import Model
from .cnn import scaled


def basic_block(x, filters, strides=1):
    """conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (a strided 1x1 projection with BN when the
    shape changes), then ReLU."""
    y = Conv2D(filters, 3, strides=strides, padding="same", use_bias=False, kernel_initializer="he_normal")(x)
    y = Activation("relu")(BatchNormalization()(y))
    y = Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(y)
    y = BatchNormalization()(y)
    if strides != 1 or x.shape[-1] != filters:
        x = Conv2D(filters, 1, strides=strides, use_bias=False, kernel_initializer="he_normal")(x)
        x = BatchNormalization()(x)
    return Activation("relu")(Add()([x, y]))


def resnet_small(input_shape=(28, 28, 1), num_classes=10, width=1.0, stages=(32, 64, 128),
                 blocks_per_stage=1, name="resnet_small"):
    """A 3x3 stem, then ``stages`` of ``blocks_per_stage`` basic blocks (stride 2 at the start of
    every stage but the first), global average pooling and the softmax classifier.  With one
    block per stage this is ResNet-8; two give ResNet-14."""
    inputs = Input(tuple(input_shape))
    x = Conv2D(scaled(stages[0], width), 3, padding="same", use_bias=False, kernel_initializer="he_normal")(inputs)
    x = Activation("relu")(BatchNormalization()(x))
    for s, filters in enumerate(stages):
        for b in range(blocks_per_stage):
            x = basic_block(x, scaled(filters, width), strides=2 if s > 0 and b == 0 else 1)
    x = GlobalAveragePooling2D()(x)
    outputs = Dense(num_classes, activation="softmax")(x)
    return Model(inputs, outputs, name=name)
