"""``clone_model``: a new model of the same architecture with freshly initialised weights (Keras's
``keras.models.clone_model``).

>>> import axon, numpy as np
>>> model = axon.Sequential([axon.Input(shape=(3,)), axon.layers.Dense(2)])
>>> twin = clone_model(model)
>>> twin is model, twin.get_config() == model.get_config()
(False, True)
>>> twin.set_weights(model.get_weights())
>>> bool(np.allclose(twin.predict(np.ones((1, 3)), verbose=0), model.predict(np.ones((1, 3)), verbose=0)))
True
"""
from ..serialization import serialize, deserialize


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False):
    """A new model built from ``model``'s config: the same layers and graph, new weights (copy them
    with ``clone.set_weights(model.get_weights())``); a subclassed model is rebuilt with its own
    class.  ``input_tensors``, ``clone_function``, ``call_function`` and ``recursive`` (ways to
    rewire or replace layers while cloning) are not supported."""
    given = [name for name, value in (("input_tensors", input_tensors), ("clone_function", clone_function),
                                      ("call_function", call_function), ("recursive", recursive)) if value]
    if given:
        raise ValueError(f"clone_model: {', '.join(given)} is not supported in Axon; clone the whole model "
                         "and change it afterwards, or build the new model with the functional API")
    return deserialize(serialize(model), custom_objects={type(model).__name__: type(model)})
