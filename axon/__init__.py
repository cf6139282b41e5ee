"""Axon: a deep learning system on NumPy, written to be read.

Keras way::

    model = axon.Sequential([axon.layers.Dense(128, activation="relu"), axon.layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=5)

PyTorch way::

    loss = F.sparse_categorical_crossentropy(y, model(x), from_logits=True)
    loss.backward(); opt.step(); opt.zero_grad()
"""
__version__ = "0.1.0"

import os

# OpenBLAS keeps its idle threads spinning for 2**28 cycles (about 0.1 s) after each matrix
# product, holding the cores that Axon's element-wise passes (ops/parallel.py) need between
# products: a CNN step ran 15-20% slower.  2**18 cycles (about 0.1 ms) still bridges the short
# gaps between back-to-back products.  OpenBLAS reads this once, when NumPy loads it, so it takes
# effect when axon is imported before numpy; a value already set by the user wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "18")

from .backend import manual_seed, floatx, set_floatx, set_backend
from .tensor import Tensor, as_tensor
from .autograd import Function, no_grad, enable_grad, is_grad_enabled, grad
from . import random
from . import ops
from . import ops as F
from .gradcheck import gradcheck
from . import hooks, debug
from .profiler import profile
from . import activations, config
from .variables import Variable
from . import layers, models, losses, metrics, optimizers, callbacks, initializers, regularizers, saving
from .models import Model, Sequential, Input, load_model
from . import data
from .data import datasets
from . import utils
from . import zoo  # registers the zoo's model classes, so load_model finds them
from .tracing import trace  # the derivation trace (a function hook), in axon.tracing
