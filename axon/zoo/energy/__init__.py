"""Energy-based networks: each is an ``axon.Model`` whose ``train_step`` runs its own learning rule
(contrastive divergence, Hebbian storage, positive and negative phases) under ``no_grad``, so
``fit`` gives it progress, callbacks, history and saving.

- ``rbm``: restricted Boltzmann machines (Smolensky's harmonium), Bernoulli and Gaussian visibles,
  CD-k and persistent CD, free energy, pseudo-likelihood, Gibbs sampling;
- ``ais``: annealed importance sampling of log Z and the test log-likelihood, and exact enumeration;
- ``dbn``: deep belief nets, greedy layer-wise pretraining, then a ``Sequential`` to fine-tune;
- ``dbm``: deep Boltzmann machines (mean-field and persistent chains);
- ``hopfield``: Hopfield networks (Hebbian storage, recall, energy, capacity);
- ``boltzmann``: the Boltzmann machine with hidden units (the 4-2-4 encoder).
"""
from .rbm import BernoulliRBM, GaussianBernoulliRBM
from .hopfield import HopfieldNetwork, hebbian_weights, capacity_curve
from .ais import ais_log_partition, log_likelihood, log_partition_exact
from .dbm import DeepBoltzmannMachine
from .dbn import DBN
from .boltzmann import BoltzmannMachine, ackley_encoder, train_encoder
from .rbm_scores import pseudo_likelihood
