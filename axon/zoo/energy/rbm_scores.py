"""Scores of a binary RBM that need no partition function: the pseudo-likelihood summed over every
visible unit, from the free energies of the data with each unit flipped in turn.

Besag's pseudo-likelihood replaces ``log p(v)`` by ``sum_i log p(v_i | v_-i)``; for an RBM each term is
``log sigmoid(F(v with unit i flipped) - F(v))``, so no ``Z`` is needed.  scikit-learn's
``BernoulliRBM.score_samples`` estimates the same sum from one randomly chosen unit per example;
``pseudo_likelihood`` sums all of them, so two models can be compared without that noise.

>>> import numpy as np
>>> W = np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]]); b = np.array([0.1, -0.2, 0.3]); c = np.zeros(2)
>>> v = np.array([[1.0, 0.0, 1.0]])
>>> round(float(pseudo_likelihood_from_weights(W, b, c, v)[0]), 4)
-2.8565
"""
import numpy as np

from ...ops.special import log1pexp


def pseudo_likelihood_from_weights(W, visible_bias, hidden_bias, v, chunk=256):
    """``sum_i log p(v_i | v_-i)`` for each row of binary ``v`` (N, n_visible) under the RBM of weights
    ``W`` (n_visible, n_hidden) and biases: (N,) nats, computed in float64, ``chunk`` rows at a time."""
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(visible_bias, dtype=np.float64)
    c = np.asarray(hidden_bias, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    out = np.empty(len(v))
    for start in range(0, len(v), chunk):
        rows = v[start:start + chunk]
        pre = rows @ W + c                                   # (n, H)
        free = -(rows @ b) - log1pexp(pre).sum(axis=1)      # (n,)
        sign = 1.0 - 2.0 * rows                              # +1 where the flip turns a 0 on, -1 where off
        # flipping unit i moves the hidden input by sign_i W_i and the visible term by sign_i b_i
        pre_flipped = pre[:, None, :] + sign[:, :, None] * W[None, :, :]       # (n, V, H)
        free_flipped = -(rows @ b)[:, None] - sign * b - log1pexp(pre_flipped).sum(axis=2)
        out[start:start + chunk] = -log1pexp(-(free_flipped - free[:, None])).sum(axis=1)
    return out


def pseudo_likelihood(rbm, v, chunk=256):
    """The pseudo-likelihood of each row of ``v`` (N, n_visible), binary values, under the Bernoulli
    RBM ``rbm`` (an ``axon.zoo.energy.BernoulliRBM``, or anything with scikit-learn's ``components_``,
    ``intercept_visible_`` and ``intercept_hidden_``): (N,) nats, exact (every unit flipped)."""
    if hasattr(rbm, "components_"):  # a scikit-learn BernoulliRBM
        W, b, c = rbm.components_.T, rbm.intercept_visible_, rbm.intercept_hidden_
    else:
        from .rbm import GaussianBernoulliRBM
        if isinstance(rbm, GaussianBernoulliRBM):
            raise ValueError("pseudo_likelihood: the pseudo-likelihood flips binary visible units, and a "
                             "GaussianBernoulliRBM's are real-valued; use axon.zoo.energy.ais.log_likelihood")
        v = rbm._as_visible(v, "pseudo_likelihood")
        W, b, c = rbm.W.data, rbm.visible_bias.data, rbm.hidden_bias.data
    return pseudo_likelihood_from_weights(W, b, c, v, chunk)
