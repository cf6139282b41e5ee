"""Running an exported model with onnxruntime: ``predict_onnxruntime(model, x)``, what
``Model.predict(x, engine="onnxruntime")`` calls.

The exported model and its onnxruntime session are kept in memory with the model (one per
model), with a fingerprint of its weights: a prediction after the weights changed (training,
``set_weights``, ``load_weights``) exports again, so the answers are never stale.  The session
uses Axon's thread count (``axon.ops.parallel.num_threads()``: ``AXON_NUM_THREADS``, else the
BLAS setting, else the CPU count up to 8).
"""
import zlib

import numpy as np

from ..ops.parallel import num_threads

#: the engines ``Model.predict`` and ``axon predict --engine`` accept
ENGINES = ("axon", "onnxruntime")


def _import_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise ImportError('engine="onnxruntime" needs the onnxruntime package: pip install "axon[onnx]"') from None
    return onnxruntime


def weights_fingerprint(model):
    """A checksum of every weight's values, shape and identity: changes whenever a weight does."""
    total = 0
    for w in model.weights:
        data = np.ascontiguousarray(w.data)
        total = zlib.crc32(memoryview(data).cast("B"), zlib.crc32(repr((id(w), data.shape, data.dtype.str))
                                                               .encode(), total))
    return total, len(model.weights)


def onnxruntime_session(model):
    """The onnxruntime ``InferenceSession`` of ``model``'s current weights (exported again only when
    the weights changed since the last one)."""
    ort = _import_onnxruntime()
    from .onnx import to_onnx
    key = weights_fingerprint(model)
    cached = model.__dict__.get("_onnxruntime_session")
    if cached is not None and cached[0] == key:
        return cached[1]
    proto = to_onnx(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads()
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    model.__dict__["_onnxruntime_session"] = (key, session)
    return session


def predict_onnxruntime(model, x, batch_size=None):
    """``model``'s outputs for ``x`` (one array, a list, or a dict by input name) computed by
    onnxruntime, ``batch_size`` samples a run (all at once when None), as ``Model.predict``
    returns them."""
    session = onnxruntime_session(model)
    feeds = session.get_inputs()
    xs = model.flatten_inputs(x) if hasattr(model, "flatten_inputs") else [x]
    if len(xs) != len(feeds):
        raise ValueError(f"{model.describe()}: expected {len(feeds)} inputs, got {len(xs)}")
    arrays = [np.asarray(a.data if hasattr(a, "data") and not isinstance(a, np.ndarray) else a) for a in xs]
    n = len(arrays[0])
    types = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
             "tensor(int32)": np.int32, "tensor(bool)": np.bool_}
    arrays = [a.astype(types.get(f.type, a.dtype), copy=False) for a, f in zip(arrays, feeds)]
    for a, f in zip(arrays, feeds):
        fixed = [None if not isinstance(d, int) else d for d in f.shape]
        if a.ndim != len(fixed) or any(d is not None and d != s for d, s in zip(fixed[1:], a.shape[1:])):
            raise ValueError(f"{model.describe()}: input {f.name!r} must have shape "
                             f"{tuple(['N'] + [d if d is not None else '?' for d in fixed[1:]])} (the shape it "
                             f"was exported with), got {a.shape}")
    step = n if not batch_size else int(batch_size)
    parts = []
    for s in range(0, max(n, 1), max(step, 1)):
        parts.append(session.run(None, {f.name: a[s:s + step] for f, a in zip(feeds, arrays)}))
    outs = [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]
    struct = getattr(model, "_output_struct", "single")
    if struct == "dict":
        return dict(zip(model.output_names, outs))
    return outs if struct == "list" or len(outs) > 1 else outs[0]
