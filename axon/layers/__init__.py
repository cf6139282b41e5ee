"""Layer 4: stateful building blocks with Keras names (shapes inferred on first call)."""
from .base import Layer, InputSpec
from .core import Dense, Activation, Dropout, Flatten, Reshape, Lambda
from .normalization import BatchNormalization, LayerNormalization
from .merge import (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, add, subtract,
                    multiply, average, maximum, minimum, concatenate, dot)
from .symbolic import SymbolicTensor
from .input_layer import Input, InputLayer
from .conv import Conv2D, Conv2DTranspose, DepthwiseConv2D, Conv1D
from .pooling import (MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalMaxPooling1D)
from .reshaping import ZeroPadding2D, Cropping2D, UpSampling2D
from .regularization import SpatialDropout1D, SpatialDropout2D, GaussianNoise
from .embedding import Embedding
from .recurrent import SimpleRNN, LSTM, GRU
from .attention import Attention, AdditiveAttention, MultiHeadAttention
from .activation import ReLU, LeakyReLU, PReLU, ELU, Softmax
from .preprocessing import Rescaling, Normalization, Resizing, CenterCrop
from .image_augmentation import (RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast,
                                 RandomCrop)
from .wrappers import Bidirectional, TimeDistributed
from .sequence import RepeatVector, Masking
from .operator import Operator
from .index_lookup import StringLookup, IntegerLookup
from .text_vectorization import TextVectorization
from .regularization import GaussianDropout
from .sampling import Sampling
