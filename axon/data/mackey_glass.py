"""The Mackey-Glass time series, the standard benchmark of reservoir computing (echo state networks).

The delay-differential equation of Mackey and Glass (1977),

    dx/dt = a x(t - tau) / (1 + x(t - tau)^n) - b x(t),

is chaotic for tau = 17 with the usual a = 0.2, b = 0.1, n = 10.  ``mackey_glass`` integrates it
step by step exactly as reservoirpy's ``reservoirpy.datasets.mackey_glass`` does (same history
drawn from the same seed, same update), so ``mackey_glass(n)`` here and there give the same
series: the tests check it.

>>> x = mackey_glass(1000)
>>> x.shape, x.dtype
((1000, 1), dtype('float64'))
>>> bool(0.2 < x.min() < x.max() < 1.5)
True
"""
import numpy as np

# reservoirpy's default dataset seed (reservoirpy.datasets.get_seed()), so that the same call gives
# the same series in both libraries
DEFAULT_SEED = 5555


def mackey_glass(n_timesteps, tau=17, a=0.2, b=0.1, n=10, x0=1.2, h=1.0, seed=DEFAULT_SEED, history=None):
    """``n_timesteps`` values of the Mackey-Glass series, shape ``(n_timesteps, 1)``, float64.

    ``tau``: the delay (17 gives the classic chaotic attractor); ``a``, ``b``, ``n``: the equation's
    coefficients; ``x0``: the first value; ``h``: the time between two values.  The ``tau / h``
    values before the first one (the delay line) are ``history`` when given (its last ``tau / h``
    values are used), else ``x0 + 0.2 (u - 0.5)`` with ``u`` uniform from ``np.random.default_rng(seed)``.

    Each step is reservoirpy's update with the delayed value held over the step:
    ``k1 = -b h x + a x_tau / (1 + x_tau^n)``, ``k2 = 2 k1 - b h k1``, ``k3 = 2 k1 - b h k2``,
    ``k4 = k1 - b h k3`` and ``x <- x + (k1 + k2 + k3 + k4) / 6``.  (It is not the classical RK4 of the
    equation: the delayed term is not scaled by ``h`` and the stages differ.  It is what the
    reservoir-computing literature built on reservoirpy measures, so it is kept for comparability.)

    >>> mackey_glass(3, history=np.ones(17))[:, 0].round(4).tolist()
    [1.2, 1.1816, 1.1648]
    """
    for argument, value in (("n_timesteps", n_timesteps), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"mackey_glass: {argument} must be a positive whole number, got {value!r}; "
                             f"pass e.g. {argument}={'1000' if argument == 'n_timesteps' else '10'}")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"mackey_glass: h (the time step) must be positive, got {h!r}; pass e.g. h=1.0")
    if not (np.isfinite(tau) and tau >= 0):
        raise ValueError(f"mackey_glass: tau (the delay) must be >= 0, got {tau!r}; the chaotic series has tau=17")
    lag = int(np.floor(tau / h))
    if history is None:
        rng = np.random.default_rng(seed)
        past = x0 * np.ones(lag) + 0.2 * (rng.random(lag) - 0.5)
    else:
        past = np.asarray(history, dtype=np.float64).ravel()
        if len(past) < lag:
            raise ValueError(f"mackey_glass: history holds {len(past)} values but the delay tau/h = {tau}/{h} "
                             f"needs at least {lag}; pass a longer history or leave it out")
        past = past[len(past) - lag:]
    x = np.empty(lag + n_timesteps)
    x[:lag] = past
    bh = -b * h
    xt = float(x0)
    for i in range(lag, lag + n_timesteps):  # a recurrence in time: each value needs the previous ones
        x[i] = xt
        xtau = x[i - lag] if tau > 0 else 0.0
        k1 = bh * xt + a * xtau / (1.0 + xtau ** n)
        k2 = 2.0 * k1 + bh * k1
        k3 = 2.0 * k1 + bh * k2
        k4 = k1 + bh * k3
        xt = xt + (k1 + k2 + k3 + k4) / 6.0
    return x[lag:].reshape(-1, 1)


def to_forecasting(series, forecast=1):
    """Inputs and targets for predicting ``forecast`` steps ahead: ``(series[:-forecast],
    series[forecast:])``, both ``(T - forecast, features)``.

    >>> x, y = to_forecasting(np.arange(5.0).reshape(-1, 1))
    >>> x[:, 0].tolist(), y[:, 0].tolist()
    ([0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0])
    """
    series = np.asarray(series)
    if series.ndim == 1:
        series = series[:, None]
    if not isinstance(forecast, (int, np.integer)) or not 1 <= forecast < len(series):
        raise ValueError(f"to_forecasting: forecast must be a whole number from 1 to {len(series) - 1} (the "
                         f"series has {len(series)} values), got {forecast!r}")
    return series[:-forecast], series[forecast:]
