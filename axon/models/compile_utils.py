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
    return losses_mod.Loss.reduce(out, sample_weight)


class CompileLoss:
    """The total loss of a model's outputs: ``sum_i weight_i * loss_i(y_i, y_pred_i, sample_weight)``."""

    def __init__(self, loss, loss_weights=None, output_names=None, owner="model"):
        n = len(output_names) if output_names else 1
        per_output = list(loss) if isinstance(loss, (list, tuple)) else [loss] * n
        if len(per_output) != n:
            raise ValueError(f"{owner}.compile: got {len(per_output)} losses for {n} outputs")
        if loss_weights is not None and len(loss_weights) != n:
            raise ValueError(f"{owner}.compile: got {len(loss_weights)} loss_weights for {n} outputs")
        self.specs = per_output
        self.losses = [losses_mod.get(l) for l in per_output]
        self.weights = [float(w) for w in loss_weights] if loss_weights is not None else [1.0] * n
        self.output_names = output_names
        self.owner = owner

    def __call__(self, y, y_pred, sample_weight=None):
        if self.output_names is None:
            return call_loss(self.losses[0], y, y_pred, sample_weight)
        ys = _per_output(y, len(self.losses), self.owner, "y")
        weights = sample_weight if isinstance(sample_weight, (list, tuple)) else [sample_weight] * len(ys)
        total = 0.0
        for fn, w, yi, pi, swi in zip(self.losses, self.weights, ys, y_pred, weights):
            total = total + call_loss(fn, yi, pi, swi) * w
        return total


def _per_output(y, n, owner, what):
    ys = list(y) if isinstance(y, (list, tuple)) else [y]
    if len(ys) != n:
        raise ValueError(f"{owner}: the model has {n} outputs but {what} holds {len(ys)} arrays; pass a "
                         "list with one array per output")
    return ys


class CompileMetrics:
    """The compiled metrics: each a ``Metric`` object for one output, weighted or not."""

    def __init__(self, metrics, weighted_metrics, losses, output_names=None, owner="model"):
        n = len(output_names) if output_names else 1
        self.entries = []  # (metric, output index, weighted)
        taken = set()
        for weighted, given in ((False, metrics or []), (True, weighted_metrics or [])):
            for i in range(n):
                for m in given:
                    if n > 1 and isinstance(m, metrics_mod.Metric):
                        m = type(m).from_config(m.get_config())  # each output keeps its own state
                    metric = metrics_mod.get(m, losses[i])
                    if n > 1:
                        metric.name = f"{output_names[i]}_{metric.name}"
                    if metric.name in taken and weighted:
                        metric.name = f"weighted_{metric.name}"
                    taken.add(metric.name)
                    self.entries.append((metric, i, weighted))
        self.multi = n > 1
        self.owner = owner

    @property
    def metrics(self):
        return [m for m, _, _ in self.entries]

    def update_state(self, y, y_pred, sample_weight=None):
        if not self.entries:
            return
        if y is None:
            raise ValueError(f"{self.owner}: compiled metrics need targets, but the batch has no y")
        n = len(y_pred) if self.multi else 1
        ys = _per_output(y, n, self.owner, "y") if self.multi else [y]
        preds = list(y_pred) if self.multi else [y_pred]
        weights = sample_weight if isinstance(sample_weight, (list, tuple)) else [sample_weight] * n
        for metric, i, weighted in self.entries:
            metric.update_state(to_numpy(ys[i]), to_numpy(preds[i]), weights[i] if weighted else None)


__all__ = ["CompileLoss", "CompileMetrics", "call_loss"]
