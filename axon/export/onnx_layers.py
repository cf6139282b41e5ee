"""ONNX converters of the feed-forward layers: Dense, the convolutions and their transpose, pooling,
batch normalization, dropout and noise (the identity at inference), Flatten, Reshape, padding,
activations, merges and Embedding.  Each takes ``(graph, layer, inputs, kwargs)`` and returns its
output ``Value``(s); see ``axon.export.onnx``.

>>> import axon, numpy as np
>>> from axon.export.onnx import export_onnx
>>> m = axon.Sequential([axon.layers.Conv2D(2, 3, input_shape=(5, 5, 1)), axon.layers.Flatten()])
>>> [n.op_type for n in export_onnx(m).graph.node]
['Transpose', 'Conv', 'Transpose', 'Flatten', 'Identity']
"""
import numpy as np

from ..layers import (Activation, Add, Average, AveragePooling2D, BatchNormalization, Concatenate, Conv2D,
                      Conv2DTranspose, DepthwiseConv2D, Dense, Dropout, ELU, Embedding, Flatten,
                      GaussianDropout, GaussianNoise, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, LayerNormalization, LeakyReLU, MaxPooling2D,
                      Maximum, Minimum, Multiply, ReLU, Reshape, Softmax, SpatialDropout1D, SpatialDropout2D,
                      Subtract, ZeroPadding2D)
from ..ops import activations as A
from ..ops.conv import resolve_padding
from ..ops.conv_transpose import deconv_output_size
from .onnx import Value, converter, refuse


def weight(w):
    return np.asarray(w.data, dtype=np.float32)


# ----- activations
def activation(g, fn, v, layer):
    """``fn`` (an Axon activation function) applied to ``v``; the result keeps ``v``'s layout."""
    name = A.ACTIVATIONS.name_of(fn)
    x = v.name
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus"}
    if name == "linear":
        return v
    if name in simple:
        y = g.op(simple[name], [x])
    elif name == "elu":
        y = g.op("Elu", [x], alpha=1.0)
    elif name == "selu":
        from ..ops.activations import _SELU_ALPHA, _SELU_SCALE
        y = g.op("Selu", [x], alpha=float(_SELU_ALPHA), gamma=float(_SELU_SCALE))
    elif name == "leaky_relu":
        y = g.op("LeakyRelu", [x], alpha=0.01)
    elif name == "gelu":
        y = g.op("Gelu", [x], approximate="none")
    elif name == "silu":
        y = g.op("Mul", [x, g.op("Sigmoid", [x])])
    elif name in ("softmax", "log_softmax"):
        y = g.op("Softmax" if name == "softmax" else "LogSoftmax", [x], axis=g.stored_axis(v, -1))
    else:
        refuse(layer, f"its activation {getattr(fn, '__name__', fn)!r} has no ONNX form; use one of "
                      "relu, sigmoid, tanh, softplus, elu, selu, leaky_relu, gelu, silu, softmax, log_softmax, "
                      "linear")
    return Value(y, layout=v.layout)


@converter(Activation)
def _activation(g, layer, inputs, kwargs):
    return activation(g, layer.activation, inputs[0], layer)


@converter(ReLU)
def _relu(g, layer, inputs, kwargs):
    v = inputs[0]
    if layer.threshold:
        refuse(layer, f"threshold={layer.threshold} is not supported; use threshold=0")
    y = g.op("LeakyRelu", [v.name], alpha=float(layer.negative_slope)) if layer.negative_slope else \
        g.op("Relu", [v.name])
    if layer.max_value is not None:
        y = g.op("Min", [y, g.const(np.float32(layer.max_value))])
    return Value(y, layout=v.layout)


@converter(LeakyReLU)
def _leaky_relu(g, layer, inputs, kwargs):
    return Value(g.op("LeakyRelu", [inputs[0].name], alpha=float(layer.negative_slope)), layout=inputs[0].layout)


@converter(ELU)
def _elu(g, layer, inputs, kwargs):
    return Value(g.op("Elu", [inputs[0].name], alpha=float(layer.alpha)), layout=inputs[0].layout)


@converter(Softmax)
def _softmax(g, layer, inputs, kwargs):
    if isinstance(layer.axis, tuple):
        refuse(layer, f"a softmax over several axes {layer.axis} is not supported; use one axis")
    v = inputs[0]
    return Value(g.op("Softmax", [v.name], axis=g.stored_axis(v, layer.axis)), layout=v.layout)


@converter(Dropout, SpatialDropout1D, SpatialDropout2D, GaussianNoise, GaussianDropout)
def _identity(g, layer, inputs, kwargs):
    v = inputs[0]
    return Value(v.name, layout=v.layout, dtype=v.dtype)


# ----- dense and reshaping
@converter(Dense)
def _dense(g, layer, inputs, kwargs):
    v = inputs[0]
    x = g.native(v)
    w = g.const(weight(layer.kernel), f"{layer.name}/kernel")
    if len(v.shape) == 2:
        args = [x, w] + ([g.const(weight(layer.bias), f"{layer.name}/bias")] if layer.use_bias else [])
        y = g.op("Gemm", args, hint=layer.name)
    else:
        y = g.op("MatMul", [x, w], hint=layer.name)
        if layer.use_bias:
            y = g.op("Add", [y, g.const(weight(layer.bias), f"{layer.name}/bias")])
    return activation(g, layer.activation, Value(y), layer)


@converter(Flatten)
def _flatten(g, layer, inputs, kwargs):
    return Value(g.op("Flatten", [g.native(inputs[0])], axis=1, hint=layer.name))


@converter(Reshape)
def _reshape(g, layer, inputs, kwargs):
    shape = g.ints([0] + list(layer.target_shape))
    return Value(g.op("Reshape", [g.native(inputs[0]), shape], hint=layer.name))


@converter(ZeroPadding2D)
def _zero_padding(g, layer, inputs, kwargs):
    (t, b), (l, r) = layer.padding
    v = inputs[0]
    if layer.data_format == "channels_first":
        x, layout, pads = g.native(v), None, [0, 0, t, l, 0, 0, b, r]
    else:
        x, layout, pads = g.nchw(v), "nchw", [0, 0, t, l, 0, 0, b, r]
    return Value(g.op("Pad", [x, g.ints(pads)], mode="constant", hint=layer.name), layout=layout)


# ----- convolution and pooling
def _image_input(g, layer, v):
    """(name of the input held channels-first, (H, W), the output's layout) for an image layer."""
    if layer.data_format == "channels_first":
        return g.native(v), tuple(v.shape[2:4]), None
    return g.nchw(v), tuple(v.shape[1:3]), "nchw"


def _pads(layer, hw, kernel, strides, dilation):
    """ONNX ``pads`` [top, left, bottom, right] and ``auto_pad`` of a layer's ``padding``."""
    if isinstance(layer.padding, str) and layer.padding == "same" and None in hw:
        return None, "SAME_UPPER"  # TensorFlow's 'same': the extra pixel at the bottom/right
    (t, b), (l, r) = resolve_padding(layer.padding, hw, kernel, strides, dilation)
    return [t, l, b, r], None


@converter(Conv2D, DepthwiseConv2D)
def _conv2d(g, layer, inputs, kwargs):
    x, hw, layout = _image_input(g, layer, inputs[0])
    if isinstance(layer, DepthwiseConv2D):
        kh, kw, c, m = layer.depthwise_kernel.shape
        kernel, groups = weight(layer.depthwise_kernel).reshape(kh, kw, 1, c * m), c
    else:
        kernel, groups = weight(layer.kernel), layer.groups
    pads, auto = _pads(layer, hw, layer.kernel_size, layer.strides, layer.dilation_rate)
    args = [x, g.const(kernel.transpose(3, 2, 0, 1), f"{layer.name}/kernel")]
    if layer.use_bias:
        args.append(g.const(weight(layer.bias), f"{layer.name}/bias"))
    y = g.op("Conv", args, hint=layer.name, kernel_shape=list(kernel.shape[:2]), strides=list(layer.strides),
             dilations=list(layer.dilation_rate), group=int(groups), pads=pads, auto_pad=auto)
    return activation(g, layer.activation, Value(y, layout=layout), layer)


@converter(Conv2DTranspose)
def _conv2d_transpose(g, layer, inputs, kwargs):
    x, hw, layout = _image_input(g, layer, inputs[0])
    if None in hw:
        refuse(layer, f"its input size {hw} must be known to export a transposed convolution")
    kernel = weight(layer.kernel)  # (kh, kw, filters, in) -> ONNX (in, filters, kh, kw)
    ops = (None, None) if layer.output_padding is None else layer.output_padding
    begin, end, extra = [], [], []
    for n, k, s, d, o in zip(hw, kernel.shape[:2], layer.strides, layer.dilation_rate, ops):
        length, before = deconv_output_size(n, k, s, d, layer.padding, o)
        full = (n - 1) * s + (k - 1) * d + 1  # the uncropped output; Axon crops it to ``length``
        after = full - before - length
        begin.append(before)
        end.append(max(after, 0))
        extra.append(max(-after, 0))
    args = [x, g.const(kernel.transpose(3, 2, 0, 1), f"{layer.name}/kernel")]
    if layer.use_bias:
        args.append(g.const(weight(layer.bias), f"{layer.name}/bias"))
    y = g.op("ConvTranspose", args, hint=layer.name, kernel_shape=list(kernel.shape[:2]),
             strides=list(layer.strides), dilations=list(layer.dilation_rate), pads=begin + end,
             output_padding=extra if any(extra) else None)
    return activation(g, layer.activation, Value(y, layout=layout), layer)


@converter(MaxPooling2D, AveragePooling2D)
def _pool2d(g, layer, inputs, kwargs):
    x, hw, layout = _image_input(g, layer, inputs[0])
    pads, auto = _pads(layer, hw, layer.pool_size, layer.strides, (1, 1))
    if isinstance(layer, MaxPooling2D):
        y = g.op("MaxPool", [x], hint=layer.name, kernel_shape=list(layer.pool_size),
                 strides=list(layer.strides), pads=pads, auto_pad=auto)
    else:  # 'same' windows average their real pixels only, as count_include_pad=0
        y = g.op("AveragePool", [x], hint=layer.name, kernel_shape=list(layer.pool_size),
                 strides=list(layer.strides), pads=pads, auto_pad=auto, count_include_pad=0)
    return Value(y, layout=layout)


@converter(GlobalAveragePooling2D, GlobalMaxPooling2D)
def _global_pool2d(g, layer, inputs, kwargs):
    x, _, layout = _image_input(g, layer, inputs[0])
    y = g.op("GlobalAveragePool" if isinstance(layer, GlobalAveragePooling2D) else "GlobalMaxPool", [x],
             hint=layer.name)
    if layer.keepdims:
        return Value(y, layout=layout)  # (N, C, 1, 1): (N, 1, 1, C) held channels-first
    return Value(g.op("Flatten", [y], axis=1))


@converter(GlobalAveragePooling1D, GlobalMaxPooling1D, masks=True)
def _global_pool1d(g, layer, inputs, kwargs):
    v = inputs[0]
    axis = 1 if layer.data_format == "channels_last" else 2
    keep = int(bool(layer.keepdims))
    if isinstance(layer, GlobalMaxPooling1D):
        if v.mask:
            refuse(layer, "a masked maximum is not supported (Axon's GlobalMaxPooling1D ignores masks too)")
        return Value(g.op("ReduceMax", [v.name, g.ints([axis])], keepdims=keep, hint=layer.name))
    if v.mask is None:
        return Value(g.op("ReduceMean", [v.name, g.ints([axis])], keepdims=keep, hint=layer.name))
    m = g.op("Cast", [v.mask], to=g.onnx.TensorProto.FLOAT)
    m = g.op("Unsqueeze", [m, g.ints([2 if axis == 1 else 1])])
    total = g.op("ReduceSum", [g.op("Mul", [v.name, m]), g.ints([axis])], keepdims=keep)
    count = g.op("ReduceSum", [m, g.ints([axis])], keepdims=keep)
    return Value(g.op("Div", [total, count], hint=layer.name))


# ----- normalization
@converter(BatchNormalization)
def _batch_norm(g, layer, inputs, kwargs):
    v = inputs[0]
    gamma, beta = weight(layer.gamma), weight(layer.beta)
    mean, var = weight(layer.moving_mean), weight(layer.moving_variance)
    rank = len(v.shape)
    axis = g.stored_axis(v, layer.axis % rank)
    if axis == 1:  # channels on axis 1: ONNX's own op (fused into a preceding Conv by onnxruntime)
        args = [g.const(a, f"{layer.name}/{n}") for a, n in
                ((gamma, "gamma"), (beta, "beta"), (mean, "moving_mean"), (var, "moving_variance"))]
        y = g.op("BatchNormalization", [v.name] + args, epsilon=float(layer.epsilon), hint=layer.name)
        return Value(y, layout=v.layout)
    scale = (gamma / np.sqrt(var + np.float32(layer.epsilon))).astype(np.float32)
    shift = (beta - mean * scale).astype(np.float32)
    shape = (-1,) + (1,) * (rank - 1 - axis)
    y = g.op("Add", [g.op("Mul", [v.name, g.const(scale.reshape(shape), f"{layer.name}/scale")]),
                     g.const(shift.reshape(shape), f"{layer.name}/shift")], hint=layer.name)
    return Value(y, layout=v.layout)


@converter(LayerNormalization)
def _layer_norm(g, layer, inputs, kwargs):
    v = inputs[0]
    rank = len(v.shape)
    axes = sorted(a % rank for a in layer.axis)
    if axes != list(range(axes[0], rank)):
        refuse(layer, f"axis={layer.axis} must be the trailing axes to export")
    x = g.native(v)
    shape = tuple(v.shape[axes[0]:])
    gamma = weight(layer.gamma).reshape(shape) if layer.gamma is not None else np.ones(shape, np.float32)
    beta = weight(layer.beta).reshape(shape) if layer.beta is not None else np.zeros(shape, np.float32)
    y = g.op("LayerNormalization", [x, g.const(gamma, f"{layer.name}/gamma"), g.const(beta, f"{layer.name}/beta")],
             axis=axes[0], epsilon=float(layer.epsilon), hint=layer.name)
    return Value(y)


# ----- merging
def _same_layout(g, inputs):
    """The inputs' names in one layout (theirs when they agree, Axon's otherwise) and that layout."""
    layouts = {v.layout for v in inputs}
    if len(layouts) == 1:
        return [v.name for v in inputs], inputs[0].layout
    return [g.native(v) for v in inputs], None


@converter(Add, Subtract, Multiply, Average, Maximum, Minimum)
def _merge(g, layer, inputs, kwargs):
    names, layout = _same_layout(g, inputs)
    kind = type(layer).__name__
    op = {"Add": "Sum", "Average": "Mean", "Maximum": "Max", "Minimum": "Min", "Multiply": "Mul",
          "Subtract": "Sub"}[kind]
    if op in ("Mul", "Sub"):
        y = names[0]
        for other in names[1:]:
            y = g.op(op, [y, other], hint=layer.name)
    else:
        y = g.op(op, names, hint=layer.name)
    return Value(y, layout=layout)


@converter(Concatenate)
def _concatenate(g, layer, inputs, kwargs):
    names, layout = _same_layout(g, inputs)
    probe = Value(names[0], inputs[0].shape, layout)
    return Value(g.op("Concat", names, axis=g.stored_axis(probe, layer.axis), hint=layer.name), layout=layout)


# ----- embedding
@converter(Embedding, masks=True)
def _embedding(g, layer, inputs, kwargs):
    v = inputs[0]
    ids = g.native(v)
    if v.dtype != np.int64:
        ids = g.op("Cast", [ids], to=g.onnx.TensorProto.INT64)
    y = g.op("Gather", [g.const(weight(layer.embeddings), f"{layer.name}/embeddings"), ids], axis=0,
             hint=layer.name)
    mask = g.op("Not", [g.op("Equal", [ids, g.ints(0)])], hint=f"{layer.name}_mask") if layer.mask_zero else None
    return Value(y, mask=mask)
