"""Keras's ``keras.saving``: save and load whole models, and make custom objects loadable.

>>> import axon
>>> @register_keras_serializable(package="my_project")
... class Scale(axon.layers.Layer):
...     def __init__(self, factor=2.0, **kwargs):
...         super().__init__(**kwargs)
...         self.factor = factor
...     def call(self, x):
...         return x * self.factor
>>> layer = deserialize_keras_object(serialize_keras_object(Scale(3.0)))
>>> layer.factor
3.0
"""
from .models.saving import load_model, save_model
from .serialization import (register_keras_serializable, custom_object_scope, serialize as serialize_keras_object,
                            deserialize as deserialize_keras_object, custom_objects as get_custom_objects,
                            name_of as get_registered_name)

CustomObjectScope = custom_object_scope

__all__ = ["load_model", "save_model", "register_keras_serializable", "custom_object_scope", "CustomObjectScope",
           "serialize_keras_object", "deserialize_keras_object", "get_custom_objects", "get_registered_name"]
