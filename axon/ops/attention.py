"""Attention: additive (Bahdanau) and dot-product (Luong) scores, masked softmax, weighted values.

Shapes: query (N, Tq, D), value (N, Tv, Dv), key (N, Tv, D) (the value when
not given).  The result is (N, Tq, Dv) and the attention weights (N, Tq, Tv)
sum to one over the value steps.

Masks: ``value_mask`` (N, Tv), True for real steps (padding is False), keeps
the weights of padded steps at zero; ``causal=True`` lets query step i attend
only to value steps j <= i.  Masked scores get -1e9 before the softmax, as
Keras.  ``query_mask`` (N, Tq) zeroes the result at padded query steps.
``attention_mask``: booleans broadcastable to the scores (e.g. (N, heads, Tq, Tv) in
multi-head attention), True where a query step may attend to a value step;
disallowed pairs get exactly zero weight (Keras's ``MultiHeadAttention`` rule,
so a query step allowed nothing attends to nothing and its result is zero).

>>> import axon, numpy as np, axon.ops as F
>>> q = axon.Tensor(np.ones((1, 2, 3), "float32"))
>>> v = axon.Tensor(np.arange(12, dtype="float32").reshape(1, 4, 3))
>>> out, w = F.dot_product_attention(q, v, value_mask=np.array([[1, 1, 0, 0]], bool))
>>> out.shape, w.data[0, 0].round(3).tolist()
((1, 2, 3), [0.0, 1.0, 0.0, 0.0])
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor, to_numpy
from . import activations as A
from .linalg import matmul
from .shaping import swapaxes
from .dropout import dropout as _dropout

_MASK_VALUE = 1e9


class AdditiveScores(Function):
    """scores[n, i, j] = sum_d scale[d] * tanh(q[n, i, d] + k[n, j, d]) (scale = 1 when absent)."""

    def forward(self, q, k, scale=None):
        t = np.tanh(q[:, :, None, :] + k[:, None, :, :])
        self.save(tanh=t, scale=scale)
        return t @ scale if scale is not None else t.sum(axis=-1)

    def backward(self, g):
        t, scale = self.saved.tanh, self.saved.scale
        d = t.shape[-1]
        gt = (1 - t * t)
        gt *= g[..., None]
        if scale is not None:
            gt *= scale
        dq = gt.sum(axis=2) if self.needs_grad[0] else None
        dk = gt.sum(axis=1) if self.needs_grad[1] else None
        ds = None
        if len(self.needs_grad) > 2 and self.needs_grad[2]:
            ds = g.reshape(-1) @ t.reshape(-1, d)
        return dq, dk, ds


def additive_scores(query, key, scale=None):
    """Bahdanau scores (N, Tq, Tv) of ``query`` (N, Tq, D) against ``key`` (N, Tv, D)."""
    if scale is None:
        return AdditiveScores.apply(query, key)
    return AdditiveScores.apply(query, key, scale)


def score_mask(value_mask=None, causal=False, tq=None, tv=None):
    """Boolean (N or 1, Tq or 1, Tv) of allowed query/value pairs, or None when all are allowed."""
    allowed = None
    if value_mask is not None:
        vm = to_numpy(value_mask, dtype=bool)
        if not vm.all():
            allowed = vm[:, None, :]
    if causal:
        tri = np.tri(tq, tv, dtype=bool)[None]
        allowed = tri if allowed is None else (allowed & tri)
    return allowed


def masked_softmax(scores, allowed=None):
    """Softmax over the last axis with disallowed positions pushed to -1e9 first."""
    if allowed is not None:
        bias = np.where(allowed, 0, -_MASK_VALUE).astype(scores.dtype)
        scores = scores + Tensor(bias)
    return A.softmax(scores, axis=-1)


def attend(scores, value, value_mask=None, causal=False, query_mask=None, dropout=0.0, training=False,
           attention_mask=None, rng=None):
    """Weights = masked softmax of ``scores``; result = weights @ value.  Returns (result, weights).
    ``rng``: the generator dropout draws from (Axon's by default)."""
    tq, tv = scores.shape[-2], scores.shape[-1]
    allowed = score_mask(value_mask, causal, tq, tv)
    if attention_mask is None:
        weights = masked_softmax(scores, allowed)
    else:
        m = to_numpy(attention_mask, dtype=bool)
        weights = A.softmax(scores, axis=-1, mask=m if allowed is None else allowed & m)
    w = _dropout(weights, dropout, training, rng=rng) if dropout else weights
    out = matmul(w, value)
    if query_mask is not None:
        qm = to_numpy(query_mask, dtype=bool)
        if not qm.all():
            out = out * Tensor(qm[..., None].astype(out.dtype))
    return out, weights


def dot_product_attention(query, value, key=None, scale=None, value_mask=None, causal=False,
                          query_mask=None, dropout=0.0, training=False, attention_mask=None, rng=None):
    """Luong attention: scores = scale * query @ key^T.  Returns (result, weights).  Leading
    axes beyond (N, T, D) (e.g. heads: (N, H, T, D)) are batch axes of the products."""
    key = value if key is None else key
    scores = matmul(query, swapaxes(key, -1, -2))
    if scale is not None:
        scores = scores * scale
    return attend(scores, value, value_mask, causal, query_mask, dropout, training, attention_mask, rng)


def additive_attention(query, value, key=None, scale=None, value_mask=None, causal=False,
                       query_mask=None, dropout=0.0, training=False):
    """Bahdanau attention: scores = sum(scale * tanh(query + key)).  Returns (result, weights)."""
    key = value if key is None else key
    scores = additive_scores(query, key, scale)
    return attend(scores, value, value_mask, causal, query_mask, dropout, training)
