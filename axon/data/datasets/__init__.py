"""Ready-made data sets, Keras style: ``axon.datasets.fashion_mnist.load_data()``.

This package is also importable as ``axon.datasets`` (``from axon.datasets
import fashion_mnist``): the aliases below make both names the same modules.
"""
import sys

from . import digits, fashion_mnist, mnist

for _module in (digits, fashion_mnist, mnist):
    sys.modules["axon.datasets." + _module.__name__.rsplit(".", 1)[1]] = _module
sys.modules["axon.datasets"] = sys.modules[__name__]
