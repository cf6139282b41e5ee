"""Layer 4: stateful building blocks with Keras names (shapes inferred on first call)."""
from .base import Layer, InputSpec
from .core import Dense, Activation, Dropout, Flatten, Reshape, Lambda
from .normalization import BatchNormalization, LayerNormalization
from .merge import Add, Subtract, Multiply, Average, Concatenate
from .symbolic import Input, SymbolicTensor
