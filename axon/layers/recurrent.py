"""Recurrent layers with Keras names and arguments: SimpleRNN, LSTM, GRU.

Each layer runs the whole sequence as one op (``axon.ops.simple_rnn``, ``lstm``, ``gru``): one
matrix product for every step's input projection, one per step for all gates,
and backpropagation through time inside that op's backward.

Input (N, T, D).  Output (N, H) (the last output) or (N, T, H) with
``return_sequences=True``; with ``return_state=True`` a list
``[output, h_T]`` (``[output, h_T, c_T]`` for the LSTM).  ``initial_state``
is a tensor or a list of tensors (N, H) passed at call time.

Masks: a mask (N, T) arriving with the input (from ``Embedding(mask_zero=True)``
or ``Masking``) or passed as ``mask=`` makes masked steps carry the state over
unchanged; the output at a masked step is the previous output (zeros before
the first real step), as in Keras, or zeros with ``zero_output_for_mask=True``.
``return_sequences=True`` passes the mask on to the next layer.

Dropout (Keras semantics, Gal and Ghahramani): ``dropout`` drops input
features and ``recurrent_dropout`` drops state units, each with one mask per
sequence shared by all time steps and gates, in training only.

>>> import axon, numpy as np
>>> from axon.layers import LSTM
>>> out, h, c = LSTM(4, return_state=True)(np.ones((2, 5, 3), "float32"))
>>> out.shape, h.shape, c.shape
((2, 4), (2, 4), (2, 4))
>>> LSTM(4, return_sequences=True)(np.ones((2, 5, 3), "float32")).shape
(2, 5, 4)
"""
import numpy as np

from .. import backend
from .. import ops as R
from ..tensor import Tensor, to_numpy
from .. import initializers
from .base import Layer, InputSpec


class _RNNBase(Layer):
    """What SimpleRNN, LSTM and GRU share: weights, states, masks, dropout."""
    supports_masking = True
    _gates = 1
    _n_states = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"{type(self).__name__}: units must be a positive integer (the state size), "
                             f"got {units!r}; pass e.g. {type(self).__name__}(64)")
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0 <= rate < 1:
                raise ValueError(f"{type(self).__name__}: {arg} must be in [0, 1), the fraction to drop, "
                                 f"got {rate!r}; pass e.g. {arg}=0.2")
        if stateful:
            raise ValueError(f"{type(self).__name__}: stateful=True is not supported; pass the final "
                             "states back as initial_state instead")
        self.units = int(units)
        self.activation, self.recurrent_activation = activation or "linear", recurrent_activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards
        self.zero_output_for_mask = zero_output_for_mask

    # ----- weights
    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.describe()}: expected input (batch, timesteps, features), "
                             f"got shape {tuple(input_shape)}; give each sample a time axis, e.g. "
                             "x[..., None] for one feature per step, or Reshape((timesteps, features))")
        d, g = input_shape[-1], self._gates * self.units
        self.kernel = self.add_weight("kernel", (d, g), self.kernel_initializer, self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, g),
                                                self.recurrent_initializer, self.recurrent_regularizer)
        self.bias = self.add_weight("bias", self._bias_shape(), self._bias_init(),
                                    self.bias_regularizer) if self.use_bias else None
        self.input_spec = InputSpec(ndim=3, axes={-1: d})

    # ----- calling
    def _states(self, initial_state, n):
        if initial_state is None:
            return [None] * self._n_states
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != self._n_states:
            raise ValueError(f"{self.describe()}: initial_state needs {self._n_states} tensor(s) "
                             f"(batch, {self.units}), got {len(states)}")
        out = []
        for s in states:
            s = s if isinstance(s, Tensor) else Tensor(np.asarray(s, dtype=self.dtype))
            if tuple(s.shape) != (n, self.units):
                raise ValueError(f"{self.describe()}: initial state must have shape ({n}, {self.units}), "
                                 f"got {tuple(s.shape)}")
            out.append(s)
        return out

    def _dropout_masks(self, x, training):
        """Inputs with dropout applied, and the recurrent-dropout mask (or None)."""
        n, _, d = x.shape
        rec_mask = None
        if training and self.dropout > 0:
            keep = backend.rng().random((n, 1, d)) >= self.dropout
            x = x * Tensor((keep / (1 - self.dropout)).astype(x.dtype))
        if training and self.recurrent_dropout > 0:
            keep = backend.rng().random((n, self.units)) >= self.recurrent_dropout
            rec_mask = (keep / (1 - self.recurrent_dropout)).astype(x.dtype)
        return x, rec_mask

    def call(self, inputs, mask=None, training=None, initial_state=None):
        x = inputs
        states = self._states(initial_state, x.shape[0])
        x, rec_mask = self._dropout_masks(x, training)
        m = None
        if mask is not None:
            m = to_numpy(mask, dtype=bool)
            if m.shape != tuple(x.shape[:2]):
                raise ValueError(f"{self.describe()}: mask must have shape (batch, timesteps) = "
                                 f"{tuple(x.shape[:2])}, got {m.shape}")
            if m.all():
                m = None
        outs = self._run(x, states, m, rec_mask)
        return list(outs) if self.return_state else outs[0]

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def _common(self):
        return dict(go_backwards=self.go_backwards, return_sequences=self.return_sequences,
                    zero_output_for_mask=self.zero_output_for_mask)


class SimpleRNN(_RNNBase):
    """Fully connected recurrence ``h_t = activation(x_t W + h_{t-1} U + b)``."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(units, activation, None, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         dropout, recurrent_dropout, return_sequences, return_state, go_backwards,
                         stateful, unroll, zero_output_for_mask, **kwargs)

    def _run(self, x, states, mask, rec_mask):
        return R.simple_rnn(x, self.kernel, self.recurrent_kernel, self.bias, states, mask, rec_mask,
                            activation=self.activation, **self._common())


class LSTM(_RNNBase):
    """Long short-term memory (Hochreiter and Schmidhuber, 1997), Keras gate order i, f, c, o.

    ``unit_forget_bias=True`` starts the forget-gate biases at one (Jozefowicz et al., 2015).
    States: ``[h, c]``.
    """
    _gates = 4
    _n_states = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, dropout, recurrent_dropout,
                         return_sequences, return_state, go_backwards, stateful, unroll,
                         zero_output_for_mask, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, h = initializers.get(self.bias_initializer), self.units

        def forget_ones(shape, dtype=None):
            b = np.asarray(init((h,), dtype))
            return np.concatenate([b, np.ones((h,), b.dtype), np.asarray(init((2 * h,), dtype))])
        return forget_ones

    def _run(self, x, states, mask, rec_mask):
        return R.lstm(x, self.kernel, self.recurrent_kernel, self.bias, states, mask, rec_mask,
                      activation=self.activation, recurrent_activation=self.recurrent_activation,
                      **self._common())


class GRU(_RNNBase):
    """Gated recurrent unit (Cho et al., 2014), Keras gate order z, r, h.

    ``reset_after=True`` (default, as Keras 2/3, CuDNN and PyTorch) applies the
    reset gate after the recurrent product and has a bias of shape (2, 3*units):
    input bias and recurrent bias.  ``reset_after=False`` is the original form
    with one bias (3*units,).
    """
    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 reset_after=True, zero_output_for_mask=False, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, dropout, recurrent_dropout,
                         return_sequences, return_state, go_backwards, stateful, unroll,
                         zero_output_for_mask, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self):
        g = 3 * self.units
        return (2, g) if self.reset_after else (g,)

    def _run(self, x, states, mask, rec_mask):
        return R.gru(x, self.kernel, self.recurrent_kernel, self.bias, states, mask, rec_mask,
                     activation=self.activation, recurrent_activation=self.recurrent_activation,
                     reset_after=self.reset_after, **self._common())
