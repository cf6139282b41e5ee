"""The callback protocol: ``Callback`` with Keras's hooks, ``CallbackList`` that fires them,
and ``LambdaCallback`` that makes a callback from functions."""


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Calls each hook on every callback in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = [callbacks] if isinstance(callbacks, Callback) else list(callbacks)
        for c in self.callbacks:
            if not isinstance(c, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {c!r} "
                                f"({type(c).__name__}); for a plain function use "
                                "LambdaCallback(on_epoch_end=lambda epoch, logs: ...)")
            c.set_model(model)
            c.set_params(params)

    def __getattr__(self, hook):
        def call(*args, **kwargs):
            for c in self.callbacks:
                getattr(c, hook)(*args, **kwargs)
        return call


class LambdaCallback(Callback):
    """A callback from functions: ``on_epoch_end=lambda epoch, logs: ...`` and so on."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, _with_logs(fn, 1 if "epoch" in name or "batch" in name else 0))


def _with_logs(fn, n_args):
    """``fn`` called as Keras calls LambdaCallback hooks: ``(epoch or batch, logs)`` or ``(logs)``,
    with ``{}`` where ``fit`` passes no logs."""
    def hook(*args, logs=None):
        if len(args) > n_args:
            args, logs = args[:n_args], args[n_args]
        return fn(*args, {} if logs is None else logs)
    return hook
