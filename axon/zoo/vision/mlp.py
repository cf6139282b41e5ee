"""The multilayer perceptron: Flatten, then Dense layers, then a softmax classifier."""
from ...layers import Dense, Dropout, Flatten
from ...models import Sequential


def mlp(input_shape=(28, 28, 1), num_classes=10, hidden=(256, 128), activation="relu", dropout=0.0,
        width=1.0, name="mlp"):
    """An MLP for images or vectors of ``input_shape``; ``hidden`` units scaled by ``width``.

    >>> mlp((28, 28, 1), 10, hidden=(32,)).count_params()
    25450
    """
    layers = [Flatten(input_shape=tuple(input_shape))]
    for units in hidden:
        layers.append(Dense(max(1, int(units * width)), activation=activation))
        if dropout:
            layers.append(Dropout(dropout))
    layers.append(Dense(num_classes, activation="softmax"))
    return Sequential(layers, name=name)
