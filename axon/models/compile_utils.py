"""What ``compile(loss=..., metrics=..., loss_weights=..., weighted_metrics=...)`` turns into:
the compiled loss and the compiled metrics of a model, one or one per output.

A model with several outputs takes one loss for all of them or a list (one
per output) and ``loss_weights`` to weigh them in the total; each metric is
kept per output and logged as ``<output layer>_<metric>``.  ``metrics`` ignore
sample weights, ``weighted_metrics`` use them (named ``weighted_<metric>``
where the name is taken), as in Keras.
"""
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..tensor import Tensor, to_numpy


def call_loss(fn, y_true, y_pred, sample_weight=None):
    """A scalar loss tensor from ``fn``: a ``Loss`` (weights passed on) or a plain function
    ``fn(y_true, y_pred)`` returning the batch loss or one value per sample (then weighed and
    averaged here)."""
    if isinstance(fn, losses_mod.Loss):
        return fn(y_true, y_pred, sample_weight=sample_weight)
    out = fn(y_true, y_pred)
    if not isinstance(out, Tensor):
        raise TypeError(f"the loss function {getattr(fn, '__name__', fn)!r} returned "
                        f"{type(out).__name__}; it must return a tensor computed from y_pred (axon.ops)")
    if out.ndim == 0:
        if sample_weight is not None:
            raise ValueError(f"the loss function {getattr(fn, '__name__', fn)!r} returns one value per "
                             "batch, so sample weights cannot weigh its samples; return one value per "
                             "sample, or subclass axon.losses.Loss")
        return out
    return losses_mod.reduce_values(out, sample_weight)


class CompileLoss:
    """The total loss of a model's outputs: ``sum_i weight_i * loss_i(y_i, y_pred_i, sample_weight)``.

    ``loss`` is one loss for every output, a list (one per output) or a dict keyed by output
    name (an output left out, or given ``None``, has no loss); ``loss_weights`` likewise.  With
    several outputs each one's loss is also tracked as ``<output>_loss``."""

    def __init__(self, loss, loss_weights=None, output_names=None, owner="model"):
        n = len(output_names) if output_names else 1
        if isinstance(loss, dict):
            per_output = _by_output(loss, output_names, owner, "loss")
        else:
            per_output = list(loss) if isinstance(loss, (list, tuple)) else [loss] * n
        if len(per_output) != n:
            raise ValueError(f"{owner}.compile: loss must hold one loss per output ({n}), got "
                             f"{len(per_output)}; pass one loss for all, a list of {n}, or a dict by output name")
        if isinstance(loss_weights, dict):
            loss_weights = [1.0 if w is None else w for w in _by_output(loss_weights, output_names, owner,
                                                                         "loss_weights")]
        if loss_weights is not None and len(loss_weights) != n:
            raise ValueError(f"{owner}.compile: loss_weights must hold one weight per output ({n}), got "
                             f"{len(loss_weights)}; pass a list of {n} numbers or a dict by output name")
        self.specs = per_output
        self.losses = [None if l is None else losses_mod.get(l) for l in per_output]
        self.weights = [float(w) for w in loss_weights] if loss_weights is not None else [1.0] * n
        self.output_names = output_names
        self.owner = owner
        self.metrics = [metrics_mod.Mean(f"{name}_loss") for name, fn in zip(output_names, self.losses)
                        if fn is not None] if n > 1 else []

    def __call__(self, y, y_pred, sample_weight=None):
        if self.output_names is None:
            return call_loss(self.losses[0], y, y_pred, sample_weight)
        n = len(self.losses)
        ys = per_output(y, self.output_names, self.owner, "y")
        preds = per_output(y_pred, self.output_names, self.owner, "the predictions")
        weights = per_output(sample_weight, self.output_names, self.owner, "sample_weight") \
            if isinstance(sample_weight, (list, tuple, dict)) else [sample_weight] * n
        total, trackers = 0.0, iter(self.metrics)
        for fn, w, yi, pi, swi in zip(self.losses, self.weights, ys, preds, weights):
            if fn is None:
                continue
            value = call_loss(fn, yi, pi, swi)
            next(trackers).update_state(value, sample_weight=len(pi))
            total = total + value * w
        return total


def per_output(y, names, owner, what):
    """``y`` (a list in output order, or a dict keyed by output name) as a list in output order."""
    if isinstance(y, dict):
        return _by_output(y, names, owner, what, required=True)
    ys = list(y) if isinstance(y, (list, tuple)) else [y]
    if len(ys) != len(names):
        raise ValueError(f"{owner}: the model has {len(names)} outputs ({', '.join(names)}) but {what} holds "
                         f"{len(ys)} arrays; pass a list with one array per output, or a dict keyed by "
                         "output name")
    return ys


def _by_output(values, names, owner, what, required=False):
    """A dict keyed by output name as a list in output order (``None`` for a name it leaves out)."""
    names = names or []
    unknown = sorted(set(values) - set(names))
    missing = [n for n in names if n not in values]
    if unknown or (required and missing):
        raise KeyError(f"{owner}: {what} is keyed by {sorted(values)}, but the model's outputs are named "
                       f"{names}; key it by those names")
    return [values.get(n) for n in names]


class CompileMetrics:
    """The compiled metrics: each a ``Metric`` object for one output, weighted or not.

    With several outputs, ``metrics`` is a dict keyed by output name, a list of lists (one
    list per output, as Keras 3 takes it), or a flat list applied to every output."""

    def __init__(self, metrics, weighted_metrics, losses, output_names=None, owner="model"):
        n = len(output_names) if output_names else 1
        self.entries = []  # (metric, output index, weighted)
        taken = set()
        for weighted, given in ((False, metrics), (True, weighted_metrics)):
            for i, per_output_metrics in enumerate(_metrics_per_output(given, output_names, owner)):
                for m in per_output_metrics:
                    if n > 1 and isinstance(m, metrics_mod.Metric):
                        m = type(m).from_config(m.get_config())  # each output keeps its own state
                    metric = metrics_mod.get(m, losses[i])
                    if n > 1:
                        metric.name = f"{output_names[i]}_{metric.name}"
                    if metric.name in taken and weighted:
                        metric.name = f"weighted_{metric.name}"
                    taken.add(metric.name)
                    self.entries.append((metric, i, weighted))
        self.output_names = output_names if n > 1 else None
        self.owner = owner

    @property
    def metrics(self):
        return [m for m, _, _ in self.entries]

    def update_state(self, y, y_pred, sample_weight=None):
        if not self.entries:
            return
        if y is None:
            raise ValueError(f"{self.owner}: compiled metrics need targets, but the batch has no y")
        names = self.output_names
        ys = per_output(y, names, self.owner, "y") if names else [y]
        preds = per_output(y_pred, names, self.owner, "the predictions") if names else [y_pred]
        weights = per_output(sample_weight, names, self.owner, "sample_weight") \
            if names and isinstance(sample_weight, (list, tuple, dict)) else [sample_weight] * len(ys)
        for metric, i, weighted in self.entries:
            metric.update_state(to_numpy(ys[i]), to_numpy(preds[i]), weights[i] if weighted else None)


def _metrics_per_output(given, names, owner):
    """One list of metrics per output from what ``compile(metrics=...)`` was given."""
    n = len(names) if names else 1
    if not given:
        return [[] for _ in range(n)]
    if isinstance(given, dict):
        if n == 1 and names is None:
            raise ValueError(f"{owner}.compile: metrics is a dict, but the model has one unnamed output; "
                             "pass a list of metrics")
        return [_as_list(m) for m in _by_output(given, names, owner, "metrics")]
    if n > 1 and len(given) == n and all(m is None or isinstance(m, (list, tuple)) for m in given):
        return [_as_list(m) for m in given]
    return [list(given) for _ in range(n)]


def _as_list(m):
    return [] if m is None else list(m) if isinstance(m, (list, tuple)) else [m]


__all__ = ["CompileLoss", "CompileMetrics", "call_loss"]
