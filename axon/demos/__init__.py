"""Layer 7: the lecture's demonstrations, one module each, found by name (``axon demo NAME``,
``axon demo --list``).

A demo module has ``TITLE`` (one line) and ``run(out_dir, quick=False)``, which
writes its PNGs and a short Markdown explanation into ``out_dir`` and returns
its results; ``quick=True`` runs in a couple of seconds (for tests).

>>> names()
['convolution']
"""
import os

from ..registry import Registry
from . import convolution

DEMOS = Registry("demo")
DEMOS.register("convolution", convolution, aliases=("conv",))


def names():
    """The demos' names."""
    return DEMOS.names()


def get(name):
    """The module of demo ``name`` (a "did you mean" error for an unknown one)."""
    return DEMOS.get(name)


def run(name, out_dir, quick=False):
    """Run demo ``name`` into the folder ``out_dir`` (made when missing); returns its results."""
    demo = get(name)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise NotADirectoryError(f"the demo's output folder {os.fspath(out_dir)!r} is a file; give a folder")
    return demo.run(out_dir, quick=quick)
