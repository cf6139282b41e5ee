"""Vision models, as the textbook names them: the multilayer perceptron, LeNet-5, AlexNet-, VGG-,
ResNet- and DenseNet-style networks at small scale, the lecture's MNIST CNN; transfer learning
(``replace_head``, ``set_trainable``); ``ImageClassifier``, a trained model ready for image files.

Each builder takes ``input_shape`` (H, W, C), ``num_classes`` and ``width`` (a multiplier of
every layer's units or filters) and returns an uncompiled model ending in a softmax.
"""
from ..registry import register
from .mlp import mlp
from .cnn import mnist_cnn, small_cnn
from .lenet import lenet5
from .alexnet import alexnet_small
from .vgg import vgg_small
from .resnet import resnet_small
from .densenet import densenet_small
from .transfer import replace_head, set_trainable
from .classifier import ImageClassifier

register("mlp", mlp)
register("mnist_cnn", mnist_cnn)
register("small_cnn", small_cnn, aliases=("cnn",))
register("lenet5", lenet5, aliases=("lenet",))
register("alexnet_small", alexnet_small, aliases=("alexnet",))
register("vgg_small", vgg_small, aliases=("vgg",))
register("resnet_small", resnet_small, aliases=("resnet",))
register("densenet_small", densenet_small, aliases=("densenet",))

__all__ = ["mlp", "mnist_cnn", "small_cnn", "lenet5", "alexnet_small", "vgg_small", "resnet_small",
           "densenet_small", "replace_head", "set_trainable", "ImageClassifier"]
