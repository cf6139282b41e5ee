"""Attention layers with Keras semantics: ``Attention`` (Luong, dot product),
``AdditiveAttention`` (Bahdanau) and ``MultiHeadAttention`` (the Transformer's).

Called on ``[query, value]`` or ``[query, value, key]`` (key defaults to value):
query (N, Tq, D), value (N, Tv, Dv), key (N, Tv, D) -> (N, Tq, Dv).
``return_attention_scores=True`` returns ``[result, weights]`` with the
weights (N, Tq, Tv) for plotting (before ``dropout``, which in training drops
weights, rescaled, for the product with the values only).  ``use_causal_mask=True`` lets query step i
see value steps up to i only.  Masks: ``mask=[query_mask, value_mask]``, or the
masks the inputs carry (e.g. from ``Embedding(mask_zero=True)``); padded value
steps get zero weight and padded query steps a zero result.  The output
carries the query mask.

As in Keras, these layers hold no projections: for Bahdanau's
``v . tanh(W_q q + W_k k)`` project query and key with ``Dense`` layers first;
``AdditiveAttention(use_scale=True)`` learns ``v`` (the ``scale`` vector).

>>> import axon, numpy as np
>>> from axon.layers import AdditiveAttention
>>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
>>> out, w = AdditiveAttention()([q, v], return_attention_scores=True)
>>> out.shape, w.shape
((2, 3, 4), (2, 3, 5))
"""
import math

import numpy as np

from .. import ops as F
from ..ops import attention as att
from ..tensor import to_numpy
from .base import Layer, _to_tensor


class _BaseAttention(Layer):
    supports_masking = True

    def __init__(self, use_scale=False, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1), got {dropout}")
        self.use_scale, self.dropout = use_scale, float(dropout)

    def _unpack(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{self.describe()}: expected a list [query, value] or [query, value, key], "
                             f"got {type(inputs).__name__}"
                             f"{' of length ' + str(len(inputs)) if isinstance(inputs, (list, tuple)) else ''}")
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) == 3 else v
        _check_shapes(self, q, v, k)
        return q, v, k

    def _masks(self, inputs, mask):
        if mask is not None:
            mask = list(mask) if isinstance(mask, (list, tuple)) else [None, mask]
            return (mask + [None, None])[:2]
        return [getattr(inputs[0], "_mask", None), getattr(inputs[1], "_mask", None)]

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        q, v, k = self._unpack(inputs)
        q_mask, v_mask = self._masks(inputs, mask)
        out, weights = self._attend(q, v, k, v_mask, use_causal_mask, q_mask,
                                    self.dropout, bool(training))
        return [out, weights] if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        if mask is not None:
            return mask[0] if isinstance(mask, (list, tuple)) else None
        return getattr(inputs[0], "_mask", None) if isinstance(inputs, (list, tuple)) else None


class Attention(_BaseAttention):
    """Dot-product (Luong) attention.  ``use_scale=True`` learns a scalar multiplying the
    scores (initialised to one); ``score_mode="concat"`` scores with
    ``concat_score_weight * sum(tanh(scale * (q + k)))`` instead."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, **kwargs):
        super().__init__(use_scale, dropout, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention: score_mode must be 'dot' or 'concat', got {score_mode!r}")
        self.score_mode = score_mode

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (), "ones") if self.use_scale else None
        self.concat_score_weight = (self.add_weight("concat_score_weight", (), "ones")
                                    if self.score_mode == "concat" else None)

    def _attend(self, q, v, k, v_mask, causal, q_mask, dropout, training):
        if self.score_mode == "dot":
            return att.dot_product_attention(q, v, k, self.scale, v_mask, causal, q_mask, dropout, training)
        if self.scale is not None:
            q, k = q * self.scale, k * self.scale
        scores = att.additive_scores(q, k) * self.concat_score_weight
        return att.attend(scores, v, v_mask, causal, q_mask, dropout, training)


class AdditiveAttention(_BaseAttention):
    """Additive (Bahdanau) attention: ``scores = sum(scale * tanh(query + key), axis=-1)``.
    ``use_scale=True`` (default) learns the vector ``scale`` (Glorot-uniform initialised)."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale, dropout, **kwargs)

    def build(self, input_shape):
        dim = input_shape[-1][-1]  # the key's (or the value's) features
        self.scale = self.add_weight("scale", (dim,), "glorot_uniform") if self.use_scale else None

    def _attend(self, q, v, k, v_mask, causal, q_mask, dropout, training):
        if q.shape[-1] != k.shape[-1]:
            raise ValueError(f"{self.describe()}: query and key need the same feature size, "
                             f"got {q.shape[-1]} and {k.shape[-1]}")
        return att.additive_attention(q, v, k, self.scale, v_mask, causal, q_mask, dropout, training)



class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (Vaswani et al.), Keras's arguments and weights.

    Called as ``mha(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`` on query (N, T, Dq), value (N, S, Dv) and key
    (N, S, Dk) (the value when not given); self-attention is ``mha(x, x)``.  Each of
    ``num_heads`` heads projects the query and key to ``key_dim`` and the value to
    ``value_dim`` (default ``key_dim``), attends with scores ``q . k / sqrt(key_dim)``, and the
    heads' results are projected together to ``output_shape`` (default Dq): (N, T, Dq).
    Weights, as Keras's EinsumDense kernels: ``query/kernel`` (Dq, heads, key_dim),
    ``key/kernel`` (Dk, heads, key_dim), ``value/kernel`` (Dv, heads, value_dim),
    ``attention_output/kernel`` (heads, value_dim, Dq), each with a bias unless
    ``use_bias=False``.

    Masks: ``attention_mask`` (N, T, S) booleans, True where query step t may attend to value
    step s; ``use_causal_mask=True`` lets step t see steps up to t; the masks the inputs carry
    (e.g. from ``Embedding(mask_zero=True)``), or ``query_mask``/``value_mask``/``key_mask``
    (N, T)/(N, S), are combined with them.  Disallowed pairs get exactly zero weight.  The
    output carries the query's mask.  ``return_attention_scores=True`` also returns the weights
    (N, heads, T, S), before ``dropout`` (which in training drops weights, as Keras).
    ``attention_axes`` other than None (attention over the steps, axis 1) is not supported.

    >>> import numpy as np
    >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> out, w = mha(np.ones((3, 5, 8), "float32"), np.ones((3, 6, 8), "float32"), return_attention_scores=True)
    >>> out.shape, w.shape, tuple(mha.weights[0].shape)
    ((3, 5, 8), (3, 2, 5, 6), (8, 2, 4))
    """
    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        for name, v in (("num_heads", num_heads), ("key_dim", key_dim), ("value_dim", value_dim)):
            if v is not None and (not isinstance(v, (int, np.integer)) or v <= 0):
                raise ValueError(f"MultiHeadAttention: {name} must be a positive integer, got {v!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1), got {dropout}")
        if attention_axes is not None:
            raise ValueError(f"MultiHeadAttention: attention_axes={attention_axes!r} is not supported; only "
                             "None (attention over the steps, axis 1, of (batch, steps, features) inputs)")
        if output_shape is not None:
            output_shape = (output_shape,) if isinstance(output_shape, (int, np.integer)) else tuple(output_shape)
            if len(output_shape) != 1:
                raise ValueError(f"MultiHeadAttention: output_shape must be one int (the output features), "
                                 f"got {output_shape!r}")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias, self.output_dim = float(dropout), use_bias, output_shape
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._dims = None  # (query, key, value) features, known at the first call

    def _dense(self, name, shape):
        kernel = self.add_weight(f"{name}/kernel", shape, self.kernel_initializer, self.kernel_regularizer)
        bias = self.add_weight(f"{name}/bias", shape[1:] if name != "attention_output" else shape[-1:],
                               self.bias_initializer, self.bias_regularizer) if self.use_bias else None
        return kernel, bias

    def _make_weights(self, dq, dk, dv):
        h = self.num_heads
        self.query_dense = self._dense("query", (dq, h, self.key_dim))
        self.key_dense = self._dense("key", (dk, h, self.key_dim))
        self.value_dense = self._dense("value", (dv, h, self.value_dim))
        out = self.output_dim[0] if self.output_dim else dq
        self.output_dense = self._dense("attention_output", (h, self.value_dim, out))
        self._dims = (dq, dk, dv)

    def _project(self, x, dense):
        """(N, T, D) -> (N, heads, T, size)."""
        kernel, bias = dense
        d, h, size = kernel.shape
        y = F.linear(x, F.reshape(kernel, (d, h * size)), None if bias is None else F.reshape(bias, (h * size,)))
        return F.transpose(F.reshape(y, (x.shape[0], x.shape[1], h, size)), (0, 2, 1, 3))

    def _mask(self, query, value, key, query_mask, value_mask, key_mask, attention_mask, causal):
        """The combined (N or 1, 1, T, S) booleans of allowed pairs, or None when all are allowed."""
        t, s = query.shape[1], value.shape[1]
        parts = []
        if query_mask is not None:
            parts.append(to_numpy(query_mask, dtype=bool)[:, None, :, None])
        for m in (value_mask, key_mask):
            if m is not None:
                parts.append(to_numpy(m, dtype=bool)[:, None, None, :])
        if causal:
            parts.append(np.tri(t, s, dtype=bool)[None, None])
        if attention_mask is not None:
            am = to_numpy(attention_mask, dtype=bool)
            if am.ndim != 3 or am.shape[1:] != (t, s) or am.shape[0] not in (1, query.shape[0]):
                raise ValueError(f"{self.describe()}: attention_mask must be (batch, {t}, {s}) "
                                 f"(query steps, value steps), got shape {am.shape}")
            parts.append(am[:, None])
        if not parts:
            return None
        allowed = parts[0]
        for p in parts[1:]:
            allowed = allowed & p
        return None if allowed.all() else allowed

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False, query_mask=None, value_mask=None, key_mask=None):
        value = _to_tensor(value)
        key_given = key is not None and key is not value
        key = _to_tensor(key) if key_given else value
        _check_shapes(self, query, value, key, "; other attention_axes are not supported")
        dims = (query.shape[-1], key.shape[-1], value.shape[-1])
        if self._dims is None:
            self._make_weights(*dims)
        elif dims != self._dims:
            raise ValueError(f"{self.describe()}: built for (query, key, value) features {self._dims}, "
                             f"got {dims}")
        mask = self._mask(query, value, key,
                          query_mask if query_mask is not None else getattr(query, "_mask", None),
                          value_mask if value_mask is not None else getattr(value, "_mask", None),
                          key_mask if key_mask is not None else getattr(key, "_mask", None) if key_given else None,
                          attention_mask, use_causal_mask)
        q = self._project(query, self.query_dense)
        k = self._project(key, self.key_dense)
        v = self._project(value, self.value_dense)
        heads, weights = att.dot_product_attention(q, v, k, 1.0 / math.sqrt(self.key_dim), attention_mask=mask,
                                                   dropout=self.dropout, training=bool(training), rng=self._rng)
        n, h, t, size = heads.shape
        joined = F.reshape(F.transpose(heads, (0, 2, 1, 3)), (n, t, h * size))
        kernel, bias = self.output_dense
        out = F.linear(joined, F.reshape(kernel, (h * size, kernel.shape[-1])), bias)
        return [out, weights] if return_attention_scores else out


def _check_shapes(layer, query, value, key, hint=""):
    """Query, value and key must be (batch, steps, features), key and value of as many steps."""
    for name, x in (("query", query), ("value", value), ("key", key)):
        if x.ndim != 3:
            raise ValueError(f"{layer.describe()}: {name} must be (batch, steps, features), got shape "
                             f"{tuple(x.shape)}{hint}")
    if key.shape[1] != value.shape[1]:
        raise ValueError(f"{layer.describe()}: key and value need the same number of steps, got shapes "
                         f"{tuple(key.shape)} and {tuple(value.shape)}")
