"""Layer 7: the model zoo: classic architectures as functions returning uncompiled models."""
from .mlp import mlp
from .cnn import mnist_cnn, small_cnn
from .lenet import lenet5
from .alexnet import alexnet_small
from .vgg import vgg_small
from .resnet import resnet_small
from .densenet import densenet_small
from .registry import get, names, register, resolve
from .transfer import replace_head, set_trainable
from .seq2seq import Seq2Seq, Translator, MaskedSparseCategoricalCrossentropy
from .sequence import text_classifier, sequence_tagger, CharRNN
