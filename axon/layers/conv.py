"""Convolution layers: Conv2D, Conv2DTranspose, DepthwiseConv2D, Conv1D (Keras names and arguments).

Images are channels-last ``(N, H, W, C)`` unless ``data_format="channels_first"``
(then ``(N, C, H, W)``, transposed at the layer boundary).  Kernels have the
Keras layout ``(kh, kw, in // groups, filters)``.

>>> import numpy as np
>>> Conv2D(8, 3, padding="same", activation="relu")(np.zeros((2, 28, 28, 1), "float32")).shape
(2, 28, 28, 8)
>>> Conv2DTranspose(4, 3, strides=2, padding="same")(np.zeros((1, 7, 7, 8), "float32")).shape
(1, 14, 14, 4)
"""
from .. import ops as F
from ..ops import activations as A
from ..ops.conv import conv2d, pair, resolve_padding, conv_output_size
from ..ops.conv_transpose import conv2d_transpose
from .base import Layer, InputSpec


def normalize_data_format(value, who):
    fmt = "channels_last" if value is None else str(value).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"{who}: data_format must be 'channels_last' or 'channels_first', got {value!r}")
    return fmt


def to_channels_last(x, fmt):
    return F.transpose(x, (0, 2, 3, 1)) if fmt == "channels_first" else x


def from_channels_last(x, fmt):
    return F.transpose(x, (0, 3, 1, 2)) if fmt == "channels_first" else x


def image_shape(layer, input_shape, fmt):
    """(N, H, W, C) of a 4-D input in ``fmt``, or a clear error naming ``layer``."""
    if len(input_shape) != 4:
        order = "(batch, channels, height, width)" if fmt == "channels_first" else "(batch, height, width, channels)"
        raise ValueError(f"{layer.describe()}: expected 4-D input {order}, got shape {tuple(input_shape)}; "
                         "give gray images a channel axis (x[..., None]) or use Conv1D for sequences")
    if fmt == "channels_first":
        n, c, h, w = input_shape
        return n, h, w, c
    return tuple(input_shape)


def channel_spec(fmt, c):
    return InputSpec(ndim=4, axes={1 if fmt == "channels_first" else -1: c})


class _Conv(Layer):
    """What the 2-D convolutions share: argument checks, weights, activation, formats."""
    fuses_rectifier = False  # whether ``_conv`` can apply a ReLU or leaky ReLU inside the convolution op

    def _setup(self, filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
               kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer):
        who = type(self).__name__
        if filters is not None and int(filters) <= 0:
            raise ValueError(f"{who}: filters must be a positive integer (the output channels), got "
                             f"{filters!r}; pass e.g. {who}(32, 3)")
        self.filters = None if filters is None else int(filters)
        self.kernel_size = pair(kernel_size, f"{who}: kernel_size")
        self.strides = pair(strides, f"{who}: strides")
        self.dilation_rate = pair(dilation_rate, f"{who}: dilation_rate")
        self.padding = padding.lower() if isinstance(padding, str) else padding
        self.data_format = normalize_data_format(data_format, who)
        self.activation = A.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def _make_bias(self, n):
        return self.add_weight("bias", (n,), self.bias_initializer, self.bias_regularizer) if self.use_bias else None

    def absorbs_rectifier(self, slope):
        """Whether ``call(x, rectify=slope)`` can apply the ReLU (slope 0) or leaky ReLU layer that
        follows in the convolution op: after a convolution without an activation of its own."""
        return self.fuses_rectifier and self.activation is A.linear and type(self).call is _Conv.call and 0 <= slope <= 1

    def call(self, x, rectify=None):
        """``rectify``: the slope of a following ReLU (0) or leaky ReLU layer, applied in the op
        (``absorbs_rectifier``)."""
        x = to_channels_last(x, self.data_format)
        if self.fuses_rectifier and self.activation is A.relu:
            rectify = 0.0
        fused = rectify is not None and self.fuses_rectifier
        try:
            y = self._conv(x, slope=rectify if fused else None)
        except ValueError as e:
            raise ValueError(f"{self.describe()}: {e}") from None
        if not fused:
            y = self.activation(y)
        return from_channels_last(y, self.data_format)


class Conv2D(_Conv):
    """2-D convolution: ``activation(conv(x, kernel) + bias)``.

    ``padding``: 'valid' or 'same' (TensorFlow's rule, extra pixel at the
    bottom/right); ``groups`` splits the channels into independent groups.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer)
        self.groups = int(groups)
        if self.groups < 1 or self.filters % self.groups:
            raise ValueError(f"Conv2D: filters ({filters}) must be divisible by groups ({groups})")

    def build(self, input_shape):
        n, h, w, c = image_shape(self, input_shape, self.data_format)
        if c % self.groups:
            raise ValueError(f"{self.describe()}: input channels ({c}) must be divisible by groups ({self.groups})")
        check_fits(self, (h, w), self.kernel_size, self.strides, self.dilation_rate, self.padding)
        self.kernel = self.add_weight("kernel", self.kernel_size + (c // self.groups, self.filters),
                                      self.kernel_initializer, self.kernel_regularizer)
        self.bias = self._make_bias(self.filters)
        self.input_spec = channel_spec(self.data_format, c)

    fuses_rectifier = True

    def _conv(self, x, slope=None):
        return conv2d(x, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate, self.groups,
                      slope=slope)


class DepthwiseConv2D(_Conv):
    """Each input channel convolved with its own ``depth_multiplier`` filters (kernel (kh, kw, C, mult))."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(None, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                    depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer)
        if int(depth_multiplier) < 1:
            raise ValueError(f"DepthwiseConv2D: depth_multiplier must be a positive int, got {depth_multiplier!r}")
        self.depth_multiplier = int(depth_multiplier)

    def build(self, input_shape):
        n, h, w, c = image_shape(self, input_shape, self.data_format)
        check_fits(self, (h, w), self.kernel_size, self.strides, self.dilation_rate, self.padding)
        self.depthwise_kernel = self.add_weight("depthwise_kernel", self.kernel_size + (c, self.depth_multiplier),
                                                self.kernel_initializer, self.kernel_regularizer)
        self.bias = self._make_bias(c * self.depth_multiplier)
        self.input_spec = channel_spec(self.data_format, c)

    fuses_rectifier = True

    def _conv(self, x, slope=None):
        kh, kw, c, m = self.depthwise_kernel.shape
        k = F.reshape(self.depthwise_kernel, (kh, kw, 1, c * m))  # output c*m + j belongs to group c
        return conv2d(x, k, self.bias, self.strides, self.padding, self.dilation_rate, groups=c, slope=slope)


class Conv2DTranspose(_Conv):
    """Transposed ("deconvolution") layer: the gradient of Conv2D with respect to its input.

    Kernel (kh, kw, filters, in) as Keras; output size ``in * strides`` for
    'same', ``in * strides + max(k - strides, 0)`` for 'valid', or set by
    ``output_padding``.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer)
        if self.padding not in ("valid", "same"):
            raise ValueError(f"Conv2DTranspose: padding must be 'valid' or 'same', got {padding!r}")
        if output_padding is not None:
            op = (output_padding,) * 2 if isinstance(output_padding, int) else tuple(output_padding)
            if len(op) != 2 or any(not 0 <= int(o) < s for o, s in zip(op, self.strides)):
                raise ValueError(f"Conv2DTranspose: output_padding must be ints in [0, strides), "
                                 f"strides {self.strides}, got {output_padding!r}")
            output_padding = tuple(int(o) for o in op)
        self.output_padding = output_padding

    def build(self, input_shape):
        n, h, w, c = image_shape(self, input_shape, self.data_format)
        self.kernel = self.add_weight("kernel", self.kernel_size + (self.filters, c),
                                      self.kernel_initializer, self.kernel_regularizer)
        self.bias = self._make_bias(self.filters)
        self.input_spec = channel_spec(self.data_format, c)

    def _conv(self, x, slope=None):
        return conv2d_transpose(x, self.kernel, self.bias, self.strides, self.padding, self.output_padding,
                                self.dilation_rate)


class Conv1D(Layer):
    """1-D convolution over (N, steps, C) (or (N, C, steps) with channels_first), through the 2-D op.

    ``padding`` also accepts 'causal' (left padding only, as Keras).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        one = lambda v: int(v[0]) if isinstance(v, (tuple, list)) else int(v)  # noqa: E731
        if int(filters) <= 0 or int(filters) % int(groups):
            raise ValueError(f"Conv1D: filters must be a positive multiple of groups, got {filters!r}, {groups!r}")
        self.filters, self.groups = int(filters), int(groups)
        self.kernel_size, self.strides, self.dilation_rate = one(kernel_size), one(strides), one(dilation_rate)
        for argument, given in (("kernel_size", kernel_size), ("strides", strides), ("dilation_rate", dilation_rate)):
            if getattr(self, argument) < 1:
                raise ValueError(f"Conv1D: {argument} must be a positive int, got {given!r}; "
                                 f"pass e.g. {argument}={3 if argument == 'kernel_size' else 1}")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same", "causal"):
            raise ValueError(f"Conv1D: padding must be 'valid', 'same' or 'causal', got {padding!r}")
        self.data_format = normalize_data_format(data_format, "Conv1D")
        self.activation = A.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.describe()}: expected 3-D input (batch, steps, channels), "
                             f"got shape {tuple(input_shape)}")
        c = input_shape[1] if self.data_format == "channels_first" else input_shape[2]
        if c % self.groups:
            raise ValueError(f"{self.describe()}: input channels ({c}) must be divisible by groups ({self.groups})")
        self.kernel = self.add_weight("kernel", (self.kernel_size, c // self.groups, self.filters),
                                      self.kernel_initializer, self.kernel_regularizer)
        self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                    self.bias_regularizer) if self.use_bias else None
        self.input_spec = InputSpec(ndim=3, axes={1 if self.data_format == "channels_first" else -1: c})

    def call(self, x):
        if self.data_format == "channels_first":
            x = F.transpose(x, (0, 2, 1))
        if self.padding == "causal":
            left = (self.kernel_size - 1) * self.dilation_rate
            x = F.pad(x, ((0, 0), (left, 0), (0, 0)))
            padding = "valid"
        else:
            padding = self.padding
        k, c, f = self.kernel.shape
        x4 = F.expand_dims(x, 1)
        try:
            y = conv2d(x4, F.reshape(self.kernel, (1, k, c, f)), self.bias, (1, self.strides), padding,
                       (1, self.dilation_rate), self.groups)
        except ValueError as e:
            raise ValueError(f"{self.describe()}: {e}") from None
        y = self.activation(F.squeeze(y, 1))
        return F.transpose(y, (0, 2, 1)) if self.data_format == "channels_first" else y


def check_fits(layer, hw, kernel, strides, dilation, padding):
    """Raise a clear error when the kernel does not fit the (padded) input of ``layer``."""
    try:
        pad = resolve_padding(padding, hw, kernel, strides, dilation)
    except ValueError as e:
        raise ValueError(f"{layer.describe()}: {e}") from None
    out = [conv_output_size(n, k, s, d, p) for n, k, s, d, p in zip(hw, kernel, strides, dilation, pad)]
    if min(out) < 1:
        eff = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation))
        raise ValueError(f"{layer.describe()}: kernel {kernel} (spanning {eff} with dilation {dilation}) is larger "
                         f"than the input {tuple(hw)} with padding {padding!r}; use padding='same', a smaller "
                         f"kernel or a larger input")

