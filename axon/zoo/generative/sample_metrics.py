"""Sample metrics on a classifier's features: the Fréchet distance between Gaussians fitted to real
and generated features (FID when the network is Inception-v3), the Inception Score (how confident and
how varied the predicted classes are), the predicted-class histogram, k-NN precision and recall
(Kynkäänniemi et al., 2019: fidelity and coverage as two numbers) and a memorisation check (each
sample's nearest training image).  Each number means something only beside calibration rows computed
with the same network, which ``calibration`` provides.

>>> rng = np.random.default_rng(0)
>>> a, b = rng.normal(size=(2000, 4)), rng.normal(size=(2000, 4)) + [1, 0, 0, 0]
>>> round(frechet_distance(a, b), 1)  # the means differ by 1
1.0
>>> [round(v, 6) for v in inception_score(np.eye(10)[np.arange(1000) % 10], splits=10)]
[10.0, 0.0]
"""
import json
import os
import time

import numpy as np
import scipy.linalg
import scipy.ndimage

from .evaluator import as_images, load_fashion, fingerprint

MAX_BLOCK_ELEMENTS = 1 << 22  # entries of one block of a distance matrix (32 MB in float64)

CALIBRATION_ROWS = ("real test vs real train", "test + Gaussian noise σ=0.2", "test blurred 3x3",
                    "test classes 0-4 only")


def _as_features(x, name, where):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"{where}: {name} must be a 2-D array (N, d) of at least 2 feature vectors, got "
                         f"shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{where}: {name} holds NaN or Inf")
    return x


def _check_same_width(real, fake, where):
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"{where}: real and fake features must have the same width, got {real.shape[1]} "
                         f"and {fake.shape[1]}")


def _row_blocks(n_rows, n_cols, max_elements=MAX_BLOCK_ELEMENTS):
    """Slices of rows so that a block of (rows, n_cols) holds at most ``max_elements`` entries."""
    step = max(1, max_elements // max(1, n_cols))
    return [slice(i, min(i + step, n_rows)) for i in range(0, n_rows, step)]


def _squared_distances(a, b, b_sq):
    """(len(a), len(b)) squared Euclidean distances, ``b_sq`` the squared norms of b's rows."""
    d2 = np.einsum("ij,ij->i", a, a)[:, None] + b_sq[None, :]
    d2 -= 2.0 * (a @ b.T)
    return np.maximum(d2, 0.0, out=d2)


# ----- Fréchet distance
def frechet_distance_from_stats(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """The Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2), squared:
    ``|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2))`` with ``S = sigma + eps I``.

    >>> frechet_distance_from_stats(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2), eps=0)
    4.0
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1 = np.atleast_2d(np.asarray(sigma1, np.float64)) + eps * np.eye(len(mu1))
    s2 = np.atleast_2d(np.asarray(sigma2, np.float64)) + eps * np.eye(len(mu2))
    if s1.shape != (len(mu1), len(mu1)) or s2.shape != s1.shape or mu2.shape != mu1.shape:
        raise ValueError(f"frechet_distance_from_stats: means {mu1.shape}, {mu2.shape} and covariances "
                         f"{s1.shape}, {s2.shape} do not agree")
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean))


def frechet_distance(real_features, fake_features, eps=1e-6):
    """The Fréchet distance between Gaussians fitted to two (N, d) feature sets (a float; FID when
    the features are Inception-v3's).  ``eps`` times the identity is added to both covariances so
    the matrix square root exists when features are degenerate (dead ReLUs, fewer samples than d).
    """
    real = _as_features(real_features, "real_features", "frechet_distance")
    fake = _as_features(fake_features, "fake_features", "frechet_distance")
    _check_same_width(real, fake, "frechet_distance")
    return frechet_distance_from_stats(real.mean(0), np.cov(real, rowvar=False), fake.mean(0),
                                       np.cov(fake, rowvar=False), eps)


# ----- Inception Score and the class histogram
def inception_score(probabilities, splits=10):
    """``(mean, std)`` over ``splits`` equal parts of ``exp(E_x KL(p(y|x) || p(y)))`` for (N, C) class
    probabilities: C for confident predictions spread evenly over C classes, 1 for a single class.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"inception_score: probabilities must have shape (N, classes), got {p.shape}")
    if np.any(p < -1e-6) or not np.allclose(p.sum(1), 1.0, atol=1e-3):
        raise ValueError("inception_score: each row must be a probability distribution (non-negative, sums "
                         f"to 1); got row sums between {p.sum(1).min():.4g} and {p.sum(1).max():.4g}")
    splits = int(splits)
    if not 1 <= splits <= len(p):
        raise ValueError(f"inception_score: splits must be between 1 and the {len(p)} samples, got {splits}")
    scores = []
    for part in np.array_split(p, splits):
        log_p = np.log(np.clip(part, 1e-12, None))
        log_py = np.log(np.clip(part.mean(0), 1e-12, None))
        scores.append(np.exp(np.mean(np.sum(part * (log_p - log_py), axis=1))))
    return float(np.mean(scores)), float(np.std(scores))


def class_histogram(probabilities_or_labels, num_classes=10):
    """(num_classes,) fractions of samples per class, from (N, C) probabilities (their argmax) or
    (N,) integer labels.

    >>> class_histogram(np.array([0, 0, 1, 3]), num_classes=4)
    array([0.5 , 0.25, 0.  , 0.25])
    """
    a = np.asarray(probabilities_or_labels)
    if a.ndim == 2:
        if a.shape[1] != num_classes:
            raise ValueError(f"class_histogram: probabilities have {a.shape[1]} columns, num_classes is "
                             f"{num_classes}")
        labels = np.argmax(a, axis=1)
    elif a.ndim == 1 and (np.issubdtype(a.dtype, np.integer) or a.size == 0):
        labels = a.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f"class_histogram: labels must lie in 0..{num_classes - 1}, got "
                             f"{labels.min()}..{labels.max()}")
    else:
        raise ValueError("class_histogram: expected (N, classes) probabilities or (N,) integer labels, got "
                         f"shape {a.shape} dtype {a.dtype}")
    if labels.size == 0:
        raise ValueError("class_histogram: got no samples")
    return np.bincount(labels, minlength=num_classes) / labels.size


# ----- k-NN precision and recall
def knn_radii(features, k=3):
    """(N,) distance from each row of ``features`` to its k-th nearest other row."""
    x = _as_features(features, "features", "knn_radii")
    if not 1 <= k < len(x):
        raise ValueError(f"knn_radii: k must be between 1 and N - 1 = {len(x) - 1}, got {k}")
    sq = np.einsum("ij,ij->i", x, x)
    radii = np.empty(len(x))
    for rows in _row_blocks(len(x), len(x)):
        d2 = _squared_distances(x[rows], x, sq)
        radii[rows] = np.partition(d2, k, axis=1)[:, k]  # index 0 is the point itself
    return np.sqrt(radii)


def knn_precision_recall(real_features, fake_features, k=3):
    """``(precision, recall)`` of Kynkäänniemi et al. (2019): precision is the fraction of fake samples
    inside the real manifold (the union of balls reaching each real sample's k-th nearest real
    neighbour), recall the fraction of real samples inside the fake manifold.  Distances are
    computed in row blocks, so 10k x 10k sets need tens of MB, not a full matrix."""
    real = _as_features(real_features, "real_features", "knn_precision_recall")
    fake = _as_features(fake_features, "fake_features", "knn_precision_recall")
    _check_same_width(real, fake, "knn_precision_recall")
    real_r2, fake_r2 = knn_radii(real, k) ** 2, knn_radii(fake, k) ** 2
    real_sq = np.einsum("ij,ij->i", real, real)
    fake_inside = np.empty(len(fake), dtype=bool)
    real_inside = np.zeros(len(real), dtype=bool)
    for rows in _row_blocks(len(fake), len(real)):  # one pass over the fake-real distances serves both
        d2 = _squared_distances(fake[rows], real, real_sq)
        fake_inside[rows] = np.any(d2 <= real_r2[None, :], axis=1)
        real_inside |= np.any(d2 <= fake_r2[rows, None], axis=0)
    return float(np.mean(fake_inside)), float(np.mean(real_inside))


# ----- memorisation
def nearest_training_images(samples, train_images, in_features=None, value_range=(0, 1)):
    """``(indices, distances)``, each (N,): for each sample, the index of its nearest training image
    and the Euclidean distance to it, in pixel space ([0, 1] pixels) or, with ``in_features`` an
    ``Evaluator`` (anything with ``.features``), in its feature space.  A copy of a training image
    is found at distance 0; compare the distances with those of real test images to the training set.
    """
    x = as_images(samples, value_range, where="nearest_training_images: samples")
    t = as_images(train_images, where="nearest_training_images: train_images")
    if in_features is None:
        x, t = x.reshape(len(x), -1), t.reshape(len(t), -1)
    elif hasattr(in_features, "features"):
        x, t = in_features.features(x), in_features.features(t)
    else:
        raise ValueError("nearest_training_images: in_features must be None (pixel space) or an Evaluator, "
                         f"got {type(in_features).__name__}")
    t_sq = np.einsum("ij,ij->i", t, t)
    index = np.empty(len(x), dtype=np.int64)
    for rows in _row_blocks(len(x), len(t)):
        index[rows] = np.argmin(_squared_distances(x[rows], t, t_sq), axis=1)
    # the expansion |a|^2 + |b|^2 - 2ab loses digits near 0: measure the winners exactly
    diff = x.astype(np.float64) - t[index].astype(np.float64)
    return index, np.sqrt(np.einsum("ij,ij->i", diff, diff))


# ----- everything at once
def _subset(x, n, rng):
    return x if len(x) <= n else x[np.sort(rng.choice(len(x), n, replace=False))]


def evaluate_samples(evaluator, samples, real_train, real_test=None, n=10000, seed=0, value_range=(0, 1), k=3,
                     memorisation_n=1000):
    """A dict of every metric for ``samples`` (images as ``Evaluator.features`` takes them) against
    ``real_train`` (and ``real_test``, the reference for the memorisation check):

    ``fd`` (Fréchet distance of the evaluator's features), ``is_mean``/``is_std`` (Inception Score),
    ``class_fractions`` (predicted-class histogram) with ``class_tv`` (total variation distance from
    the real training images' histogram), ``precision``/``recall`` (k-NN, ``k``), ``nn_train_median``
    (median pixel distance of ``memorisation_n`` samples to their nearest training image), and with
    ``real_test``: ``nn_test_median`` (the same for real test images), ``nn_ratio`` (their quotient:
    well below 1 suggests copying) and ``near_copies`` (fraction of samples closer to the training set
    than 99 % of test images are).  At most ``n`` samples and ``n`` training images (drawn with
    ``seed``) enter the feature metrics; the memorisation check searches the whole training set.
    """
    rng = np.random.default_rng(seed)
    fake = _subset(as_images(samples, value_range, where="evaluate_samples: samples"), n, rng)
    train = as_images(real_train, where="evaluate_samples: real_train")
    real = _subset(train, n, rng)
    if len(fake) < k + 1 or len(real) < k + 1:
        raise ValueError(f"evaluate_samples: need more than k = {k} samples and training images, got "
                         f"{len(fake)} and {len(real)}")
    f_real, f_fake = evaluator.features(real), evaluator.features(fake)
    p_real, p_fake = evaluator.probabilities(real), evaluator.probabilities(fake)
    num_classes = p_fake.shape[1]
    fractions, real_fractions = class_histogram(p_fake, num_classes), class_histogram(p_real, num_classes)
    is_mean, is_std = inception_score(p_fake, splits=max(1, min(10, len(fake) // 100)))
    precision, recall = knn_precision_recall(f_real, f_fake, k)
    m = min(memorisation_n, len(fake))
    _, d_fake = nearest_training_images(fake[:m], train)
    out = {"n_samples": int(len(fake)), "n_real": int(len(real)),
           "fd": frechet_distance(f_real, f_fake), "is_mean": is_mean, "is_std": is_std,
           "precision": precision, "recall": recall,
           "class_fractions": [float(v) for v in fractions],
           "class_tv": float(0.5 * np.abs(fractions - real_fractions).sum()),
           "nn_train_median": float(np.median(d_fake))}
    if real_test is not None:
        test = as_images(real_test, where="evaluate_samples: real_test")
        _, d_test = nearest_training_images(_subset(test, memorisation_n, np.random.default_rng(seed)), train)
        out["nn_test_median"] = float(np.median(d_test))
        out["nn_ratio"] = out["nn_train_median"] / max(out["nn_test_median"], 1e-12)
        out["near_copies"] = float(np.mean(d_fake < np.percentile(d_test, 1)))
    return out


# ----- calibration
def gaussian_noise(images, sigma=0.2, seed=0):
    """``images`` in [0, 1] plus N(0, sigma^2) noise, clipped to [0, 1] (float32, same shape)."""
    x = np.asarray(images, dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0.0, sigma, size=x.shape).astype(np.float32)
    return np.clip(x + noise, 0.0, 1.0)


def box_blur(images, size=3):
    """Each (28, 28[, 1]) image averaged over ``size`` x ``size`` neighbourhoods (edges reflected)."""
    x = np.asarray(images, dtype=np.float32)
    window = (1, size, size) + (1,) * (x.ndim - 3)
    return scipy.ndimage.uniform_filter(x, size=window, mode="reflect")


def calibration_path(evaluator, n=10000, seed=0, data=None):
    """The JSON file beside the evaluator's model that caches its calibration (None without a path)."""
    if getattr(evaluator, "path", None) is None:
        return None
    stem = os.path.splitext(os.path.basename(evaluator.path))[0]
    tag = "" if data is None else "-data" + fingerprint([a for pair in data for a in pair])[:8]
    return os.path.join(os.path.dirname(evaluator.path), f"calibration-{stem}-n{n}-seed{seed}{tag}.json")


def calibration(evaluator, n=10000, seed=0, cache=True, data=None, verbose=0):
    """The calibration rows, each a dict as ``evaluate_samples`` returns, keyed by
    ``CALIBRATION_ROWS``: real test images against real training images (the floor), the test images
    with Gaussian noise σ = 0.2, blurred 3x3, and only the test images of classes 0-4 (half the
    modes).  Computed once on the offline Fashion-MNIST (or ``data``) with ``n`` images and cached as
    JSON beside the evaluator's model (``cache=False`` recomputes and writes nothing)."""
    path = calibration_path(evaluator, n, seed, data) if cache else None
    if path is not None and os.path.exists(path):
        with open(path) as f:
            return json.load(f)["rows"]
    (x_train, _), (x_test, y_test) = load_fashion(data)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(x_test), min(n, len(x_test)), replace=False))
    test, labels = x_test[pick], y_test[pick]
    sets = {CALIBRATION_ROWS[0]: test, CALIBRATION_ROWS[1]: gaussian_noise(test, 0.2, seed + 1),
            CALIBRATION_ROWS[2]: box_blur(test, 3), CALIBRATION_ROWS[3]: test[labels < 5]}
    rows, start = {}, time.perf_counter()
    for name, images in sets.items():
        rows[name] = evaluate_samples(evaluator, images, x_train, x_test, n=n, seed=seed)
        if verbose:
            print(f"calibration: {name}: FD {rows[name]['fd']:.3f}")
    if path is not None:
        from ...io import atomic_write
        record = {"rows": rows, "n": n, "seed": seed, "evaluator": os.path.basename(evaluator.path),
                  "seconds": round(time.perf_counter() - start, 1)}
        atomic_write(path, lambda f: f.write(json.dumps(record, indent=2, ensure_ascii=False).encode()))
    return rows


TABLE_COLUMNS = (("FD", lambda r: f"{r['fd']:.2f}"),
                 ("IS", lambda r: f"{r['is_mean']:.2f} ± {r['is_std']:.2f}"),
                 ("precision", lambda r: f"{r['precision']:.3f}"),
                 ("recall", lambda r: f"{r['recall']:.3f}"),
                 ("class TV", lambda r: f"{r['class_tv']:.3f}"),
                 ("NN-train median", lambda r: f"{r['nn_train_median']:.2f}"),
                 ("near copies", lambda r: f"{r['near_copies']:.3f}" if "near_copies" in r else "–"))


def calibration_table(rows, result=None):
    """Markdown table lines: one row per calibration row, then ``result`` (a dict from
    ``evaluate_samples``, shown as 'samples', or a dict of such dicts by name), with the Fréchet
    distance, Inception Score, k-NN precision and recall, the class histogram's total variation from
    the real one, the median pixel distance to the nearest training image and the near-copy fraction.
    """
    named = dict(rows)
    if result is not None:
        named.update({"**samples**": result} if "fd" in result else {f"**{k}**": v for k, v in result.items()})
    lines = ["| set | " + " | ".join(c for c, _ in TABLE_COLUMNS) + " |",
             "| --- | " + " | ".join("---:" for _ in TABLE_COLUMNS) + " |"]
    for name, r in named.items():
        lines.append(f"| {name} | " + " | ".join(fmt(r) for _, fmt in TABLE_COLUMNS) + " |")
    return lines
