"""Layer wrappers: ``Bidirectional`` (a recurrent layer run both ways) and ``TimeDistributed``.

>>> import axon, numpy as np
>>> from axon.layers import Bidirectional, LSTM, TimeDistributed, Dense
>>> x = np.ones((2, 5, 3), "float32")
>>> Bidirectional(LSTM(4, return_sequences=True))(x).shape
(2, 5, 8)
>>> TimeDistributed(Dense(6))(x).shape
(2, 5, 6)
"""
from .. import ops as F
from .base import Layer

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Runs ``layer`` forwards and a copy of it backwards (``go_backwards`` flipped), then merges.

    ``merge_mode``: ``"concat"`` (default, features side by side), ``"sum"``,
    ``"mul"``, ``"ave"`` or ``None`` (a list of both outputs).  The backward
    output sequence is turned back into forward time order before merging.
    ``backward_layer`` may be given explicitly (its ``go_backwards`` must be
    the opposite of ``layer``'s).  With ``return_state=True`` the result is
    ``[output, *forward_states, *backward_states]``; ``initial_state`` takes
    the forward states then the backward ones.  As Keras, both layers output
    zeros at masked steps when they return sequences.
    """
    supports_masking = True

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {_MERGE_MODES}, got {merge_mode!r}")
        if not hasattr(layer, "go_backwards") or not hasattr(layer, "return_sequences"):
            raise ValueError(f"Bidirectional: expected a recurrent layer (SimpleRNN, LSTM, GRU), "
                             f"got {type(layer).__name__}")
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = not layer.go_backwards
            config["name"] = "backward_" + layer.name
            backward_layer = type(layer).from_config(config)
        if backward_layer.go_backwards == layer.go_backwards:
            raise ValueError("Bidirectional: backward_layer must have go_backwards opposite to layer's")
        for attr in ("return_sequences", "return_state"):
            if getattr(backward_layer, attr) != getattr(layer, attr):
                raise ValueError(f"Bidirectional: layer and backward_layer differ in {attr}")
        self.merge_mode = merge_mode
        self.forward_layer, self.backward_layer = layer, backward_layer
        if self._batch_input_shape is None:      # Bidirectional(LSTM(8, input_shape=...)) as first layer
            self._batch_input_shape = layer._batch_input_shape
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        if self.return_sequences:
            layer.zero_output_for_mask = backward_layer.zero_output_for_mask = True

    def call(self, inputs, mask=None, training=None, initial_state=None):
        f_state = b_state = None
        if initial_state is not None:
            states = list(initial_state)
            if len(states) % 2:
                raise ValueError(f"{self.describe()}: initial_state needs the forward layer's states "
                                 f"then the backward layer's, got {len(states)} tensors")
            f_state, b_state = states[:len(states) // 2], states[len(states) // 2:]
        y_f = self.forward_layer(inputs, mask=mask, training=training, initial_state=f_state)
        y_b = self.backward_layer(inputs, mask=mask, training=training, initial_state=b_state)
        states = []
        if self.return_state:
            y_f, states_f = y_f[0], list(y_f[1:])
            y_b, states_b = y_b[0], list(y_b[1:])
            states = states_f + states_b
        if self.return_sequences:
            y_b = F.getitem(y_b, (slice(None), slice(None, None, -1)))
        if self.merge_mode == "concat":
            out = F.concat([y_f, y_b], axis=-1)
        elif self.merge_mode == "sum":
            out = y_f + y_b
        elif self.merge_mode == "mul":
            out = y_f * y_b
        elif self.merge_mode == "ave":
            out = (y_f + y_b) * 0.5
        else:
            out = [y_f, y_b]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None


class TimeDistributed(Layer):
    """Applies ``layer`` to every time step: (N, T, ...) -> (N, T, ...'), as one call on (N*T, ...)."""
    supports_masking = True

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: expected a layer, got {type(layer).__name__}")
        self.layer = layer

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"{self.describe()}: expected input (batch, timesteps, ...), "
                             f"got shape {tuple(input_shape)}")

    def call(self, inputs, training=None):
        n, t = inputs.shape[:2]
        y = self.layer(F.reshape(inputs, (n * t,) + tuple(inputs.shape[2:])), training=training)
        return F.reshape(y, (n, t) + tuple(y.shape[1:]))
