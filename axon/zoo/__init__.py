"""Layer 7: the model zoo, model families as the textbook names them; each builder returns an
uncompiled model.

- ``axon.zoo.vision``: MLP, the MNIST CNN, LeNet-5, AlexNet-, VGG-, ResNet- and
  DenseNet-style networks; transfer learning (``replace_head``, ``set_trainable``);
  ``ImageClassifier`` (a trained model ready for image files);
- ``axon.zoo.sequence``: ``text_classifier``, ``sequence_tagger``, ``CharRNN``,
  ``Seq2Seq`` and ``Translator``;
- ``axon.zoo.energy``: restricted Boltzmann machines and AIS, deep belief nets, the deep
  Boltzmann machine, Hopfield networks, the Boltzmann machine;
- ``axon.zoo.classic``: the McCulloch-Pitts neuron and Hebb's rule, the perceptron and Adaline,
  Kohonen's SOM, RBF networks, the extreme learning machine, echo state networks, the liquid state
  machine, SVMs, a Markov-chain text generator, the neural Turing machine;
- ``axon.zoo.generative``: autoencoders (dense, convolutional, denoising, sparse), the VAE and
  conditional VAE, GANs (MLP, DCGAN, conditional), the sample evaluator, adversarial examples;
- ``axon.zoo.chart``: the lectures' zoo chart of 27 networks and their history table, each with
  where it lives and its ``show`` (``axon zoo list``, ``axon zoo show NAME``).

``get(name, **kwargs)`` builds any of them by name, ``names()`` lists them.
"""
from .registry import MODELS, get, names, register, resolve, family
from . import vision, sequence, energy, classic, generative
from .vision import (mlp, mnist_cnn, small_cnn, lenet5, alexnet_small, vgg_small, resnet_small, densenet_small,
                     replace_head, set_trainable, ImageClassifier)
from .sequence import (text_classifier, sequence_tagger, masked_accuracy, compile_tagger, CharRNN, Seq2Seq,
                       Translator)
