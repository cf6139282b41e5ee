"""Generative models on the training contract: each is an ``axon.Model`` with its own ``train_step``,
so ``fit`` gives it progress, callbacks, history and saving.

- ``autoencoder``: dense and convolutional autoencoders, denoising and sparse ones;
- ``vae``: the variational autoencoder and the conditional VAE;
- ``gan``: the GAN (Goodfellow's MLP GAN), DCGAN builders (Radford's rules) and the conditional GAN,
  with the sample-grid callback;
- ``evaluator``: a frozen Fashion-MNIST classifier trained by Axon and the sample metrics on its
  features (Fréchet distance, domain Inception Score, k-NN precision and recall, memorisation);
- ``adversarial``: FGSM and PGD attacks on any classifier, and adversarial training.
"""
from .autoencoder import (Autoencoder, dense_autoencoder, conv_autoencoder, denoising_autoencoder,
                          sparse_autoencoder)
from .gan import GAN, SampleGrid, image_grid, save_image_grid
from .dcgan import (dcgan, mlp_gan, dcgan_generator, dcgan_discriminator, mlp_generator, mlp_discriminator,
                    LAB_DEFAULTS)
from .cgan import ConditionalGAN, conditional_gan, cgan_generator, cgan_discriminator
from .evaluator import Evaluator, evaluator_cnn
from .sample_metrics import (frechet_distance, inception_score, class_histogram, knn_precision_recall,
                             nearest_training_images, evaluate_samples, calibration, calibration_table)
from .adversarial import AdversarialTraining, fgsm, pgd, input_gradient, robust_accuracy
from .vae import VAE, dense_vae, conv_vae, kl_divergence, reconstruction_loss
from .cvae import ConditionalVAE, dense_cvae
