"""Bias and variance against human-level error: train/dev/test, the lecture's table of cases, and
the measured train and dev errors of models of growing size.

The lecture: split the data into a training set (to fit), a dev set (to choose
between models and settings) and a test set (touched once, at the end, for an
unbiased estimate).  Human-level error stands in for the Bayes error, the best
any classifier can do.  Then

* avoidable bias = training error - human-level error,
* variance = dev error - training error,

and the larger of the two says what to work on: high bias (a bigger model,
longer training, a better architecture) or high variance (more data,
regularisation).  With human-level error near 0 %, the lecture's table reads:
train 1 % / dev 11 % is high variance; 15 % / 16 % high bias; 15 % / 30 % both;
0.5 % / 1 % neither.

Fashion-MNIST has no expert human-level error; ``HUMAN_LEVEL_ERROR`` takes the
error of the best networks on it as the proxy (the lecture's rule: the best any
human, team or system achieves).

>>> diagnose(0.0, 0.15, 0.30)["diagnosis"]
'high bias and high variance'
>>> diagnose(0.075, 0.08, 0.10)["focus"]
'variance'
"""
import numpy as np

TITLE = "bias and variance against human-level error: train/dev/test and models of growing size"

#: the proxy for Bayes error on Fashion-MNIST: about the test error of the best published networks
HUMAN_LEVEL_ERROR = 0.05
#: avoidable bias or variance above this (a fraction of the examples) counts as high
TOLERANCE = 0.03
#: the lecture's table: (human-level, training, dev error) and what the lecture says of it
LECTURE_CASES = (
    (0.0, 0.01, 0.11, "high variance"),
    (0.0, 0.15, 0.16, "high bias"),
    (0.0, 0.15, 0.30, "high bias and high variance"),
    (0.0, 0.005, 0.01, "neither"),
    (0.01, 0.08, 0.10, "focus on bias"),
    (0.075, 0.08, 0.10, "focus on variance"),
)
SETTINGS = {True: dict(n_train=300, n_dev=300, n_test=300, epochs=30, batch_size=32, units=(1, 4, 32, 256)),
            False: dict(n_train=2000, n_dev=1000, n_test=1000, epochs=30, batch_size=64,
                        units=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512))}


def diagnose(human, train, dev, tolerance=TOLERANCE):
    """The lecture's reading of the errors (fractions): ``avoidable_bias`` (train - human),
    ``variance`` (dev - train), ``diagnosis`` (which of them exceed ``tolerance``) and ``focus``
    (the larger one)."""
    for name, v in (("human", human), ("train", train), ("dev", dev)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} error must be a fraction in [0, 1], got {v!r}")
    bias, variance = train - human, dev - train
    high = [name for name, v in (("high bias", bias), ("high variance", variance)) if v > tolerance]
    return {"avoidable_bias": bias, "variance": variance, "diagnosis": " and ".join(high) or "neither",
            "focus": "bias" if bias >= variance else "variance"}


def build(units, seed=0):
    """One hidden ReLU layer of ``units`` on the 784 pixels, Adam, compiled."""
    import axon
    from ..layers import Dense
    axon.manual_seed(seed)
    model = axon.Sequential([Dense(units, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def error(model, x, y):
    """The fraction of ``x`` that ``model`` classifies wrong."""
    return 1.0 - float(model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"])


def run(out_dir, quick=False, seed=0):
    """Split a Fashion-MNIST subset into train/dev/test, train models of growing size, diagnose
    each; writes ``errors.png`` and ``bias_variance.md``; returns ``DemoResults``
    (``values['models']``: per model its units, errors and diagnosis; ``values['lecture']``);
    ``seed`` draws the subset, the split and the weights."""
    from ..data import train_val_test_split
    from .data import fashion_subset
    from .page import DemoResults, figure_path, write_page
    s = SETTINGS[bool(quick)]
    n = s["n_train"] + s["n_dev"] + s["n_test"]
    (pool_x, pool_y), _ = fashion_subset(n, 0, seed=seed, flat=False)
    pool_x = pool_x.reshape(n, -1)
    x, xd, xt, y, yd, yt = train_val_test_split(pool_x, pool_y, val_size=s["n_dev"], test_size=s["n_test"],
                                                seed=seed, stratify=pool_y)
    models, fitted = [], []
    for units in s["units"]:
        model = build(units, seed)
        model.fit(x, y, batch_size=s["batch_size"], epochs=s["epochs"], verbose=0)
        train_err, dev_err = error(model, x, y), error(model, xd, yd)
        models.append({"units": units, "train": train_err, "dev": dev_err,
                       **diagnose(HUMAN_LEVEL_ERROR, train_err, dev_err)})
        fitted.append(model)
    best = int(np.argmin([m["dev"] for m in models]))
    test_err = error(fitted[best], xt, yt)  # the test set, once, for the model the dev set chose
    lecture = [{"human": h, "train": t, "dev": d, "lecture": name, **diagnose(h, t, d)}
               for h, t, d, name in LECTURE_CASES]
    measured = {"train / dev / test images": f"{len(x)} / {len(xd)} / {len(xt)}",
                "human-level error (proxy)": HUMAN_LEVEL_ERROR}
    for m in (models[0], models[-1]):
        measured[f"{m['units']} unit{'s' if m['units'] != 1 else ''}: train / dev error"] = f"{m['train']:.3f} / {m['dev']:.3f} ({m['diagnosis']})"
    measured[f"dev set's choice ({models[best]['units']} units): test error"] = test_err
    r = DemoResults("bias-variance", "Bias and variance against human-level error",
                    "Avoidable bias is the training error above human-level error, variance the dev error "
                    "above the training error; a small model has high bias, a big one trained on little "
                    "data high variance, and the larger of the two says what to fix.",
                    measured, values={"models": models, "lecture": lecture, "best": best, "test_error": test_err,
                                      "sizes": (len(x), len(xd), len(xt))})
    _plot(models, figure_path(r, out_dir, "errors", "training and dev error of models of growing size against "
                              "human-level error: avoidable bias below the training curve, variance between "
                              "the curves"), 60 if quick else 110)
    pct = lambda v: f"{100 * v:.1f} %"
    lecture_rows = "\n".join(f"| {pct(c['human'])} | {pct(c['train'])} | {pct(c['dev'])} | {pct(c['avoidable_bias'])} | "
                             f"{pct(c['variance'])} | {c['diagnosis']} | {c['focus']} | {c['lecture']} |"
                             for c in lecture)
    model_rows = "\n".join(f"| {m['units']} | {pct(m['train'])} | {pct(m['dev'])} | {pct(m['avoidable_bias'])} | "
                           f"{pct(m['variance'])} | {m['diagnosis']} | {m['focus']} |" for m in models)
    header = "| avoidable bias | variance | diagnosis | focus on |\n"
    sections = [
        ("Human-level error", f"Human-level error stands in for the Bayes error, the error no classifier can "
         "beat. Fashion-MNIST has no measured expert human-level error, so, following the lecture's rule (take "
         "the best any human, team or system achieves), this page takes about the test error of the best "
         f"published networks, {pct(HUMAN_LEVEL_ERROR)} (`bias_variance.HUMAN_LEVEL_ERROR`). A training error "
         "below it (a negative avoidable bias) means the model has learned its training images by heart, "
         "not that it beats the Bayes error."),
        ("The lecture's table", "| human-level | train | dev " + header.replace(" |\n", " | the lecture |\n")
         + "| ---: | ---: | ---: | ---: | ---: | --- | --- | --- |\n"
         + lecture_rows + f"\n\n'High' means more than {pct(TOLERANCE)}; the last two rows are the lecture's "
         "example where only human-level error changes, and with it what to work on."),
        ("Measured: models of growing size", f"{len(x)} training, {len(xd)} dev and {len(xt)} test images "
         f"(`axon.data.train_val_test_split`, stratified); one hidden ReLU layer, Adam, {s['epochs']} epochs. "
         f"Human-level error: {pct(HUMAN_LEVEL_ERROR)}, the proxy above.\n\n"
         "| hidden units | train | dev " + header + "| ---: | ---: | ---: | ---: | ---: | --- | --- |\n" + model_rows
         + f"\n\nThe dev set chose {models[best]['units']} units (dev error {pct(models[best]['dev'])}); its test "
         f"error, measured once, is {pct(test_err)}."),
    ]
    write_page(r, out_dir, sections, try_next=[
        "quadruple the training images: the big models' variance shrinks, the small models' bias does not",
        "add dropout to the biggest model (`axon demo overfitting`) and watch its variance",
        "set `bias_variance.HUMAN_LEVEL_ERROR` to 0 or to 0.15 and see which diagnoses change: the "
        "avoidable bias is only as good as the proxy"])
    return r


def _plot(models, path, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    units = [m["units"] for m in models]
    train = np.array([m["train"] for m in models])
    dev = np.array([m["dev"] for m in models])
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.axhline(HUMAN_LEVEL_ERROR, color="k", ls=":", label="human-level error (proxy)")
    ax.fill_between(units, HUMAN_LEVEL_ERROR, np.maximum(train, HUMAN_LEVEL_ERROR), alpha=0.2, color="C0",
                    label="avoidable bias")
    ax.fill_between(units, train, dev, alpha=0.2, color="C3", label="variance")
    ax.plot(units, train, "o-", color="C0", label="training error")
    ax.plot(units, dev, "s--", color="C3", label="dev error")
    for u, t, m in zip(units, train, models):
        ax.annotate(m["diagnosis"].replace(" and ", "\n+ "), (u, max(t, m["dev"])), textcoords="offset points",
                    xytext=(0, 8), ha="center", fontsize=7)
    ax.set_xscale("log", base=2)
    ax.set_xticks(units, [str(u) for u in units])
    ax.set_xlabel("hidden units (model size)")
    ax.set_ylabel("error")
    ax.set_ylim(0, min(1.0, max(dev.max(), train.max()) + 0.15))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    save_figure(fig, path, dpi)
