"""Attention layers with Keras semantics: ``Attention`` (Luong, dot product) and
``AdditiveAttention`` (Bahdanau).

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
from ..ops import attention as att
from .base import Layer


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
        for name, t in (("query", q), ("value", v), ("key", k)):
            if t.ndim != 3:
                raise ValueError(f"{self.describe()}: {name} must be (batch, steps, features), "
                                 f"got shape {tuple(t.shape)}")
        if k.shape[1] != v.shape[1]:
            raise ValueError(f"{self.describe()}: key and value must have the same number of steps, "
                             f"got {k.shape[1]} and {v.shape[1]}")
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

