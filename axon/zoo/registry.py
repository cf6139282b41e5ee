"""Finding zoo models by name: ``axon.zoo.get("resnet", input_shape=(32, 32, 3))`` and ``names()``.

``MODELS`` is one ``axon.registry.Registry`` holding every builder function and
``Model`` subclass of the zoo; each sub-package (``vision``, ``sequence``)
registers its own, and ``register`` adds yours.

>>> "resnet_small" in names() and "seq2seq" in names()
True
>>> names("sequence")
['char_rnn', 'seq2seq', 'sequence_tagger', 'text_classifier']
>>> get("lenet", num_classes=5).output_shape
(None, 5)
>>> get("lenet", vocab_size=5)
Traceback (most recent call last):
...
ValueError: zoo model 'lenet5' does not take vocab_size; its arguments: input_shape, num_classes, width, activation, name
"""
import inspect

from ..registry import Registry

MODELS = Registry("model")


def register(name, builder, aliases=()):
    """Make ``builder(**kwargs)`` (a function returning a model, or a ``Model`` class) available as
    ``name`` (and its ``aliases``) to ``get``; returns ``builder``."""
    return MODELS.register(name, builder, aliases=aliases)


def resolve(name):
    """The registered name for ``name`` or one of its aliases ('mnist-cnn' -> 'mnist_cnn').

    >>> resolve("resnet")
    'resnet_small'
    """
    return MODELS.resolve(name)


def family(name):
    """The zoo sub-package a model comes from ('vision', 'sequence'), or None for one registered
    from outside the zoo.

    >>> family("cnn"), family("char_rnn")
    ('vision', 'sequence')
    """
    parts = MODELS.get(name).__module__.split(".")
    return parts[2] if parts[:2] == ["axon", "zoo"] and len(parts) > 3 else None


def names(of_family=None):
    """The registered model names (aliases such as 'cnn' or 'resnet' are accepted by ``get`` too),
    all of them or those of one family ('vision', 'sequence')."""
    if of_family is None:
        return MODELS.names()
    found = [n for n in MODELS.names() if family(n) == of_family]
    if not found:
        known = sorted({family(n) for n in MODELS.names()} - {None})
        raise ValueError(f"axon.zoo.names: no model family {of_family!r}; the families are {', '.join(known)}")
    return found


def get(name, **kwargs):
    """A new, uncompiled model ``name`` built with ``kwargs`` (input_shape, num_classes, width, ...).

    A model that declares its input shape (the vision models) comes back built,
    so its ``output_shape`` and ``summary()`` are known; the others build on
    their first call.  Arguments the model does not take are refused by name.
    """
    check_arguments(name, kwargs)
    model = MODELS.get(name)(**kwargs)
    declared = getattr(model, "_batch_input_shape", None)
    if not model.built and declared is not None:
        model.build_from_shape(declared[1:])
    return model


def check_arguments(name, given):
    """Refuse, by name, arguments (names in ``given``) that model ``name`` does not take, and
    the ones it needs that are not in ``given``.

    >>> check_arguments("seq2seq", ["input_shape", "num_classes"])
    Traceback (most recent call last):
    ...
    ValueError: zoo model 'seq2seq' needs src_vocab_size, tgt_vocab_size; its arguments: src_vocab_size, tgt_vocab_size, embed_dim, units, cell, attention, dropout, name
    """
    name = MODELS.resolve(name)
    params = inspect.signature(MODELS.get(name)).parameters
    named = [p for p in params if params[p].kind not in (params[p].VAR_KEYWORD, params[p].VAR_POSITIONAL)]
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        unknown = [k for k in given if k not in params]
        if unknown:
            raise ValueError(f"zoo model {name!r} does not take {', '.join(unknown)}; "
                             f"its arguments: {', '.join(named)}")
    missing = [p for p in named if params[p].default is params[p].empty and p not in given]
    if missing:
        raise ValueError(f"zoo model {name!r} needs {', '.join(missing)}; its arguments: {', '.join(named)}")
