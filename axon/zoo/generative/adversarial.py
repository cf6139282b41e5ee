"""Adversarial examples: inputs changed by a small, deliberately chosen perturbation that a
classifier gets wrong.  The lecture's point (Goodfellow, Shlens and Szegedy, 2015) is that networks
are close to linear in their inputs, so a step of size ε along the sign of the input gradient adds
up over every pixel and changes the output a lot; the fast gradient sign method (FGSM) takes one
such step, projected gradient descent (PGD, Madry et al., 2018) takes several inside the ε-ball,
and adversarial training fits the network on such examples so that it resists them.

>>> import numpy as np, axon
>>> model = axon.Sequential([axon.Input(shape=(4,)), axon.layers.Dense(3, activation="softmax")])
>>> x, y = np.full((2, 4), 0.5, "float32"), np.array([0, 2])
>>> x_adv = fgsm(model, x, y, epsilon=0.1)
>>> x_adv.shape, bool(np.all(np.abs(x_adv - x) <= 0.1 + 1e-6))
((2, 4), True)
>>> sorted(robust_accuracy(model, x, y, [0.0, 0.1]))
[0.0, 0.1]
"""
import math

import numpy as np

from ... import backend
from ...autograd import grad, no_grad
from ...data.batches import unpack_x_y_sample_weight
from ...losses import SparseCategoricalCrossentropy, get as get_loss
from ...metrics import Mean
from ...models import Model
from ...models.compile_utils import call_loss
from ...tensor import Tensor, to_numpy
from ..registry import register

ATTACKS = ("fgsm", "pgd")


# ----- checks at the boundary
def _batch(fn, x, y):
    """``x`` as a float array (N, ...) and ``y`` as an array of N targets, or a ValueError."""
    x = to_numpy(x)
    if x.dtype.kind != "f":
        x = x.astype(backend.floatx())
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"{fn}: x must be a non-empty batch (N, ...) of inputs, got shape {x.shape}; "
                         "add the batch axis, e.g. x[None]")
    if y is None:
        raise ValueError(f"{fn}: the attack needs the labels y of the inputs (the loss climbs away from "
                         "them); pass y, or yield (x, y) batches")
    y = to_numpy(y)
    if y.ndim == 0 or len(y) != len(x):
        raise ValueError(f"{fn}: y must hold one target per input, {len(x)}, got shape {y.shape}")
    return x, y


def _epsilon(fn, epsilon, name="epsilon"):
    if not isinstance(epsilon, (int, float, np.number)) or not math.isfinite(epsilon) or epsilon < 0:
        raise ValueError(f"{fn}: {name} must be a finite number >= 0 (the L-infinity size of the "
                         f"perturbation, in input units), got {epsilon!r}")
    return float(epsilon)


def _clip(fn, clip, x):
    """``clip`` as (low, high) or None; the inputs must already lie in it."""
    if clip is None:
        return None
    if len(clip) != 2 or not clip[0] < clip[1]:
        raise ValueError(f"{fn}: clip must be (low, high) with low < high, or None, got {clip!r}")
    low, high = float(clip[0]), float(clip[1])
    if x.min() < low or x.max() > high:
        raise ValueError(f"{fn}: inputs must lie in the clip range [{low:g}, {high:g}], got min {x.min():.4g}, "
                         f"max {x.max():.4g}; scale the images (x / 255), or pass the inputs' range as clip= "
                         "(None for no clipping)")
    return low, high


def _loss_of(model, loss):
    """The loss an attack climbs: ``loss`` (a name, a ``Loss`` or a function ``(y_true, y_pred)``),
    else the model's compiled loss, else sparse categorical cross-entropy."""
    if loss is not None:
        return get_loss(loss) if isinstance(loss, str) else loss
    compiled = getattr(model, "_compile_loss", None)
    return compiled if compiled is not None else SparseCategoricalCrossentropy()


# ----- the attacks
def input_gradient(model, x, y, loss=None):
    """The gradient of the loss with respect to the input batch: an array shaped as ``x``.

    ``model`` runs in inference mode (``training=False``): dropout is off and batch normalization
    uses its moving statistics, so the gradient is that of the function ``predict`` computes and
    the model's state is untouched.  ``loss``: a name, a ``Loss`` or ``fn(y_true, y_pred)``; by
    default the model's compiled loss, else sparse categorical cross-entropy (on the logits of
    a softmax output, so confident predictions keep a usable gradient).  The gradient is that
    of the scalar the loss returns (for the Keras losses, the mean over the batch)."""
    x, y = _batch("input_gradient", x, y)
    fn = _loss_of(model, loss)
    inputs = Tensor(x, requires_grad=True)
    value = call_loss(fn, y, model(inputs, training=False))
    (g,) = grad(value, [inputs])
    return np.zeros_like(x) if g is None else np.asarray(g, dtype=x.dtype)


def fgsm(model, x, y, epsilon, loss=None, clip=(0.0, 1.0)):
    """The fast gradient sign method (Goodfellow et al., 2015): ``x + epsilon * sign(grad_x loss)``,
    clipped to ``clip`` (the valid input range, default [0, 1]; None for none).

    ``x``: inputs (N, ...), in ``clip``; ``y``: their labels (class indices for the default loss);
    ``epsilon``: the L-infinity size of the step, in input units (0.1 is a tenth of the [0, 1]
    range).  Returns the adversarial inputs, shaped and typed as ``x``; an input whose gradient
    is exactly zero in a component is not moved there."""
    epsilon = _epsilon("fgsm", epsilon)
    x, y = _batch("fgsm", x, y)
    bounds = _clip("fgsm", clip, x)
    if epsilon == 0:
        return x.copy()
    return _step(x, np.sign(input_gradient(model, x, y, loss)), epsilon, bounds)


def _step(x, sign, epsilon, bounds):
    """``x + epsilon * sign``, clipped to ``bounds`` (or not, for None)."""
    x_adv = x + x.dtype.type(epsilon) * sign
    return x_adv if bounds is None else np.clip(x_adv, *bounds, out=x_adv)


def pgd(model, x, y, epsilon, step_size=None, steps=10, random_start=True, loss=None, clip=(0.0, 1.0), seed=None):
    """Projected gradient descent on the negative loss in the L-infinity ball (Madry et al., 2018):
    from a uniform random point of the ball (``random_start``) or from ``x``, ``steps`` steps of
    ``step_size * sign(grad)`` (default ``2.5 * epsilon / steps``), each projected back into the
    ε-ball around ``x`` and into ``clip``.  ``seed`` seeds the random start (default: Axon's
    shared generator).  Arguments and result as ``fgsm``; every result lies within ``epsilon``
    of ``x`` in every component."""
    epsilon = _epsilon("pgd", epsilon)
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"pgd: steps must be a whole number >= 1, got {steps!r}")
    step_size = 2.5 * epsilon / steps if step_size is None else _epsilon("pgd", step_size, "step_size")
    x, y = _batch("pgd", x, y)
    bounds = _clip("pgd", clip, x)
    if epsilon == 0:
        return x.copy()
    eps, step = x.dtype.type(epsilon), x.dtype.type(step_size)
    low, high = x - eps, x + eps
    if bounds is not None:
        np.clip(low, *bounds, out=low)
        np.clip(high, *bounds, out=high)
    if random_start:
        rng = np.random.default_rng(seed) if seed is not None else backend.rng()
        x_adv = np.clip(x + rng.uniform(-epsilon, epsilon, x.shape).astype(x.dtype), low, high)
    else:
        x_adv = x.copy()
    for _ in range(steps):
        x_adv += step * np.sign(input_gradient(model, x_adv, y, loss))
        np.clip(x_adv, low, high, out=x_adv)
    return x_adv


#: the attacks by name
ATTACK_FUNCTIONS = {"fgsm": fgsm, "pgd": pgd}


def _labels(y):
    """Class indices of targets given as indices (N,), (N, 1) or one-hot (N, C)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(len(y)).astype(np.int64)


def robust_accuracy(model, x, y, epsilons, attack="fgsm", batch_size=256, **options):
    """``{epsilon: accuracy}``: the fraction of ``x`` the model still classifies as ``y`` after the
    attack ("fgsm" or "pgd", with its ``options``: ``loss``, ``clip``, ``steps``, ``seed``...) at
    each epsilon (0 gives the clean accuracy), attacking ``batch_size`` inputs at a time."""
    if attack not in ATTACKS:
        raise ValueError(f"robust_accuracy: attack must be one of {', '.join(ATTACKS)}, got {attack!r}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"robust_accuracy: batch_size must be a whole number >= 1, got {batch_size!r}")
    x, y = _batch("robust_accuracy", x, y)
    epsilons = [_epsilon("robust_accuracy", e) for e in np.atleast_1d(epsilons).tolist()]
    labels = _labels(y)
    correct = dict.fromkeys(epsilons, 0)
    one_gradient = attack == "fgsm" and set(options) <= {"loss", "clip"}
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        if one_gradient and max(epsilons) > 0:  # FGSM steps along one gradient sign, whatever epsilon
            bounds = _clip("robust_accuracy", options.get("clip", (0.0, 1.0)), xb)
            sign = np.sign(input_gradient(model, xb, yb, options.get("loss")))
        for eps in epsilons:
            if eps == 0:
                xa = xb
            elif one_gradient:
                xa = _step(xb, sign, eps, bounds)
            else:
                xa = ATTACK_FUNCTIONS[attack](model, xb, yb, eps, **options)
            with no_grad():
                pred = to_numpy(model(xa, training=False)).argmax(axis=1)
            correct[eps] += int(np.sum(pred == labels[start:start + batch_size]))
    return {eps: correct[eps] / len(x) for eps in epsilons}


# ----- adversarial training
class AdversarialTraining(Model):
    """A classifier trained on adversarial examples of its own making: ``fit`` this wrapper and
    ``model`` (the wrapped classifier, also ``.classifier``) learns.

    Each training step attacks the batch with ``attack`` ("fgsm" or "pgd", with ``steps`` for
    PGD) at ``epsilon`` against the current weights (in inference mode), then takes one
    optimizer step on ``(1 - ratio) * loss(clean) + ratio * loss(adversarial)`` -- Goodfellow et
    al.'s objective, ratio 0.5; ``ratio=1`` trains on adversarial examples only, as Madry et al.
    The clean and adversarial halves go through the network as one batch (batch normalization
    sees both).  Logs: ``loss`` (the mixed objective), the compiled metrics on the clean inputs
    (on the adversarial ones when ``ratio=1``) and ``adv_accuracy``.  Validation and ``evaluate``
    measure clean inputs.  A wrapper (rather than a function) so that ``fit`` gives progress,
    callbacks, history and saving; ``compile`` takes the usual arguments, the loss defaulting to
    sparse categorical cross-entropy.

    >>> import numpy as np, axon
    >>> net = axon.Sequential([axon.Input(shape=(2,)), axon.layers.Dense(2, activation="softmax")])
    >>> robust = AdversarialTraining(net, epsilon=0.1)
    >>> robust.compile(optimizer="adam", metrics=["accuracy"])
    >>> x = np.random.default_rng(0).random((32, 2)).astype("float32")
    >>> sorted(robust.fit(x, (x[:, 0] > 0.5).astype(int), epochs=1, verbose=0).history)
    ['accuracy', 'adv_accuracy', 'loss']
    """

    def __init__(self, model, epsilon=0.1, attack="fgsm", ratio=0.5, steps=7, clip=(0.0, 1.0), seed=None,
                 name=None):
        super().__init__(name=name or "adversarial_training")
        if not isinstance(model, Model):
            raise ValueError(f"AdversarialTraining: model must be an axon Model (a classifier), got "
                             f"{type(model).__name__}")
        if attack not in ATTACKS:
            raise ValueError(f"AdversarialTraining: attack must be one of {', '.join(ATTACKS)}, got {attack!r}")
        if not isinstance(ratio, (int, float)) or not 0 < ratio <= 1:
            raise ValueError(f"AdversarialTraining: ratio (the adversarial share of the loss) must lie in "
                             f"(0, 1], got {ratio!r}; 0.5 is Goodfellow et al.'s, 1 Madry et al.'s")
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"AdversarialTraining: steps must be a whole number >= 1, got {steps!r}")
        if clip is not None and (len(clip) != 2 or not clip[0] < clip[1]):
            raise ValueError(f"AdversarialTraining: clip must be (low, high) with low < high, or None, got {clip!r}")
        self.classifier = model
        self.epsilon = _epsilon("AdversarialTraining", epsilon)
        self.attack, self.ratio, self.steps = attack, float(ratio), steps
        self.clip = None if clip is None else (float(clip[0]), float(clip[1]))
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.adv_accuracy = Mean("adv_accuracy")
        if getattr(model, "_build_shapes", None):
            self._build_shapes = model._build_shapes

    def call(self, x, training=False):
        return self.classifier(x, training=training)

    def compile(self, optimizer="adam", loss=None, loss_weights=None, metrics=None, weighted_metrics=None):
        """As ``Model.compile``; ``loss`` defaults to sparse categorical cross-entropy."""
        super().compile(optimizer=optimizer, loss="sparse_categorical_crossentropy" if loss is None else loss,
                        loss_weights=loss_weights, metrics=metrics, weighted_metrics=weighted_metrics)

    def adversarial_examples(self, x, y):
        """The step's attack on the batch ``x`` with labels ``y``, against the current weights."""
        options = dict(loss=self._compile_loss, clip=self.clip)
        if self.attack == "pgd":
            seed = None if self._rng is None else int(self._rng.integers(2 ** 31))
            options.update(steps=self.steps, seed=seed)
        return ATTACK_FUNCTIONS[self.attack](self.classifier, x, y, self.epsilon, **options)

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        x, y = _batch(f"{self.describe()}.fit", x, y)
        n = len(x)
        x_adv = self.adversarial_examples(x, y)
        weight = np.ones(n, x.dtype) if sample_weight is None else to_numpy(sample_weight).astype(x.dtype)
        if self.ratio == 1:
            inputs, targets, weights = x_adv, y, weight
        else:
            inputs, targets = np.concatenate([x, x_adv]), np.concatenate([y, y])
            weights = np.concatenate([2 * (1 - self.ratio) * weight, 2 * self.ratio * weight])
        y_pred = self(inputs, training=True)
        loss = self._compute_loss(inputs, targets, y_pred, weights, training=True)
        self._loss_tracker.update_state(loss, sample_weight=n)
        trained = self.trainable_weights
        self.optimizer.apply(grad(loss, trained), trained)
        out = to_numpy(y_pred)
        clean = out if self.ratio == 1 else out[:n]
        self.adv_accuracy.update_state(np.mean(out[-n:].argmax(axis=1) == _labels(y)), sample_weight=n)
        return self.compute_metrics(x, y, clean, sample_weight)


register("adversarial_training", AdversarialTraining)
