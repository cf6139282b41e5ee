"""Exporting trained models for other engines: ONNX files (``export_onnx``, ``Model.export(path,
format="onnx")``) and running them with onnxruntime (``Model.predict(x, engine="onnxruntime")``).

The ``onnx`` and ``onnxruntime`` packages are optional (``pip install "axon[onnx]"``) and are
imported only when an export or an onnxruntime prediction runs.
"""
from .onnx import CONVERTERS, OPSET, UnsupportedLayerError, export_onnx
from .runtime import ENGINES, onnxruntime_session, predict_onnxruntime

__all__ = ["CONVERTERS", "OPSET", "UnsupportedLayerError", "export_onnx", "ENGINES", "onnxruntime_session",
           "predict_onnxruntime"]
