"""Layer 6: models and training (``Model``, ``Sequential``, functional ``Model(inputs, outputs)``)."""
from .model import Model
from .trainer import NonFiniteLossError
from .sequential import Sequential
from ..layers.symbolic import SymbolicTensor
from ..layers.input_layer import Input, InputLayer
from .functional_model import Functional
from .saving import load_model, save_model, model_from_json
from .cloning import clone_model
