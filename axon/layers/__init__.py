"""Layer 4: stateful building blocks with Keras names (shapes inferred on first call)."""
from .base import Layer, InputSpec
from .core import Dense, Activation, Dropout, Flatten, Reshape, Lambda
from .normalization import BatchNormalization, LayerNormalization
from .merge import Add, Subtract, Multiply, Average, Concatenate
from .symbolic import Input, SymbolicTensor
from .conv import Conv2D, Conv2DTranspose, DepthwiseConv2D, Conv1D
from .pooling import (MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalMaxPooling1D)
from .reshaping import ZeroPadding2D, Cropping2D, UpSampling2D
from .regularization import SpatialDropout1D, SpatialDropout2D, GaussianNoise
from .embedding import Embedding
from .recurrent import SimpleRNN, LSTM, GRU
from .attention import Attention, AdditiveAttention
from .wrappers import Bidirectional, TimeDistributed
from .sequence import RepeatVector, Masking
