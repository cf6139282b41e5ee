"""Transfer learning: keep a trained network's features, give it a new classifier head.

>>> import axon
>>> base = axon.zoo.lenet5(num_classes=5)
>>> model = replace_head(base, 3, freeze_base=True)
>>> model.output_shape, len(model.trainable_weights)
((None, 3), 2)
"""
from ...layers import Dense, Flatten
from ...models import Sequential, Model
from ...models.functional_model import Functional


def _cut_index(layers, model, cut_before):
    if cut_before is not None:
        for i, layer in enumerate(layers):
            if layer.name == cut_before:
                return i
        raise ValueError(f"{model.describe()}: has no layer named {cut_before!r}; its layers are "
                         f"{[l.name for l in layers]}")
    for i in range(len(layers) - 1, -1, -1):
        if isinstance(layers[i], Dense):
            return i
    raise ValueError(f"{model.describe()}: has no Dense layer to replace as its head")


def _new_head(features, num_classes, activation):
    """Layers of the new head for ``features`` of (batch-included) ``shape``."""
    head = [Dense(num_classes, activation=activation)]
    return ([Flatten()] if len(features) > 2 else []) + head


def replace_head(model, num_classes, freeze_base=False, activation="softmax", cut_before=None, name=None):
    """A new model made of ``model`` up to (not including) its last ``Dense`` layer, or up to the
    layer named ``cut_before``, followed by a fresh ``Dense(num_classes, activation)`` (with a
    ``Flatten`` first when the kept part ends in feature maps).

    The base layers are shared with ``model`` (their trained weights are used,
    not copied).  ``freeze_base=True`` sets them ``trainable = False``: their
    weights get no gradient, and batch-norm layers use their moving statistics
    and stop updating them.  Set ``layer.trainable = True`` again (and
    recompile) to fine-tune the whole network.
    """
    if isinstance(model, Sequential):
        model._maybe_build()
        layers = model.layers
        base = layers[:_cut_index(layers, model, cut_before)]
        shape = base[-1].output_shape if base else model._batch_input_shape
        head = _new_head(shape, num_classes, activation)
        new = Sequential(base + head, name=name or f"{model.name}_transfer")
        if new._batch_input_shape is None:
            new._batch_input_shape = model._batch_input_shape
        new._maybe_build()
    elif isinstance(model, Functional):
        if len(model._inputs) != 1 or model._multi_out:
            raise ValueError(f"{model.describe()}: replace_head needs a model with one input and one output")
        node = model._outputs[0]
        stop = (lambda n: n.layer.name == cut_before) if cut_before is not None \
            else (lambda n: isinstance(n.layer, Dense))
        while node.layer is not None and not stop(node) and not isinstance(node.args[0], (list, tuple)):
            node = node.args[0]
        if node.layer is None or not stop(node):
            what = f"a layer named {cut_before!r}" if cut_before else "a Dense layer"
            raise ValueError(f"{model.describe()}: has no {what} on the single path from its output back "
                             "to the last merge, where it could be cut")
        x = node.args[0]
        head = _new_head(x.shape, num_classes, activation)
        for layer in head:
            x = layer(x)
        new = Model(model._inputs[0], x, name=name or f"{model.name}_transfer")
        base = [layer for layer in new.layers if all(layer is not h for h in head)]
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
