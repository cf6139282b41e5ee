"""Layer 6: models and training (``Model``, ``Sequential``, functional ``Model(inputs, outputs)``)."""
from .model import Model
from .trainer import NonFiniteLossError
from .sequential import Sequential
from ..layers.symbolic import Input, SymbolicTensor
from .functional_model import Functional
from .saving import load_model, save_model
