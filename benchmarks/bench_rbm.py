"""Axon's BernoulliRBM against scikit-learn's, on scikit-learn's own example ("Restricted Boltzmann
Machine features for digit classification"): the 8x8 digits nudged one pixel in four directions,
min-max scaled to [0, 1], split 80/20 with ``train_test_split(test_size=0.2, random_state=0)``;
100 hidden units, learning rate 0.06, 10 epochs of batches of 10; then logistic regression
(C = 6000, lbfgs with max_iter=1000: the example's newton-cg with tol=1 stops at once in
scikit-learn 1.9) on the hidden probabilities.

Both run in this process, in interleaved rounds, with the same thread settings.  scikit-learn's RBM
is persistent CD with 10 chains and its learning rate multiplies the batch-mean gradient, as
Axon's does.  Printed per model: test accuracy, the test pseudo-likelihood (each library's own
``score_samples``, one random unit flipped per example, and the exact sum over every unit from
``axon.zoo.energy.rbm_scores.pseudo_likelihood``), fit seconds (best of the rounds) and the
speed ratio.

    python benchmarks/bench_rbm.py [--rounds 3] [--threads 1] [--momentum 0.5]
"""
import argparse
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import set_threads  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--momentum", type=float, default=0.5,
                        help="momentum of the extra Axon rows (Hinton's guide starts at 0.5); 0 leaves them out")
    args = parser.parse_args()
    set_threads(args.threads)
    os.environ["AXON_NUM_THREADS"] = str(args.threads)

    import numpy as np
    import axon
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import BernoulliRBM as SklearnRBM
    from axon.data.datasets.digits import nudged_arrays
    from axon.zoo.energy import BernoulliRBM
    from axon.zoo.energy.rbm_scores import pseudo_likelihood

    x, y = nudged_arrays()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)
    print(f"nudged digits: {len(x_train)} training and {len(x_test)} test images of {x.shape[1]} pixels; "
          f"{args.threads} thread(s), {args.rounds} interleaved rounds")

    def classifier(c):
        return LogisticRegression(C=c, max_iter=1000)

    raw = classifier(100.0).fit(x_train, y_train).score(x_test, y_test)
    print(f"logistic regression on raw pixels (C=100): test accuracy {raw:.4f}")

    def sklearn_fit(seed):
        return SklearnRBM(n_components=100, learning_rate=0.06, n_iter=args.epochs, batch_size=10,
                          random_state=seed).fit(x_train)

    def axon_fit(persistent, momentum):
        def fit(seed):
            axon.manual_seed(seed)  # fit's shuffling
            rbm = BernoulliRBM(100, learning_rate=0.06, persistent=persistent, momentum=momentum, seed=seed)
            rbm.fit(x_train, epochs=args.epochs, batch_size=10, verbose=0)
            return rbm
        return fit

    models = [("scikit-learn BernoulliRBM (PCD)", sklearn_fit),
              ("Axon BernoulliRBM PCD", axon_fit(True, 0.0)),
              ("Axon BernoulliRBM CD-1", axon_fit(False, 0.0))]
    if args.momentum:
        models += [(f"Axon PCD, momentum {args.momentum:g}", axon_fit(True, args.momentum)),
                   (f"Axon CD-1, momentum {args.momentum:g}", axon_fit(False, args.momentum))]
    results = {name: {"seconds": [], "accuracy": [], "own_pl": [], "exact_pl": []} for name, _ in models}
    for round_ in range(args.rounds):
        for name, fit in models:
            gc.collect()  # the previous classifier's garbage is not charged to the next fit
            start = time.perf_counter()
            rbm = fit(round_)
            took = time.perf_counter() - start
            accuracy = classifier(6000.0).fit(rbm.transform(x_train), y_train).score(rbm.transform(x_test), y_test)
            own = rbm.score_samples(x_test).mean() if name.startswith("scikit") else \
                rbm.score_samples(x_test, seed=round_).mean()
            r = results[name]
            r["seconds"].append(took)
            r["accuracy"].append(accuracy)
            r["own_pl"].append(float(own))
            r["exact_pl"].append(float(pseudo_likelihood(rbm, x_test).mean()))
        print(f"round {round_ + 1}: " + ", ".join(f"{n.split(' (')[0]} {results[n]['seconds'][-1]:.2f}s"
                                                  for n, _ in models), flush=True)

    best_ref = min(results[models[0][0]]["seconds"])
    median_ref = np.median(results[models[0][0]]["seconds"])
    print(f"\n{'model':<34}{'accuracy':>10}{'PL (own)':>11}{'PL (exact)':>12}{'best fit s':>12}{'speed (best)':>14}"
          f"{'speed (median)':>16}")
    for name, _ in models:
        r = results[name]
        best, median = min(r["seconds"]), np.median(r["seconds"])
        print(f"{name:<34}{np.mean(r['accuracy']):>10.4f}{np.mean(r['own_pl']):>11.2f}{np.mean(r['exact_pl']):>12.2f}"
              f"{best:>12.2f}{best_ref / best:>13.2f}x{median_ref / median:>15.2f}x")
    print("\naccuracy and pseudo-likelihoods (nats per test image) are means over the rounds (seeds 0, 1, ...); "
          "speed is scikit-learn's fit time over Axon's, best and median of the rounds (above 1: Axon is faster)")
    rounds = [f"{n.split(' (')[0]}: {', '.join(f'{v:.2f}' for v in results[n]['exact_pl'])}" for n, _ in models]
    print("per round, exact PL: " + "; ".join(rounds))


if __name__ == "__main__":
    main()
