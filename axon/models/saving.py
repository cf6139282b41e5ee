"""Saving and loading models: one zip file holding ``axon.json`` (architecture, compile
settings, manifest) and one ``.npy`` member per weight and optimizer slot.

Writes go to a temporary file in the same folder, renamed into place when
complete, so a crash never leaves a half-written model.  Loading checks the
format and every weight's shape, and names the weight that does not fit.
"""
import io
import json
import os
import zipfile

import numpy as np

from ..autograd import no_grad
from ..io import atomic_write
from ..serialization import serialize, deserialize

FORMAT = "axon-model"
VERSION = 1


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array, order="C"), allow_pickle=False)
    return buf.getvalue()


def _write_zip(path, manifest, members):
    def write(f):
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
            z.writestr("axon.json", json.dumps(manifest, indent=1))
            for name, array in members:
                z.writestr(name, _npy(array))
    atomic_write(path, write)


def _weights_manifest(model):
    named = model.named_weights()
    return ([{"name": n, "shape": list(w.shape), "dtype": str(w.dtype)} for n, w in named],
            [(f"weights/{i:04d}.npy", w.data) for i, (n, w) in enumerate(named)])


def save_model(model, path):
    """Save ``model`` (architecture, weights, compile settings, optimizer state) to ``path``."""
    model._ensure_built("save")
    try:
        arch = serialize(model)
    except TypeError as e:
        raise TypeError(f"{model.describe()}: cannot save its architecture ({e}); use save_weights") from e
    weights, members = _weights_manifest(model)
    manifest = {"format": FORMAT, "version": VERSION, "model": arch, "weights": weights,
                "build_shapes": [[list(s), d] for s, d in (model._build_shapes or [])]}
    if model.optimizer is not None and model.compiled_loss is not None:
        args = model._compile_args
        loss = [_spec(l) for l in args["loss"]] if isinstance(args["loss"], (list, tuple)) else _spec(args["loss"])
        metrics = [_spec(m) for m in args["metrics"]]
        opt = model.optimizer
        state = opt.state_dict()
        slots = []
        for i, slot in enumerate(state["slots"]):
            names = []
            for key, value in slot.items():
                if key.startswith("_"):
                    continue  # scratch buffers
                member = f"optimizer/{i:04d}_{key}.npy"
                members.append((member, np.asarray(value)))
                names.append([key, member])
            slots.append(names)
        manifest["compile"] = {"optimizer": serialize(opt), "loss": loss, "metrics": metrics,
                               "loss_weights": args["loss_weights"],
                               "iterations": state["iterations"], "slots": slots}
    _write_zip(path, manifest, members)


def _spec(obj):
    """A loss or metric as given to compile: its name, or its config; None if it cannot be saved."""
    if isinstance(obj, str):
        return obj
    try:
        return serialize(obj)
    except TypeError:
        return None


def _open(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    try:
        z = zipfile.ZipFile(path)
        manifest = json.loads(z.read("axon.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, EOFError, OSError) as e:
        raise ValueError(f"{path!r} is not a readable Axon model file (truncated or corrupt?): {e}") from e
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path!r} is not an Axon model file (format {manifest.get('format')!r})")
    if manifest.get("version", 0) > VERSION:
        raise ValueError(f"{path!r} was written by a newer Axon (format version {manifest['version']})")
    return z, manifest


def _read(z, path, member):
    try:
        return np.lib.format.read_array(io.BytesIO(z.read(member)), allow_pickle=False)
    except (KeyError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise ValueError(f"{path!r}: member {member} is missing or corrupt: {e}") from e


def _load_weights_into(model, z, manifest, path):
    named = model.named_weights()
    saved = manifest["weights"]
    if len(saved) != len(named):
        raise ValueError(f"{path!r} holds {len(saved)} weights but {model.describe()} has {len(named)}; "
                         "the architectures differ")
    arrays = []
    for i, (spec, (name, w)) in enumerate(zip(saved, named)):
        if spec["name"].rsplit("/", 1)[-1] != name.rsplit("/", 1)[-1]:  # layer names may differ, kinds not
            raise ValueError(f"{path!r}: weight {i} is {spec['name']!r} in the file but {name!r} in "
                             f"{model.describe()}; the architectures differ")
        if tuple(spec["shape"]) != tuple(w.shape):
            raise ValueError(f"{path!r}: weight {spec['name']!r} has shape {tuple(spec['shape'])} but the "
                             f"model's {name!r} has shape {tuple(w.shape)}")
        arrays.append(_read(z, path, f"weights/{i:04d}.npy"))
    for (name, w), a in zip(named, arrays):
        if a.shape != w.shape:
            raise ValueError(f"{path!r}: weight data for {name!r} has shape {a.shape}, expected {w.shape}")
        w.data[...] = a


def load_model(path, compile=True):
    """Load a model saved with ``model.save``; it predicts identically and can continue training."""
    path = os.fspath(path)
    z, manifest = _open(path)
    with z:
        model = deserialize(manifest["model"])
        if not model.built:
            shapes = manifest.get("build_shapes") or []
            if not shapes:
                raise ValueError(f"{path!r}: the file does not say the model's input shape")
            xs = [np.zeros(tuple(s), dtype=d) for s, d in shapes]
            with no_grad():
                model(*xs, training=False)
        _load_weights_into(model, z, manifest, path)
        info = manifest.get("compile")
        losses = info["loss"] if info is not None and isinstance(info["loss"], list) else [info and info["loss"]]
        if compile and all(l is not None for l in losses):
            model.compile(optimizer=deserialize(info["optimizer"]), loss=deserialize(info["loss"]),
                          metrics=[deserialize(m) for m in info["metrics"] if m is not None],
                          loss_weights=info.get("loss_weights"))
            model.optimizer.set_params(model.parameters())
            slots = [{key: _read(z, path, member) for key, member in names} for names in info["slots"]]
            for s in slots:
                if "t" in s:
                    s["t"] = int(s["t"])
            model.optimizer.load_state_dict({"iterations": info["iterations"], "slots": slots})
    return model


def save_weights(model, path):
    """Save only the weights (the model's code must rebuild the architecture)."""
    weights, members = _weights_manifest(model)
    _write_zip(path, {"format": FORMAT, "version": VERSION, "weights": weights}, members)


def load_weights(model, path):
    path = os.fspath(path)
    z, manifest = _open(path)
    with z:
        _load_weights_into(model, z, manifest, path)
