"""Callbacks with Keras's hooks: they watch and steer ``fit``.

Hooks: ``on_train_begin/end``, ``on_epoch_begin/end``, ``on_train_batch_begin/end``,
``on_test_begin/end``, ``on_test_batch_begin/end``, ``on_predict_begin/end``,
``on_predict_batch_begin/end``.  ``logs`` are dicts of floats keyed as the
model's steps return them (``loss``, ``accuracy``, ``val_loss``, or a GAN's
``d_loss`` and ``g_loss``); ``on_predict_batch_end`` gets ``{"outputs": ...}``.
Setting ``self.model.stop_training = True`` ends ``fit`` after the current batch.
"""
from .base import Callback, CallbackList, LambdaCallback
from .loggers import History, ProgbarLogger, CSVLogger
from .monitors import EarlyStopping, ModelCheckpoint, TerminateOnNaN
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .tensorboard import TensorBoard

__all__ = ["Callback", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
           "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "TerminateOnNaN",
           "LambdaCallback", "TensorBoard"]
