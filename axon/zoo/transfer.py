"""Transfer learning: keep a trained network's features, give it a new classifier head.

>>> import axon
>>> base = axon.zoo.lenet5(num_classes=5)
>>> model = replace_head(base, 3, freeze_base=True)
>>> model.output_shape, len(model.trainable_weights)
((1, 3), 2)
"""
from ..layers import Dense
from ..models import Sequential, Model
from ..models.functional_model import Functional


def _head_index(layers, model):
    for i in range(len(layers) - 1, -1, -1):
        if isinstance(layers[i], Dense):
            return i
    raise ValueError(f"{model.describe()}: has no Dense layer to replace as its head")


def replace_head(model, num_classes, freeze_base=False, activation="softmax", name=None):
    """A new model made of ``model`` up to (not including) its last ``Dense`` layer, followed by
    a fresh ``Dense(num_classes, activation)``.

    The base layers are shared with ``model`` (their trained weights are used,
    not copied).  ``freeze_base=True`` sets them ``trainable = False``: their
    weights get no gradient, and batch-norm layers use their moving statistics
    and stop updating them.  Set ``layer.trainable = True`` again (and
    recompile) to fine-tune the whole network.
    """
    head = Dense(num_classes, activation=activation, name=None)
    if isinstance(model, Sequential):
        layers = model.layers
        base = layers[:_head_index(layers, model)]
        new = Sequential(base + [head], name=name or f"{model.name}_transfer")
        if new._batch_input_shape is None:
            new._batch_input_shape = model._batch_input_shape
        new._maybe_build()
    elif isinstance(model, Functional):
        if len(model._inputs) != 1 or model._multi_out:
            raise ValueError(f"{model.describe()}: replace_head needs a model with one input and one output")
        node = model._outputs[0]
        while node.layer is not None and not isinstance(node.layer, Dense):
            node = node.args[0]
        if node.layer is None:
            raise ValueError(f"{model.describe()}: has no Dense layer to replace as its head")
        new = Model(model._inputs[0], head(node.args[0]), name=name or f"{model.name}_transfer")
        base = [layer for layer in new.layers if layer is not head]
    else:
        raise TypeError(f"replace_head: expected a Sequential or functional model, got {type(model).__name__}")
    if freeze_base:
        for layer in base:
            layer.trainable = False
    return new


def set_trainable(model, trainable, upto=None):
    """Freeze (False) or unfreeze (True) the layers of ``model``, all of them or the first ``upto``.
    Recompile afterwards so the optimizer sees the change."""
    layers = model.layers if upto is None else model.layers[:upto]
    for layer in layers:
        layer.trainable = trainable
    return model
