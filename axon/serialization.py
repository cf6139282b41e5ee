"""Turning objects (layers, initializers, regularizers, optimizers, losses) into JSON configs and back.

Every class that derives from ``Serializable`` registers itself by name and
remembers the arguments it was constructed with, so ``get_config`` needs no
per-class code: the config is the constructor's own arguments.
"""
import contextlib
import inspect
import sys

import numpy as np

from .registry import Registry

# classes by "module.ClassName" (a loss and a metric may share a class name), and by the class
# name alone for files that name no module; custom functions by name
_CLASSES = Registry("class")
_CLASS_NAMES = Registry("class")
_FUNCTIONS = Registry("function")


def register(cls, name=None):
    """Make ``cls`` loadable by ``deserialize`` under ``name`` (its class name by default).

    Classes deriving from a Serializable base (layers, losses, metrics, ...) are
    registered when they are defined; call this for other classes.
    """
    name = name or cls.__name__
    _CLASSES.register(f"{cls.__module__}.{name}", cls)
    _CLASS_NAMES.register(name, cls)
    return cls


def register_function(fn, name=None):
    """Make a custom function (activation, loss, metric) savable by name."""
    _FUNCTIONS.register(name or fn.__name__, fn)
    return fn


def register_keras_serializable(package="Custom", name=None):
    """Decorator (Keras's ``saving.register_keras_serializable``): make a custom class or function
    loadable by ``load_model`` under ``"package>name"`` (``name`` defaults to its own).

    >>> @register_keras_serializable(package="demo")
    ... def doubled_error(y_true, y_pred):
    ...     return (y_pred - y_true) * 2.0
    >>> serialize(doubled_error)
    {'function': 'demo>doubled_error'}
    """
    def decorate(obj):
        key = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj):
            register(obj, name or obj.__name__)
            _CLASS_NAMES.register(key, obj)
        else:
            register_function(obj, key)
        return obj
    return decorate


def custom_objects():
    """The names registered with ``register_keras_serializable`` and ``register_function``, and the
    objects they stand for (a copy)."""
    out = {k: v for k, v in _CLASS_NAMES.items() if ">" in k}
    out.update(_FUNCTIONS.items())
    return out


def name_of(obj):
    """The name ``obj`` (a class or function) is saved under."""
    if inspect.isclass(obj):
        return next((k for k, v in _CLASS_NAMES.items() if v is obj and ">" in k), obj.__name__)
    return _FUNCTIONS.name_of(obj) or getattr(obj, "__name__", None)


_SCOPES = []  # custom_objects dicts in force while loading, innermost last


@contextlib.contextmanager
def custom_object_scope(*custom_objects):
    """Within the block, ``deserialize`` (and ``load_model``) resolve the names in these dicts
    (``{"MyLayer": MyLayer, "my_loss": my_loss}``) before the registered ones."""
    merged = {}
    for d in custom_objects:
        merged.update(d or {})
    _SCOPES.append(merged)
    try:
        yield
    finally:
        _SCOPES.pop()


def _custom(name):
    for scope in reversed(_SCOPES):
        if name in scope:
            return scope[name]
    return None


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
        cls = type(value)
        return {"class_name": cls.__name__, "module": cls.__module__, "config": value.get_config()}
    if callable(value):
        name = _FUNCTIONS.name_of(value)
        if name is not None:
            return {"function": name}
        fn_name = getattr(value, "__name__", "")
        if not fn_name.isidentifier():  # a lambda or a callable object
            raise TypeError(f"cannot save the function {value!r}: a lambda has no name to load it by; "
                            "define it with def (and pass it in custom_objects= when loading) or register "
                            "it with axon.saving.register_keras_serializable")
        # as Keras: a plain function is saved by name and found again when loading (custom_objects,
        # or the module that defined it, if that module is already imported)
        return {"function": fn_name, "module": getattr(value, "__module__", None)}
    raise TypeError(f"cannot save a value of type {type(value).__name__}: {value!r}")


def _class(value):
    custom = _custom(value["class_name"])
    if custom is not None:
        return custom
    qualified = f"{value.get('module')}.{value['class_name']}"
    if value.get("module") and qualified in _CLASSES:
        return _CLASSES.get(qualified)
    try:
        return _CLASS_NAMES.get(value["class_name"])  # an older file, or a class that moved
    except ValueError as e:
        raise ValueError(f"saved config: {e}; import the module that defines it before loading, or pass "
                         "it in custom_objects={...}") from None


def deserialize(value, custom_objects=None):
    """Inverse of ``serialize``; ``custom_objects`` maps names to classes or functions the file
    names but the registry does not know."""
    if custom_objects:
        with custom_object_scope(custom_objects):
            return deserialize(value)
    if isinstance(value, list):
        return [deserialize(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" in value:
        return _class(value).from_config(value["config"])
    if "function" in value:
        name = value["function"]
        custom = _custom(name) or _custom(name.split(">")[-1])
        if custom is not None:
            return custom
        if name in _FUNCTIONS or "module" not in value:
            try:
                return _FUNCTIONS.get(name)
            except ValueError as e:
                raise ValueError(f"saved config: {e}; define or import the function before loading, or pass "
                                 "it in custom_objects={...}") from None
        found = getattr(sys.modules.get(value["module"] or ""), name, None)  # imported modules only
        if not callable(found):
            raise ValueError(f"saved config: the function {name!r} (from module {value['module']!r}) is not "
                             f"defined here; pass it when loading: custom_objects={{{name!r}: {name}}}")
        return found
    if "ndarray" in value:
        return np.asarray(value["ndarray"], dtype=value["dtype"])
    if "dtype" in value:
        return np.dtype(value["dtype"])
    if "dict" in value:
        return {k: deserialize(v) for k, v in value["dict"].items()}
    return value
