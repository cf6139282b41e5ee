"""Saving and loading models: one zip file holding ``axon.json`` (architecture, compile
settings, manifest) and one ``.npy`` member per weight and optimizer slot.

Writes go to a temporary file in the same folder, renamed into place when
complete, so a crash never leaves a half-written model.  Loading checks the
format and every weight's shape, and names the weight that does not fit.
"""
import io
import json
import os
import warnings
import zipfile

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..layers.input_layer import build_probe
from ..io import atomic_write
from ..serialization import serialize, deserialize, custom_object_scope

FORMAT = "axon-model"
VERSION = 2  # 2: compile() arguments and every optimizer of the model (1: one optimizer, by position)


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


def save_model(model, path, include_rng=False):
    """Save ``model`` (architecture, weights, compile settings, the state of every optimizer it
    holds) to ``path``.

    ``include_rng=True`` also stores the state of Axon's shared random generator (shuffling,
    dropout, augmentation), which ``load_model`` restores: training resumed from the file in a
    new process then draws what an uninterrupted run would, and gives bitwise the same weights.
    Layers and batch sources given their own ``seed`` keep private generators, not saved."""
    model._ensure_built("save")
    try:
        arch = serialize(model)
    except TypeError as e:
        raise TypeError(f"{model.describe()}: cannot save its architecture ({e}); use save_weights") from e
    weights, members = _weights_manifest(model)
    manifest = {"format": FORMAT, "version": VERSION, "model": arch, "weights": weights,
                "build_shapes": [[list(s), d] for s, d in (model._build_shapes or [])],
                "layer_build_shapes": _layer_build_shapes(model)}
    if model.compiled:
        try:
            manifest["compile"] = model.get_compile_config()
        except TypeError as e:
            warnings.warn(f"{model.describe()}: its compile() arguments cannot be saved ({e}); the model "
                          "will load uncompiled, so compile it again after load_model", stacklevel=3)
        index = {id(w): i for i, (_, w) in enumerate(model.named_weights())}
        manifest["optimizers"] = [_optimizer_entry(attr, opt, index, members)
                                  for attr, opt in model.optimizers_by_attribute().items()]
    if include_rng:
        manifest["rng"] = backend.get_rng_state()
    _write_zip(path, manifest, members)


def _optimizer_entry(attribute, opt, index, members):
    """The state of ``opt`` (held as ``model.<attribute>``): its variables as indices into the saved
    weights, and one member per slot array."""
    state = opt.state_dict()
    variables, slots = [], []
    for p, slot in zip(opt.variables, state["slots"]):
        if id(p) not in index:
            raise ValueError(f"{opt.name} (model.{attribute}) updates a tensor that is not a weight of the "
                             "model, so its state cannot be saved with it")
        variables.append(index[id(p)])
        names = []
        for key, value in slot.items():
            if key.startswith("_"):
                continue  # scratch buffers
            member = f"optimizers/{attribute}/{len(slots):04d}_{key}.npy"
            members.append((member, np.asarray(value)))
            names.append([key, member])
        slots.append(names)
    return {"attribute": attribute, "learning_rate": opt.get_config()["learning_rate"],
            "iterations": state["iterations"], "variables": variables, "slots": slots}


def _layer_build_shapes(model):
    """For a model that was never called as a whole (a GAN trains its parts): the input shapes its
    layers were built with, so loading can build them again."""
    if model.built:
        return []
    return [[i, [[list(s), d] for s, d in layer._build_shapes]] for i, layer in enumerate(model._flatten_layers(include_self=False))
            if layer.built and layer._build_shapes]


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


def load_model(path, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save``; it predicts identically and, compiled as it was (its
    optimizers' state included), continues training where it stopped.

    ``custom_objects`` maps the names of custom classes and functions the file uses to them
    (not needed for ones registered with ``saving.register_keras_serializable`` or defined
    before loading).  ``safe_mode`` is accepted for Keras's signature: an Axon file holds no
    code, so there is nothing unsafe to refuse.

    Building the layers draws their initial weights from a generator whose state is put back
    afterwards: loading leaves Axon's random state as it found it, or, for a file saved with
    ``include_rng=True``, sets it to the state saved."""
    path = os.fspath(path)
    z, manifest = _open(path)
    if "model" not in manifest:
        z.close()
        raise ValueError(f"load_model: {path!r} holds only weights (written by save_weights), not a model; "
                         f"build the model in code and call model.load_weights({path!r})")
    state = backend.get_rng_state()
    try:
        model = _load(z, manifest, path, custom_objects, compile)
    finally:
        backend.set_rng_state(state)
    if "rng" in manifest:
        backend.set_rng_state(manifest["rng"])
    return model


def _load(z, manifest, path, custom_objects, compile):
    """The model in the opened file ``z`` (``load_model`` without the random state)."""
    with z, custom_object_scope(custom_objects):
        model = deserialize(manifest["model"])
        _build(model, manifest, path)
        _load_weights_into(model, z, manifest, path)
        info = manifest.get("compile")
        if not compile or info is None:
            return model
        if manifest.get("version", 1) == 1:
            _compile_version_1(model, info, z, path)
            return model
        model.compile_from_config(info)
        weights = [w for _, w in model.named_weights()]
        held = model.optimizers_by_attribute()
        for entry in manifest.get("optimizers", []):
            opt = held.get(entry["attribute"])
            if opt is None:
                raise ValueError(f"{path!r}: the file holds the state of model.{entry['attribute']}, but "
                                 f"{model.describe()}'s compile() made no such optimizer")
            opt.learning_rate = deserialize(entry["learning_rate"])
            if entry["variables"]:
                opt.set_params([weights[i] for i in entry["variables"]])
            opt.load_state_dict({"iterations": entry["iterations"], "slots": _slots(z, path, entry["slots"])})
    return model


def _build(model, manifest, path):
    """Create the weights of a freshly deserialized model by running zeros of the saved shapes."""
    if model.built:
        return
    shapes = manifest.get("build_shapes") or []
    parts = manifest.get("layer_build_shapes") or []
    if not shapes and not parts:
        if hasattr(model, "_maybe_build"):
            model._maybe_build()
        if model.built:
            return
        raise ValueError(f"{path!r}: the file does not say the model's input shape")
    with no_grad():
        if shapes:
            model(*[build_probe(tuple(s), d) for s, d in shapes], training=False)
            return
        layers = model._flatten_layers(include_self=False)
        for i, layer_shapes in parts:
            if not layers[i].built:
                layers[i](*[build_probe(tuple(s), d) for s, d in layer_shapes], training=False)


def _slots(z, path, saved):
    slots = [{key: _read(z, path, member) for key, member in names} for names in saved]
    for s in slots:
        if "t" in s:
            s["t"] = int(s["t"])
    return slots


def _compile_version_1(model, info, z, path):
    """Files of format version 1: compile settings and one optimizer, its slots by parameter order."""
    losses = info["loss"] if isinstance(info["loss"], list) else [info["loss"]]
    if any(l is None for l in losses):
        return
    model.compile(optimizer=deserialize(info["optimizer"]), loss=deserialize(info["loss"]),
                  metrics=[deserialize(m) for m in info["metrics"] if m is not None],
                  loss_weights=info.get("loss_weights"))
    model.optimizer.set_params(model.parameters())
    model.optimizer.load_state_dict({"iterations": info["iterations"], "slots": _slots(z, path, info["slots"])})


def model_from_json(json_string, custom_objects=None):
    """A model (untrained, freshly initialised) from ``model.to_json()``'s text."""
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as e:
        raise ValueError(f"model_from_json: the text is not JSON ({e}); pass what model.to_json() returned") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("model_from_json: the JSON holds no model (no class_name); pass what model.to_json() "
                         "returned")
    return deserialize(config, custom_objects)


def save_weights(model, path):
    """Save only the weights (the model's code must rebuild the architecture)."""
    weights, members = _weights_manifest(model)
    _write_zip(path, {"format": FORMAT, "version": VERSION, "weights": weights}, members)


def load_weights(model, path):
    path = os.fspath(path)
    z, manifest = _open(path)
    with z:
        _load_weights_into(model, z, manifest, path)
