"""Layer 3: differentiable functions (``axon.ops``, imported as ``F``), under PyTorch-style
names and Keras 3's ``keras.ops`` names alike (``sub`` and ``subtract``, ``concat`` and
``concatenate``), with Keras's arguments; they take tensors, NumPy arrays and Python numbers.

>>> import axon, axon.ops as F
>>> x = axon.Tensor([[-1.0, 2.0]], requires_grad=True)
>>> F.relu(x).sum().backward()
>>> x.grad.tolist()
[[0.0, 1.0]]
"""
import sys

from .elementwise import (add, sub, mul, div, neg, pow, exp, log, sqrt, abs, square, clip,
                          maximum, minimum, where, cast)
from .reductions import sum, mean, max, min, var, std, logsumexp
from .shaping import (reshape, transpose, swapaxes, broadcast_to, concat, stack, split, getitem,
                      pad, flatten, expand_dims, squeeze)
from .elementwise import (sub as subtract, mul as multiply, div as divide, div as true_divide,
                          pow as power, neg as negative, abs as absolute)
from .shaping import concat as concatenate
from .conversion import convert_to_tensor, convert_to_numpy, stop_gradient, shape, size, dtype
from .creation import zeros, ones, full, zeros_like, ones_like, full_like, arange, eye, one_hot
from .comparison import (equal, not_equal, greater, greater_equal, less, less_equal, logical_and,
                         logical_or, logical_xor, logical_not, isnan, isinf, isfinite, any, all)
from .selection import argmax, argmin, argsort, take, take_along_axis, sort, top_k
from .special import log1p, expm1, erf, rsqrt
from .rounding import sign, floor, ceil, round
from .norms import norm
from .linalg import matmul, linear
from .activations import (sigmoid, tanh, relu, leaky_relu, elu, selu, silu, swish, gelu,
                          softplus, softmax, log_softmax, step, heaviside)
from .losses import (mean_squared_error, mean_absolute_error, huber, binary_crossentropy,
                     categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence)
from .normalization import batch_norm, layer_norm
from .dropout import dropout
from .simple_rnn import simple_rnn
from .lstm import lstm
from .gru import gru
from .attention import dot_product_attention, additive_attention, additive_scores
from .conv import conv2d
from .conv_transpose import conv2d_transpose
from .pooling import (max_pool2d, avg_pool2d, global_avg_pool2d, global_max_pool2d, upsample2d)
from .. import tensor as _tensor

_tensor._F = sys.modules[__name__]
from . import image  # noqa: E402  keras.ops.image: resize, affine_transform, grid_sample
from .elementwise import sin, cos  # noqa: E402  keras.ops.sin / cos (random Fourier features)
