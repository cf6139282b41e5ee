"""Layer 7: the lecture's demonstrations, one module each, found by name (``axon demo NAME``,
``axon demo --list``, ``axon demo --all --out DIR``).

A demo module has ``TITLE`` (one line) and ``run(out_dir, quick=False)``, which writes its PNGs and
a short Markdown page (``axon.demos.page``) into ``out_dir`` and returns its results, a
``DemoResults``; ``quick=True`` runs in a few seconds on small data (as the tests run it).  Modules
are imported when first asked for, so ``import axon.demos`` stays cheap.

>>> names()[:3]
['activations', 'augmentation', 'backprop']
>>> get("conv").TITLE.split(":")[0]
'convolution by hand and by axon.ops.conv2d'
"""
import importlib
import os

from ..registry import Registry

#: demo name -> (module in this package, aliases), in the order the lectures reach them
MODULES = {
    "perceptron": ("perceptron", ()),
    "logistic-unit": ("logistic_unit", ("logistic",)),
    "housing-relu": ("housing_relu", ("housing",)),
    "numpy-loop": ("numpy_loop", ()),
    "backprop": ("backprop", ("backpropagation",)),
    "universal-approximation": ("universal_approximation", ()),
    "activations": ("activations", ()),
    "softmax": ("softmax", ()),
    "gradient-descent": ("gradient_descent", ("gd",)),
    "batch-size": ("batch_size", ()),
    "epochs-iterations": ("epochs_iterations", ("epochs",)),
    "optimizers": ("optimizers", ()),
    "normalization": ("normalization", ()),
    "vanishing-gradient": ("vanishing_gradient", ()),
    "overfitting": ("overfitting", ()),
    "underfitting": ("underfitting", ()),
    "bias-variance": ("bias_variance", ()),
    "convolution": ("convolution", ("conv",)),
    "augmentation": ("augmentation", ()),
    "rnn-configurations": ("rnn_configurations", ("rnn",)),
    "intent": ("intent", ()),
    "name-tagging": ("name_tagging", ("ner",)),
    "lstm-gates": ("lstm_gates", ("gates",)),
}

DEMOS = Registry("demo")
for _name, (_module, _aliases) in MODULES.items():
    DEMOS.register(_name, _module, aliases=_aliases)


def names():
    """The demos' names, sorted."""
    return DEMOS.names()


def lecture_order():
    """The demos' names in the order the lectures reach them (the index page's order)."""
    return list(MODULES)


def get(name):
    """The module of demo ``name`` (a "did you mean" error listing the known ones for an unknown one)."""
    return importlib.import_module(f".{DEMOS.get(name)}", __name__)


def run(name, out_dir, quick=False):
    """Run demo ``name`` into the folder ``out_dir`` (made when missing); returns its results."""
    demo = get(name)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise NotADirectoryError(f"the demo's output folder {os.fspath(out_dir)!r} is a file; give a folder")
    os.makedirs(out_dir, exist_ok=True)
    return demo.run(out_dir, quick=quick)
