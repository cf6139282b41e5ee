"""Finding zoo models by name: ``axon.zoo.get("resnet", input_shape=(32, 32, 3))`` and ``names()``.

>>> "resnet_small" in names()
True
>>> get("lenet", num_classes=5).output_shape
(1, 5)
"""
_MODELS = {}
_ALIASES = {}


def register(name, builder, aliases=()):
    """Make ``builder(input_shape=..., num_classes=..., **kwargs)`` available as ``name``."""
    _MODELS[name] = builder
    for alias in aliases:
        _ALIASES[alias] = name
    return builder


def names():
    """The registered model names (aliases such as 'cnn' or 'resnet' are accepted by ``get`` too)."""
    return sorted(_MODELS)


def resolve(name):
    """The registered name for ``name`` or one of its aliases ('mnist-cnn' -> 'mnist_cnn').

    >>> resolve("resnet")
    'resnet_small'
    """
    key = name.lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in _MODELS:
        raise ValueError(f"axon.zoo: unknown model {name!r}; known: {', '.join(names())} "
                         f"(aliases: {', '.join(sorted(_ALIASES))})")
    return key


def get(name, **kwargs):
    """A new, uncompiled model ``name`` built with ``kwargs`` (input_shape, num_classes, width, ...)."""
    model = _MODELS[resolve(name)](**kwargs)
    if getattr(model, "_ensure_built", None) is not None and not model.built:
        model._maybe_build()
    return model


def _register_vision():
    from .alexnet import alexnet_small
    from .cnn import mnist_cnn, small_cnn
    from .densenet import densenet_small
    from .lenet import lenet5
    from .mlp import mlp
    from .resnet import resnet_small
    from .vgg import vgg_small
    register("mlp", mlp)
    register("mnist_cnn", mnist_cnn)
    register("small_cnn", small_cnn, aliases=("cnn",))
    register("lenet5", lenet5, aliases=("lenet",))
    register("alexnet_small", alexnet_small, aliases=("alexnet",))
    register("vgg_small", vgg_small, aliases=("vgg",))
    register("resnet_small", resnet_small, aliases=("resnet",))
    register("densenet_small", densenet_small, aliases=("densenet",))


_register_vision()
