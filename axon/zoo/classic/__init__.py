"""The classic networks of the lectures' history table and zoo chart, one module each, each with its
own learning rule in ``train_step`` (or a closed-form ``fit``) on the training contract.

- ``mcculloch_pitts``: the McCulloch-Pitts threshold neuron and Hebb's rule;
- ``perceptron``: Rosenblatt's perceptron learning rule and Widrow-Hoff's Adaline;
- ``som``: Kohonen's self-organising map (online and batch);
- ``rbf``: radial basis function networks (k-means centres, Gaussian units);
- ``elm``: the extreme learning machine;
- ``esn``: echo state networks (reservoir computing);
- ``lsm``: the liquid state machine (a spiking reservoir);
- ``markov_chain``: a Markov-chain text generator;
- ``svm``: the linear support vector machine and random Fourier features;
- ``ntm``: the neural Turing machine.
"""
from .perceptron import LinearThresholdUnit, Perceptron, Adaline
from .mcculloch_pitts import McCullochPittsNeuron, HebbianNeuron
from .ntm import NeuralTuringMachine
from .som import SelfOrganizingMap
from .esn import EchoStateNetwork
from .rbf import RBFNetwork, kmeans
from .elm import ExtremeLearningMachine, ClosedFormReadout
from .lsm import LiquidStateMachine, SpikeReadout
from .svm import LinearSVM, RandomFourierFeatures, kernel_svm
from .markov_chain import MarkovChain
