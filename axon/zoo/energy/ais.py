"""The partition function of an RBM: exactly, by enumerating the states of its smaller layer, and
by annealed importance sampling (Neal 2001; Salakhutdinov & Murray 2008).

``log Z`` is what turns an RBM's free energy into a log-likelihood, ``log p(v) = -F(v) - log Z``.
AIS anneals from a base model whose ``Z`` is known (independent visible units, no weights) to the
RBM through distributions ``p_beta`` with the weights and hidden biases scaled by ``beta``, moving
``n_runs`` Gibbs chains along and averaging their importance weights; the mean weight estimates
``Z_rbm / Z_base`` without bias (its log slightly underestimates ``log Z``).

>>> import numpy as np
>>> from axon.zoo.energy import BernoulliRBM
>>> rbm = BernoulliRBM(3, seed=0); _ = rbm.transform(np.zeros((1, 4), "float32"))
>>> rbm.W.data[...] = np.random.default_rng(0).normal(0, 1, (4, 3))
>>> exact = log_partition_exact(rbm)
>>> estimate, spread = ais_log_partition(rbm, n_runs=200, n_betas=500, seed=0)
>>> abs(estimate - exact) < 0.05
True
"""
import numpy as np

from ...ops.special import log1pexp, logistic
from .rbm import GaussianBernoulliRBM

MAX_EXACT_UNITS = 25


def _weights(rbm):
    if not rbm.built:
        raise RuntimeError(f"{rbm.describe()} is not built yet: fit it (or call it on data) before asking "
                           "for its partition function")
    return (rbm.W.data.astype(np.float64), rbm.visible_bias.data.astype(np.float64),
            rbm.hidden_bias.data.astype(np.float64))


def _logsumexp(a):
    top = a.max()
    return float(top + np.log(np.exp(a - top).sum()))


def _states(start, stop, n_units):
    """The binary states number ``start`` .. ``stop - 1`` of ``n_units`` units (bit j is unit j)."""
    codes = np.arange(start, stop, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n_units)) & 1).astype(np.float64)


def log_partition_exact(rbm, max_units=MAX_EXACT_UNITS, chunk=1 << 16):
    """``log Z`` of ``rbm`` (nats) by summing over every state of its smaller layer, the other one
    summed out in closed form; a Gaussian-Bernoulli RBM always enumerates its hidden layer.
    Refuses (ValueError) when that layer has more than ``max_units`` units (2 ** units states)."""
    W, b, c = _weights(rbm)
    nv, nh = W.shape
    gaussian = isinstance(rbm, GaussianBernoulliRBM)
    by_hidden = gaussian or nh <= nv
    n = nh if by_hidden else nv
    if n > max_units:
        layer = "hidden" if by_hidden else "visible"
        raise ValueError(f"log_partition_exact: {rbm.describe()} has {nv} visible and {nh} hidden units; "
                         f"enumerating its {layer} layer means 2 ** {n} states, more than 2 ** {max_units}; "
                         "estimate log Z with ais_log_partition instead (or pass a larger max_units)")
    parts = []
    for start in range(0, 2 ** n, chunk):
        s = _states(start, min(start + chunk, 2 ** n), n)
        if gaussian:       # integral over v of exp(-|v - b|^2 / 2 + v W h) = (2 pi)^(nv/2) exp(b.Wh + |Wh|^2 / 2)
            m = s @ W.T
            parts.append(s @ c + m @ b + 0.5 * (m * m).sum(axis=1))
        elif by_hidden:    # sum over v of exp(b.v + v W h + c.h) = exp(c.h) prod_i (1 + exp(b_i + (W h)_i))
            parts.append(s @ c + log1pexp(s @ W.T + b).sum(axis=1))
        else:              # sum over h: exp(-F(v))
            parts.append(s @ b + log1pexp(s @ W + c).sum(axis=1))
    log_z = _logsumexp(np.concatenate(parts))
    return log_z + (0.5 * nv * np.log(2 * np.pi) if gaussian else 0.0)


def annealing_schedule(n_betas):
    """Inverse temperatures from 0 to 1 in ``n_betas`` steps, spaced as Salakhutdinov & Murray space
    theirs: a fifteenth of the steps on [0, 0.5], four fifteenths on [0.5, 0.9], the rest on
    [0.9, 1], where the distributions change fastest.  (n_betas + 1,) float64.

    >>> annealing_schedule(15).round(3).tolist()[:3], float(annealing_schedule(15)[-1])
    ([0.0, 0.5, 0.6], 1.0)
    """
    n = int(n_betas)
    if n < 3:
        raise ValueError(f"annealing_schedule: n_betas must be at least 3, got {n_betas!r}")
    n1, n2 = max(1, round(n / 15)), max(1, round(4 * n / 15))
    n3 = max(1, n - n1 - n2)
    return np.concatenate([np.linspace(0.0, 0.5, n1, endpoint=False), np.linspace(0.5, 0.9, n2, endpoint=False),
                           np.linspace(0.9, 1.0, n3 + 1)])


def _betas(n_betas):
    if np.ndim(n_betas) == 0:
        return annealing_schedule(n_betas)
    betas = np.asarray(n_betas, dtype=np.float64)
    if betas.ndim != 1 or len(betas) < 2 or betas[0] != 0.0 or betas[-1] != 1.0 or np.any(np.diff(betas) < 0):
        raise ValueError("ais_log_partition: a schedule must be an increasing 1-D array of inverse temperatures "
                         f"from 0 to 1, got {np.array2string(betas, threshold=6)}; or pass the number of steps")
    return betas


def ais_log_partition(rbm, n_runs=100, n_betas=10000, seed=None, data=None):
    """Estimate ``log Z`` of ``rbm`` by annealed importance sampling: ``(log Z, spread)`` in nats.

    ``n_runs`` chains anneal over ``n_betas`` inverse temperatures (an int for the default
    ``annealing_schedule``, or an increasing array from 0 to 1).  The base model has the RBM's
    visible biases, or, given ``data`` (N, n_visible) binary, the log-odds of its mean as
    Salakhutdinov & Murray choose (a better start for a trained RBM).  ``spread`` is one standard
    error of the estimate (nats, the delta method on the importance weights).  Runs in float64.
    """
    W, b, c = _weights(rbm)
    nv, nh = W.shape
    betas = _betas(n_betas)
    if isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
        raise ValueError(f"ais_log_partition: n_runs must be a positive whole number, got {n_runs!r}")
    rng = np.random.default_rng(seed)
    gaussian = isinstance(rbm, GaussianBernoulliRBM)
    if gaussian:
        b_base = b
        log_z_base = 0.5 * nv * np.log(2 * np.pi) + nh * np.log(2.0)
        v = b + rng.standard_normal((n_runs, nv))
    else:
        if data is not None:
            mean = np.asarray(rbm._as_visible(data, "ais_log_partition"), dtype=np.float64).mean(axis=0)
            mean = (mean * len(data) + 0.05) / (len(data) + 0.1)  # smoothed, so no bias is infinite
            b_base = np.log(mean) - np.log1p(-mean)
        else:
            b_base = b
        log_z_base = float(log1pexp(b_base).sum()) + nh * np.log(2.0)
        v = (rng.random((n_runs, nv)) < logistic(b_base)).astype(np.float64)
    db = b - b_base
    log_w = np.zeros(n_runs)
    pre = v @ W + c
    for beta_prev, beta in zip(betas[:-1], betas[1:]):
        # importance weight: p*_beta(v) / p*_beta_prev(v) at the current state
        log_w += log1pexp(beta * pre).sum(axis=1) - log1pexp(beta_prev * pre).sum(axis=1)
        if not gaussian:
            log_w += (beta - beta_prev) * (v @ db)
        # one Gibbs step that leaves p_beta invariant
        h = (rng.random((n_runs, nh)) < logistic(beta * pre)).astype(np.float64)
        mean = (1.0 - beta) * b_base + beta * (b + h @ W.T)
        if gaussian:
            v = mean + rng.standard_normal((n_runs, nv))
        else:
            v = (rng.random((n_runs, nv)) < logistic(mean)).astype(np.float64)
        pre = v @ W + c
    top = log_w.max()
    w = np.exp(log_w - top)
    log_z = float(log_z_base + top + np.log(w.mean()))
    spread = float(w.std(ddof=1) / (w.mean() * np.sqrt(n_runs))) if n_runs > 1 else float("inf")
    return log_z, spread


def log_likelihood(rbm, v, log_z):
    """The mean log-likelihood of the rows of ``v`` (N, n_visible) under ``rbm`` given its ``log_z``:
    ``mean(-F(v)) - log Z``, in nats per example (a density for Gaussian visibles)."""
    v = rbm._as_visible(v, "log_likelihood")
    return float(-np.mean(_free_energy64(rbm, v)) - log_z)


def _free_energy64(rbm, v):
    W, b, c = _weights(rbm)
    v = np.asarray(v, dtype=np.float64)
    visible = 0.5 * ((v - b) ** 2).sum(axis=1) if isinstance(rbm, GaussianBernoulliRBM) else -(v @ b)
    return visible - log1pexp(v @ W + c).sum(axis=1)
