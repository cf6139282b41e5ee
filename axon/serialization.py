"""Turning objects (layers, initializers, regularizers, optimizers, losses) into JSON configs and back.

Every class that derives from ``Serializable`` registers itself by name and
remembers the arguments it was constructed with, so ``get_config`` needs no
per-class code: the config is the constructor's own arguments.
"""
import inspect

import numpy as np

_REGISTRY = {}


def register(cls, name=None):
    """Make ``cls`` loadable by ``deserialize`` under ``name`` (its class name by default)."""
    _REGISTRY[name or cls.__name__] = cls
    return cls


class Serializable:
    """Base of objects whose constructor arguments are their configuration."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register(cls)

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj._init_args = (args, kwargs)
        return obj

    def get_config(self):
        """The constructor arguments, as plain JSON-ready values."""
        args, kwargs = getattr(self, "_init_args", ((), {}))
        sig = inspect.signature(type(self).__init__)
        bound = sig.bind(None, *args, **kwargs).arguments
        bound.pop(next(iter(sig.parameters)))  # self
        config = {}
        for k, v in bound.items():
            if sig.parameters[k].kind is inspect.Parameter.VAR_KEYWORD:
                config.update({kk: serialize(vv) for kk, vv in v.items()})
            elif sig.parameters[k].kind is inspect.Parameter.VAR_POSITIONAL:
                config["*" + k] = [serialize(vv) for vv in v]
            else:
                config[k] = serialize(v)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        star = [k for k in config if k.startswith("*")]
        args = [deserialize(v) for k in star for v in config.pop(k)]
        return cls(*args, **{k: deserialize(v) for k, v in config.items()})


def serialize(value):
    """A JSON-ready form of ``value``; objects become ``{"class_name", "config"}``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"dtype": np.dtype(value).name}
    if isinstance(value, (list, tuple)):
        return [serialize(v) for v in value]
    if isinstance(value, dict):
        return {"dict": {k: serialize(v) for k, v in value.items()}}
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": value.dtype.name}
    if hasattr(value, "get_config"):
        return {"class_name": type(value).__name__, "config": value.get_config()}
    if callable(value):
        from .ops.activations import ACTIVATIONS
        for name, fn in ACTIVATIONS.items():
            if fn is value:
                return name
        if getattr(value, "__name__", "") in _REGISTRY:
            return {"function": value.__name__}
        raise TypeError(f"cannot save the function {value!r}: register it with "
                        "axon.serialization.register_function or pass a string name")
    raise TypeError(f"cannot save a value of type {type(value).__name__}: {value!r}")


def register_function(fn, name=None):
    """Make a custom function (activation, loss, metric) savable by name."""
    _REGISTRY[name or fn.__name__] = fn
    return fn


def deserialize(value):
    """Inverse of ``serialize``."""
    if isinstance(value, list):
        return [deserialize(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" in value:
        name = value["class_name"]
        if name not in _REGISTRY:
            raise ValueError(f"unknown class {name!r} in saved config; import the module that "
                             "defines it before loading")
        return _REGISTRY[name].from_config(value["config"])
    if "function" in value:
        return _REGISTRY[value["function"]]
    if "ndarray" in value:
        return np.asarray(value["ndarray"], dtype=value["dtype"])
    if "dtype" in value:
        return np.dtype(value["dtype"])
    if "dict" in value:
        return {k: deserialize(v) for k, v in value["dict"].items()}
    return value
