"""BatchNormalization and LayerNormalization."""
from .. import ops as F
from .base import Layer, InputSpec


class BatchNormalization(Layer):
    """Normalizes each feature (channel, on ``axis``) with batch statistics in training and
    moving averages in inference: ``moving = momentum * moving + (1 - momentum) * batch``.

    Works for dense (N, C) and channels-last image (N, H, W, C) inputs alike.
    A frozen layer (``trainable = False``) always runs in inference mode, as in Keras.
    """

    def absorbs_rectifier(self, slope):
        """Whether ``call(x, rectify=slope)`` can apply the ReLU (slope 0) or leaky ReLU that
        follows this layer in its own op: any slope in [0, 1]."""
        return type(self).call is BatchNormalization.call and 0 <= slope <= 1

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1] (the weight of the old moving "
                             f"average), got {momentum!r}; pass e.g. momentum=0.99")
        if not epsilon >= 0:
            raise ValueError(f"BatchNormalization: epsilon must be >= 0, got {epsilon!r}; pass e.g. epsilon=1e-3")
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.center, self.scale = center, scale
        self._inits = (gamma_initializer, beta_initializer, moving_mean_initializer,
                       moving_variance_initializer)

    def build(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"BatchNormalization '{self.name}': axis={self.axis} is out of range for inputs "
                             f"of shape {tuple(input_shape)} ({len(input_shape)} axes with the batch); pass "
                             "the feature axis, e.g. axis=-1 (the channels of channels-last images)")
        axis = self.axis % len(input_shape)
        c = input_shape[axis]
        g, b, mm, mv = self._inits
        self.gamma = self.add_weight("gamma", (c,), g, trainable=self.scale)
        self.beta = self.add_weight("beta", (c,), b, trainable=self.center)
        self.moving_mean = self.add_weight("moving_mean", (c,), mm, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", (c,), mv, trainable=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: c})

    def call(self, x, training=None, rectify=None):
        """``rectify``: the slope of a ReLU (0) or leaky ReLU that follows, applied in the same op
        (a model passes it when it runs the two layers as one, see ``activation.rectifier_fusion``)."""
        if training and self.trainable:
            y, mean, var = F.batch_norm(x, self.gamma, self.beta, axis=self.axis, eps=self.epsilon,
                                        training=True, slope=rectify)
            m = self.momentum
            n = x.size // x.shape[self.axis]
            unbiased = var.data * (n / max(n - 1, 1))
            self.moving_mean.data *= m
            self.moving_mean.data += (1 - m) * mean.data
            self.moving_variance.data *= m
            self.moving_variance.data += (1 - m) * unbiased
            return y
        return F.batch_norm(x, self.gamma, self.beta, self.moving_mean.data, self.moving_variance.data,
                            axis=self.axis, eps=self.epsilon, training=False, slope=rectify)


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` (the last by default), then scales and shifts."""
    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
        if not epsilon >= 0:
            raise ValueError(f"LayerNormalization: epsilon must be >= 0, got {epsilon!r}; pass e.g. epsilon=1e-3")
        self.epsilon, self.center, self.scale = epsilon, center, scale

    def build(self, input_shape):
        shape = tuple(input_shape[a] for a in sorted(a % len(input_shape) for a in self.axis))
        self.gamma = self.add_weight("gamma", shape, "ones", trainable=self.scale)
        self.beta = self.add_weight("beta", shape, "zeros", trainable=self.center)

    def call(self, x):
        return F.layer_norm(x, self.gamma, self.beta, axes=self.axis, eps=self.epsilon)
