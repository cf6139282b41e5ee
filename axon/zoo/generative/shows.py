"""The zoo chart's autoencoder family, each trained on Fashion-MNIST for ``axon zoo show``: the
autoencoder (AE) against PCA of the same code size, the variational autoencoder (VAE) with its 2-D
manifold, the denoising (DAE) and sparse (SAE) autoencoders, and the chart's deconvolutional
network (DN) and deep convolutional inverse graphics network (DCIGN) as thin uses of the same
models: a transposed-convolution decoder that draws a class from its code, and a convolutional
VAE whose latent units, traversed one at a time, change one aspect of the image.

Each ``show_*(out_dir, quick=False)`` writes its PNGs and page and returns an
``axon.zoo.showcase.Shown`` whose ``measured`` numbers hold the claim; ``quick`` trains on less
data, in seconds.
"""
import os

import numpy as np

from ... import backend, optimizers
from ...labs.autoencoders import (corrupt, grid_values, kl_per_dimension, manifold, plot_latent_map, plot_rows,
                                  plot_tiles)
from ..showcase import Shown, write_page
from ..vision.shows import fashion_subset
from .autoencoder import conv_autoencoder, dense_autoencoder, denoising_autoencoder, sparse_autoencoder
from .vae import conv_vae, dense_vae

CLASSES = ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot")


def _data(quick, n_train, n_quick=2000, n_test=2000):
    """Fashion-MNIST: ``n_train`` training images (``n_quick`` when ``quick``) and 2,000 test
    images (500).  Seeds Axon's generator, so that a show draws the same weights every time."""
    backend.manual_seed(0)
    return fashion_subset(n_quick if quick else n_train, 500 if quick else n_test)


def _fit_autoencoder(model, x, epochs, lr=3e-3, batch_size=32):
    model.compile(optimizers.Adam(lr), "binary_crossentropy")
    model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def _mse(a, b):
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


def _nearest(images, x):
    """Mean over ``images`` of the squared distance per pixel to the nearest image of ``x``."""
    a, b = images.reshape(len(images), -1), x.reshape(len(x), -1)
    d = (a ** 2).sum(1)[:, None] - 2 * a @ b.T + (b ** 2).sum(1)[None]
    return float(np.maximum(d.min(1), 0).mean() / a.shape[1])


def _one_per_class(y, n=10):
    """Indices of the first test image of each class in turn."""
    return np.array([np.flatnonzero(y == c % 10)[0] for c in range(n)])


def _save(shown, out_dir, slug):
    write_page(shown, out_dir, slug)
    return shown


def show_ae(out_dir, quick=False):
    """A dense autoencoder 784-256-32-256-784 trained to reproduce Fashion-MNIST images, against
    the mean image and against PCA with the same 32 numbers per image."""
    (x, y), (xt, yt) = _data(quick, 20000)
    model = _fit_autoencoder(dense_autoencoder(latent_dim=32), x, epochs=5 if quick else 10)
    recon = model.predict(xt, batch_size=500)
    flat, mean = x.reshape(len(x), -1), x.reshape(len(x), -1).mean(0)
    _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
    pca = ((xt.reshape(len(xt), -1) - mean) @ vt[:32].T @ vt[:32] + mean).reshape(xt.shape)
    measured = {"training images": len(x), "test MSE per pixel": _mse(recon, xt),
                "mean-image MSE": _mse(mean.reshape(xt.shape[1:]), xt), "PCA (32 components) MSE": _mse(pca, xt)}
    pick = _one_per_class(yt, 10)
    shown = Shown("Auto encoder (AE)",
                  "An encoder squeezes the input into a code smaller than it and a decoder rebuilds the input from "
                  "the code; trained to reproduce its input, the network must keep what matters in the code.",
                  measured,
                  [f"Trained on {len(x):,} images, the 32-number code rebuilds test images with mean squared error "
                   f"{measured['test MSE per pixel']:.4f} per pixel, against {measured['mean-image MSE']:.4f} for the "
                   f"mean image (what a network that ignored its input would give) and "
                   f"{measured['PCA (32 components) MSE']:.4f} for PCA keeping 32 numbers (the best linear code of "
                   "that size): " + ("the non-linear code keeps more." if measured["test MSE per pixel"] <
                                     measured["PCA (32 components) MSE"] else
                                     "after this short training PCA is still ahead (the full show trains longer)."),
                   "Rows: test images, their reconstructions, PCA's."])
    shown.files["figure"] = plot_rows([xt[pick], recon[pick], np.clip(pca[pick], 0, 1)],
                                      ["test image", "autoencoder", "PCA, 32"], os.path.join(out_dir, "ae.png"),
                                      title="Autoencoder 784-256-32-256-784: test reconstructions")
    return _save(shown, out_dir, "ae")


def show_vae(out_dir, quick=False):
    """A dense VAE with a 2-D latent space (784-400-2-400-784): its manifold of decoded grid points,
    the test codes coloured by class, samples from the prior, and its loss in nats."""
    (x, y), (xt, yt) = _data(quick, 20000)
    model = dense_vae(latent_dim=2, seed=0)
    model.compile(optimizers.Adam(2e-3))
    model.fit(x, epochs=5 if quick else 15, batch_size=64, verbose=0)
    logs = model.evaluate(xt, batch_size=500, return_dict=True)
    samples = model.sample(30, seed=0)
    mean, log_var = model.encode(xt)
    # the aggregate posterior: its mean and variance per latent dimension (the prior's are 0 and 1)
    total_var = mean.var(axis=0) + np.exp(log_var).mean(axis=0)
    p = np.clip(x.mean(0), 1e-6, 1 - 1e-6)
    baseline = float(-(xt * np.log(p) + (1 - xt) * np.log(1 - p)).sum(axis=(1, 2, 3)).mean())
    measured = {"training images": len(x), "test loss (nats per image)": float(logs["loss"]),
                "reconstruction (nats)": float(logs["reconstruction_loss"]), "KL (nats)": float(logs["kl_loss"]),
                "mean-image reconstruction (nats)": baseline,
                "sample distance to nearest training image": _nearest(samples, x),
                "test image distance to nearest training image": _nearest(xt[:30], x),
                "aggregate posterior mean": " ".join(f"{v:+.2f}" for v in mean.mean(0)),
                "aggregate posterior variance": " ".join(f"{v:.2f}" for v in total_var)}
    shown = Shown("Variational auto encoder (VAE)",
                  "The encoder gives a distribution over codes, not a code; training maximises a lower bound on the "
                  "data's likelihood, whose KL term keeps the codes of all inputs near the prior N(0, I), so that the "
                  "decoder turns any draw of the prior into a plausible image.",
                  measured,
                  [f"Trained on {len(x):,} images with a 2-D latent space: "
                   f"{measured['test loss (nats per image)']:.1f} nats per test image, of which "
                   f"{measured['KL (nats)']:.1f} nats of KL (the code's cost) and "
                   f"{measured['reconstruction (nats)']:.1f} of reconstruction, against "
                   f"{baseline:.1f} for the mean image.",
                   f"Samples of the prior lie at mean squared distance "
                   f"{measured['sample distance to nearest training image']:.4f} per pixel from their nearest "
                   f"training image, test images at {measured['test image distance to nearest training image']:.4f}: "
                   "draws of N(0, I) decode to garments as near the data as real images are, blurred (the decoder "
                   "gives the mean image of p(x | z)).",
                   f"The test codes have mean ({measured['aggregate posterior mean']}) and variance "
                   f"({measured['aggregate posterior variance']}) per dimension, against the prior's 0 and 1: the KL "
                   "term keeps them together around the origin.",
                   "The manifold decodes a 15 x 15 grid of the prior's 2.5%-97.5% quantiles (Kingma and Welling's "
                   "figure), z1 from left to right and z2 from bottom to top as in the latent map: neighbouring codes "
                   "draw similar garments, and each class holds a region of the plane."])
    shown.files["manifold"] = plot_tiles(manifold(model, (0, 1), 15), 15, os.path.join(out_dir, "vae_manifold.png"),
                                         title="VAE manifold: decoded grid of the 2-D latent space")
    shown.files["latent map"] = plot_latent_map(mean, yt, CLASSES, os.path.join(out_dir, "vae_latent.png"),
                                                "Test codes (posterior means) by class")
    shown.files["samples"] = plot_tiles(samples, 10, os.path.join(out_dir, "vae_samples.png"),
                                        title="Samples: the decoder on draws from N(0, I)")
    return _save(shown, out_dir, "vae")


def show_dae(out_dir, quick=False, amount=0.4):
    """A dense denoising autoencoder trained on images with Gaussian noise of std ``amount``,
    against the noisy inputs and against the same autoencoder trained on clean images."""
    (x, y), (xt, yt) = _data(quick, 20000)
    epochs = 5 if quick else 10
    dae = _fit_autoencoder(denoising_autoencoder(kind="dense", noise="gaussian", amount=amount), x, epochs)
    plain = _fit_autoencoder(dense_autoencoder(), x, epochs)
    noisy = corrupt(xt, "gaussian", amount, seed=1)
    denoised, plain_out = dae.predict(noisy, batch_size=500), plain.predict(noisy, batch_size=500)
    measured = {"training images": len(x), "noise std": amount, "noisy input MSE": _mse(noisy, xt),
                "denoised MSE": _mse(denoised, xt), "plain autoencoder on noisy input MSE": _mse(plain_out, xt),
                "denoiser on clean input MSE": _mse(dae.predict(xt, batch_size=500), xt)}
    pick = _one_per_class(yt, 10)
    shown = Shown("Denoising auto encoder (DAE)",
                  "Trained to rebuild clean inputs from corrupted ones, the autoencoder cannot copy its input: it must "
                  "learn what images look like, and so removes noise it has never seen on that image (Vincent et "
                  "al., 2008).",
                  measured,
                  [f"Test images with Gaussian noise of std {amount} have squared error "
                   f"{measured['noisy input MSE']:.4f} per pixel; the denoiser's output "
                   f"{measured['denoised MSE']:.4f}, "
                   f"{measured['noisy input MSE'] / measured['denoised MSE']:.0f} times less. The same network "
                   f"trained on clean images gives {measured['plain autoencoder on noisy input MSE']:.4f} on the noisy "
                   "ones.", "Rows: noisy input, clean image, denoised output."])
    shown.files["figure"] = plot_rows([np.clip(noisy[pick], 0, 1), xt[pick], denoised[pick]],
                                      ["noisy input", "clean", "denoised"], os.path.join(out_dir, "dae.png"),
                                      title=f"Denoising autoencoder: Gaussian noise of std {amount}")
    return _save(shown, out_dir, "dae")


def show_sae(out_dir, quick=False, target=0.05):
    """A sparse autoencoder, 64 sigmoid code units under a KL penalty towards mean activity
    ``target``, against the same network without the penalty; draws both codes' activity and the
    sparse units' features (encoder weights as images)."""
    (x, y), (xt, yt) = _data(quick, 20000)
    epochs = 5 if quick else 10
    sparse = _fit_autoencoder(sparse_autoencoder(latent_dim=64, target=target, weight=0.1), x, epochs)
    dense = _fit_autoencoder(sparse_autoencoder(latent_dim=64, weight=0.0), x, epochs)
    z, z0 = sparse.encode(xt), dense.encode(xt)
    measured = {"training images": len(x), "sparsity target": target, "mean activity": float(z.mean()),
                "mean activity without the penalty": float(z0.mean()),
                "units above 0.5 per image": float((z > 0.5).sum(1).mean()),
                "units above 0.5 per image without the penalty": float((z0 > 0.5).sum(1).mean()),
                "test MSE": _mse(sparse.decode(z), xt), "test MSE without the penalty": _mse(dense.decode(z0), xt)}
    shown = Shown("Sparse auto encoder (SAE)",
                  "A penalty on the code's activity keeps most code units silent for any one input, so that each unit "
                  "answers to a rarer, more specific feature; the code may then be as large as the input or larger.",
                  measured,
                  [f"With the KL penalty towards {target}, the 64 code units' mean activity over the test images is "
                   f"{measured['mean activity']:.3f} (without it {measured['mean activity without the penalty']:.3f}); "
                   f"{measured['units above 0.5 per image']:.1f} units per image are above 0.5, against "
                   f"{measured['units above 0.5 per image without the penalty']:.1f}. The price is reconstruction: "
                   f"{measured['test MSE']:.4f} against {measured['test MSE without the penalty']:.4f}.",
                   "The features: the decoder's image of the mean code with one unit switched fully on, for the 32 "
                   "most used units; each draws one kind of garment or part."])
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    bins = np.linspace(0, 1, 41)
    ax.hist(z0.ravel(), bins=bins, alpha=0.6, label="no penalty", density=True)
    ax.hist(z.ravel(), bins=bins, alpha=0.6, label=f"KL penalty, target {target}", density=True)
    ax.set_yscale("log")
    ax.set_xlabel("code unit activity on test images")
    ax.set_ylabel("density")
    ax.legend()
    ax.set_title("Activity of the 64 code units")
    from ...utils.plots import save_figure
    shown.files["activity"] = save_figure(fig, os.path.join(out_dir, "sae_activity.png"))
    # what each unit draws: the decoder on the mean code with that one unit switched fully on
    used = np.argsort(z.mean(0))[::-1][:32]
    switched = np.tile(z.mean(0), (len(used), 1))
    switched[np.arange(len(used)), used] = 1.0
    shown.files["features"] = plot_tiles(sparse.decode(switched), 8, os.path.join(out_dir, "sae_features.png"),
                                         title="The 32 most used code units, each switched on alone", scale=0.9)
    return _save(shown, out_dir, "sae")


def _pyplot():
    from ...utils.plots import pyplot
    return pyplot()


def show_dn(out_dir, quick=False):
    """The chart's deconvolutional network: a decoder of transposed convolutions (the convolutional
    autoencoder's, 7x7 -> 14x14 -> 28x28) trained to draw a garment from its one-hot class code."""
    (x, y), (xt, yt) = _data(quick, 5000, 1500)
    decoder = conv_autoencoder(latent_dim=10, filters=(8, 16)).decoder
    decoder.compile(optimizers.Adam(5e-3), "binary_crossentropy")
    codes = np.eye(10, dtype=np.float32)
    decoder.fit(codes[y], x, epochs=4 if quick else 5, batch_size=32, verbose=0)
    drawn = decoder.predict(codes)
    means = np.stack([xt[yt == c].mean(0) for c in range(10)])
    distance = ((drawn[:, None] - means[None]) ** 2).mean(axis=(2, 3, 4))  # drawn class x test class mean
    own = np.diag(distance)
    other = np.where(np.eye(10, dtype=bool), np.inf, distance).min(1)
    t = np.linspace(0, 1, 10, dtype=np.float32)[:, None]
    blends = [decoder.predict((1 - t) * codes[a] + t * codes[b]) for a, b in ((7, 9), (0, 3), (1, 8))]
    measured = {"training images": len(x), "classes drawn closest to their own test mean": int(np.sum(own < other)),
                "MSE to own class mean": float(own.mean()), "MSE to nearest other class mean": float(other.mean()),
                "feature maps": "7x7x16 -> 14x14x16 -> 28x28x8 -> 28x28x1"}
    shown = Shown("Deconvolutional network (DN)",
                  "A convolutional network run backwards: from a code (here the word for a class, one-hot), "
                  "transposed convolutions (\"deconvolutions\") grow feature maps up to an image, trained by comparing "
                  "what it draws with real pictures of that class.",
                  measured,
                  [f"The decoder of the convolutional autoencoder, trained on {len(x):,} images to draw each from its "
                   f"class code alone, draws every class: "
                   f"{measured['classes drawn closest to their own test mean']} of 10 drawings are nearer their "
                   f"own class's mean test image (MSE {own.mean():.4f}) than any other's "
                   f"({other.mean():.4f}). With no code but the class it draws the class's typical picture; "
                   "between two codes it draws blends.",
                   "Zeiler et al. (2010) coined 'deconvolutional networks' for convolutional sparse coding; the "
                   "chart's DN is the up-convolutional generator, as in Dosovitskiy et al. (2015), who drew chairs "
                   "from their class and view. Axon's layer is `axon.layers.Conv2DTranspose`; decoders of the same "
                   "kind serve `conv_autoencoder`, `conv_vae` and the DCGAN generator."])
    shown.files["figure"] = plot_rows([drawn] + blends, ["one class each", "Sneaker to\nBoot", "T-shirt to\nDress",
                                                         "Trouser to\nBag"], os.path.join(out_dir, "dn.png"),
                                      title="Drawn from the class code by transposed convolutions")
    return _save(shown, out_dir, "dn")


def show_dcign(out_dir, quick=False, latent_dim=8):
    """The chart's deep convolutional inverse graphics network as a convolutional VAE: each of its
    most used latent units traversed alone over the prior's 2.5%-97.5% quantiles (-1.96 to 1.96),
    the others held at a test image's code."""
    (x, y), (xt, yt) = _data(quick, 6000)
    model = conv_vae(latent_dim=latent_dim, filters=(8, 16), seed=0)
    model.compile(optimizers.Adam(2e-3 if quick else 1e-3))  # the faster rate for the short run
    model.fit(x, epochs=4 if quick else 8, batch_size=32, verbose=0)
    kl = kl_per_dimension(model, xt)
    order = np.argsort(kl)[::-1]
    active = int(np.sum(kl > 0.5))
    mean = model.encode(xt)[0]
    ink = xt.reshape(len(xt), -1).mean(1)
    corr = np.array([np.corrcoef(mean[:, j], ink)[0, 1] for j in range(latent_dim)])
    values = grid_values(9)
    base = mean[_one_per_class(yt, 1)[0]]
    rows, change = [], []
    for j in order:
        z = np.tile(base, (len(values), 1))
        z[:, j] = values
        images = model.decode(z)
        rows.append(images)
        change.append(float(np.abs(images[-1] - images[0]).mean()))
    change = np.array(change)
    top = order[:min(5, latent_dim)]
    measured = {"training images": len(x), "latent units": latent_dim, "active units (KL > 0.5 nat)": active,
                "KL per unit (nats)": " ".join(f"{v:.2f}" for v in kl[order]),
                "image change along the most used unit": float(change[0]),
                "image change along the least used unit": float(change[-1]),
                "image changes by unit": " ".join(f"{v:.3f}" for v in change),
                "largest absolute correlation of a unit with the ink": float(np.abs(corr).max())}
    shown = Shown("Deep convolutional inverse graphics network (DCIGN)",
                  "A convolutional VAE whose code is meant to be a graphics code: with each latent unit tied to one "
                  "factor of the scene (pose, light, shape), changing one unit and decoding re-renders the image with "
                  "only that factor changed.",
                  measured,
                  ["Kulkarni et al. (2015) trained a convolutional VAE on rendered 3-D faces and chairs in batches "
                   "where only one scene variable changed, holding all but its assigned units at the batch's "
                   "mean, so that "
                   "those units learnt azimuth, elevation or lighting. Here the convolutional VAE "
                   f"(`axon.zoo.generative.conv_vae`, latent {latent_dim}) is trained on {len(x):,} Fashion-MNIST "
                   "images without that supervision.",
                   f"The KL term leaves {active} of the {latent_dim} units in use (KL above half a nat); traversing "
                   f"the most used unit changes the image by {change[0]:.3f} per pixel (mean absolute change "
                   "from one end "
                   f"to the other), the least used one by {change[-1]:.3f}: the decoder ignores units the KL term "
                   "has pushed back to the prior. The unit most tied to the amount of ink "
                   f"correlates with it at |r| = {np.abs(corr).max():.2f}: an "
                   "unsupervised VAE finds factors such as size and shape, but which factor a unit takes, and how "
                   "cleanly, is not chosen; Kulkarni's training scheme is what names them.",
                   "Each row traverses one unit (by KL, most used first) over the prior's 2.5%-97.5% quantiles."])
    shown.files["figure"] = plot_rows([rows[k] for k in range(len(top))] + [rows[-1]],
                                      [f"unit {j}\nKL {kl[j]:.2f}" for j in list(top) + [order[-1]]],
                                      os.path.join(out_dir, "dcign.png"),
                                      title="Convolutional VAE: one latent unit traversed per row "
                                            "(last: the least used)")
    return _save(shown, out_dir, "dcign")
