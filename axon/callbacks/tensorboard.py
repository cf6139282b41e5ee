"""``TensorBoard``: Keras 3's callback that writes logs for TensorBoard (``tensorboard --logdir logs``).

What it writes, with Keras's tags, through tensorboardX's event writer (``pip install tensorboardX``):

- ``log_dir/train``: ``epoch_<name>`` for every training log of an epoch (``epoch_loss``,
  ``epoch_accuracy``, ...) at step ``epoch``, with ``epoch_learning_rate``; ``batch_<name>`` every
  ``update_freq`` batches (``"batch"`` is 1) at the global batch number (counted from 1); weight
  histograms ``<layer>/<weight>/histogram`` (and ``.../image`` with ``write_images``) every
  ``histogram_freq`` epochs; the model's conceptual graph (tag ``keras``, TensorBoard's Graphs tab)
  with ``write_graph``.
- ``log_dir/validation``: ``epoch_<name>`` for the ``val_`` logs with the prefix removed, and
  ``evaluation_<name>_vs_iterations`` at ``optimizer.iterations`` after each evaluation.
"""
import json
import os
import time

import numpy as np

from ..tensor import to_numpy
from .base import Callback


class TensorBoard(Callback):
    """Write scalars, histograms, images and the model graph for TensorBoard under ``log_dir``.

    ``update_freq``: ``"epoch"`` (epoch scalars only), ``"batch"`` or an integer N (also the batch
    logs every N batches).  ``histogram_freq``: every how many epochs to write weight histograms
    (0: never).  ``write_steps_per_second`` adds ``epoch_steps_per_second`` (and
    ``batch_steps_per_second``).  Profiling and embeddings (``profile_batch``, ``embeddings_freq``)
    are not supported."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer, "
                             f"got {update_freq!r}")
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an integer >= 0, got {histogram_freq!r}")
        if profile_batch:
            raise ValueError(f"TensorBoard: profiling is not supported (profile_batch={profile_batch!r}); "
                             "leave profile_batch=0 and use axon.profiler for per-op timings")
        if embeddings_freq or embeddings_metadata is not None:
            raise ValueError("TensorBoard: the embedding projector is not supported; leave embeddings_freq=0 "
                             "and embeddings_metadata=None")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph, self.write_images = histogram_freq, write_graph, write_images
        self.write_steps_per_second, self.update_freq = write_steps_per_second, update_freq
        self._writers = {}
        self._global_train_batch = 0

    # ----- writers, made when first needed (no empty event files)
    def _writer(self, run):
        if run not in self._writers:
            try:
                from tensorboardX import SummaryWriter
            except ImportError:
                raise ImportError("the TensorBoard callback writes its event files with tensorboardX: "
                                  "pip install tensorboardX (or pip install 'axon[tensorboard]')") from None
            self._writers[run] = SummaryWriter(logdir=os.path.join(self.log_dir, run))
        return self._writers[run]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _scalars(self, run, logs, step, prefix="", suffix="", strip=""):
        writer = self._writer(run)
        for name, value in logs.items():
            if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                writer.add_scalar(f"{prefix}{name[len(strip):]}{suffix}", float(value), step)

    # ----- hooks
    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        if self.write_graph:
            self._write_graph()

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = time.perf_counter()
            self._epoch_start_iterations = self._iterations()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        step = self._global_train_batch
        self._scalars("train", logs or {}, step, prefix="batch_")
        if self.write_steps_per_second:
            self._writer("train").add_scalar("batch_steps_per_second",
                                             1.0 / (time.perf_counter() - self._batch_start), step)

    def on_test_end(self, logs=None):
        iterations = self._iterations()
        if iterations is not None and logs:
            self._scalars("validation", logs, iterations, prefix="evaluation_", suffix="_vs_iterations")
            self._writer("validation").flush()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if isinstance(getattr(optimizer, "learning_rate", None), float):
            train["learning_rate"] = optimizer.learning_rate
        if self.write_steps_per_second and self._iterations() is not None:
            took = time.perf_counter() - self._epoch_start
            train["steps_per_second"] = (self._iterations() - self._epoch_start_iterations) / took
        self._scalars("train", train, epoch, prefix="epoch_")
        val = {k: v for k, v in logs.items() if k.startswith("val_")}
        if val:
            self._scalars("validation", val, epoch, prefix="epoch_", strip="val_")
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        return getattr(optimizer, "iterations", None)

    # ----- weights
    def _write_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.name.replace(":", "_")
                values = to_numpy(weight)
                writer.add_histogram(f"{name}/histogram", values, epoch)
                image = _weight_image(values) if self.write_images else None
                if image is not None:
                    writer.add_images(f"{name}/image", image, epoch, dataformats="NHWC")

    # ----- the conceptual graph
    def _write_graph(self):
        from ..models.functional_model import Functional
        from ..models.sequential import Sequential
        if not isinstance(self.model, (Functional, Sequential)):
            return   # as Keras: only Sequential and functional models have a graph to draw
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        text = json.dumps(_keras_config(self.model))
        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model",
                                                                          content=b"1"))
        tensor = TensorProto(dtype="DT_STRING", string_val=[text.encode("utf-8")])
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        writer = self._writer("train")
        writer._get_file_writer().add_summary(summary, 0)
        writer.flush()


def _weight_image(w):
    """A weight as a batch of NHWC images, as Keras draws it: a bias as one column, a matrix with its
    longer side across, a 3-D kernel (channels last) as one image per output channel; None for
    shapes it cannot draw."""
    w = np.squeeze(w)
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        w = (w.T if w.shape[0] > w.shape[1] else w)[None, :, :, None]
    elif w.ndim == 3:
        w = np.transpose(w, (2, 0, 1))[..., None]
    return w if w.ndim == 4 and w.shape[-1] in (1, 3, 4) else None


def _keras_config(model):
    """The model in the JSON form of Keras 3's ``model.to_json()`` as far as TensorBoard's graph
    plugin reads it: class names, layer names, dtypes and, in functional models, each call's
    inbound tensors as ``keras_history`` ``[layer name, node index, tensor index]``."""
    from ..models.functional_model import Functional
    from ..models.sequential import Sequential
    from ..utils.model_plot import layer_calls
    functional = isinstance(model, Functional)
    layers = []
    for layer, calls in layer_calls(model):
        if isinstance(layer, (Functional, Sequential)):
            entry = _keras_config(layer)
        else:
            config = {"name": layer.name}
            if layer.dtype is not None:
                config["dtype"] = np.dtype(layer.dtype).name
            entry = {"class_name": type(layer).__name__, "config": config}
        if functional:
            entry["inbound_nodes"] = [{"args": [[{"class_name": "__keras_tensor__", "config": {
                "keras_history": [source.name, 0, index]}} for source, index in call]]} for call in calls]
        layers.append(entry)
    config = {"name": model.name, "layers": layers}
    if functional:
        config["input_layers"] = [[t.input_layer.name, 0, 0] for t in model._inputs]
        config["output_layers"] = [[(t.input_layer if t.layer is None else t.layer).name, 0, t.index or 0]
                                   for t in model._outputs]
    return {"class_name": "Functional" if functional else "Sequential", "config": config}
