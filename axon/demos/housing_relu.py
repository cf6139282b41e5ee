"""The housing-prices slide: a single ReLU neuron maps a house's size to its price, and a small
network of ReLUs uses several features.

The lecture's first "neural network" is one neuron: ``price = max(0, w · size + b)``, a straight line
that is clipped at zero (no house sells for a negative price).  Stacking such neurons, each reading
several features (size, bedrooms, distance to the centre, age), a network bends the line where the
data bends.  The data here is **generated** (a made-up market, seeded): the price grows with the
size beyond about 35 m², more per m² near the centre, less for old houses, plus noise.

>>> x, price = housing_data(5, seed=0)
>>> x.shape, price.shape, bool((price >= 0).all())
((5, 4), (5,), True)
"""
import numpy as np

from .. import layers
from ..backend import manual_seed
from ..models import Sequential
from ..utils.plots import pyplot, save_figure
from .page import DemoResults, figure_path, write_page

TITLE = "housing prices with a ReLU: one neuron for size -> price, then a small net on four features"
FEATURES = ("size (m²)", "bedrooms", "distance to centre (km)", "age (years)")


def housing_data(n, seed=0):
    """``n`` generated houses: features (n, 4) float32 as ``FEATURES`` and price (n,) in thousands."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(20, 220, n)
    bedrooms = np.clip(np.round(size / 35 + rng.normal(0, 0.7, n)), 1, 7)
    distance = rng.uniform(0.5, 25, n)
    age = rng.uniform(0, 80, n)
    per_m2 = 4.0 * np.exp(-distance / 12) + 1.0            # dearer near the centre
    price = np.maximum(0, size - 35) * per_m2 * (1 - age / 200) + 8 * bedrooms + rng.normal(0, 15, n)
    x = np.stack([size, bedrooms, distance, age], axis=1).astype(np.float32)
    return x, np.maximum(price, 0).astype(np.float32)


def _fit(model, x, y, epochs, lr):
    from ..optimizers import Adam
    model.compile(optimizer=Adam(learning_rate=lr), loss="mse")
    return model.fit(x, y, epochs=epochs, batch_size=32, verbose=0).history["loss"]


def run(out_dir, quick=False, print_fn=print):
    """Fit the single ReLU neuron on size, then the small net on all features; write the page."""
    say = print_fn or (lambda *a: None)
    n, epochs = (600, 60) if quick else (4000, 150)
    x, price = housing_data(n, seed=0)
    split = int(0.8 * n)
    mean, std = x[:split].mean(0), x[:split].std(0)
    xs = (x - mean) / std
    y = price[:, None] / 100.0                          # hundreds of thousands: a well-scaled target
    manual_seed(0)
    neuron = Sequential([layers.Input((1,)), layers.Dense(1, activation="relu", kernel_initializer="ones",
                                                          bias_initializer="ones")])
    _fit(neuron, xs[:split, :1], y[:split], epochs, 0.05)
    net = Sequential([layers.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(8, activation="relu"),
                      layers.Dense(1)])
    _fit(net, xs[:split], y[:split], epochs, 0.01)

    def rmse(model, inputs):
        p = np.asarray(model.predict(inputs, verbose=0)).reshape(-1) * 100
        return float(np.sqrt(np.mean((p - price[split:]) ** 2)))
    rmse_neuron, rmse_net = rmse(neuron, xs[split:, :1]), rmse(net, xs[split:])
    w = float(neuron.layers[-1].kernel.data.reshape(-1)[0]) / float(std[0]) * 100   # thousands per m²
    b = float(neuron.layers[-1].bias.data.reshape(-1)[0]) * 100 - w * float(mean[0])
    kink = -b / w if w else float("nan")
    say(f"one ReLU neuron: price = max(0, {w:.3f} · size {b:+.1f}) thousand, zero below {kink:.1f} m²; "
        f"test RMSE {rmse_neuron:.1f} thousand")
    say(f"small ReLU net on {len(FEATURES)} features: test RMSE {rmse_net:.1f} thousand")
    r = DemoResults(
        "housing-relu", "Housing prices with a ReLU", (
            "A single neuron with a ReLU, price = max(0, w · size + b), is the simplest neural network: "
            "a line clipped at zero. A small network of ReLU neurons reading several features "
            "predicts the price better than size alone."),
        measured={"neuron: thousands per m²": round(w, 3), "neuron: zero below (m²)": round(kink, 1),
                  "neuron test RMSE (thousands)": round(rmse_neuron, 1),
                  "small net test RMSE (thousands)": round(rmse_net, 1), "houses (generated)": n},
        values={"slope": w, "intercept": b, "kink": kink, "rmse_neuron": rmse_neuron, "rmse_net": rmse_net,
                "x": x, "price": price})
    plt = pyplot()
    fig, (a, c) = plt.subplots(1, 2, figsize=(11, 4))
    a.scatter(x[:, 0], price, s=4, alpha=0.35, color="0.4", label="houses (generated)")
    sizes = np.linspace(0, 230, 300, dtype=np.float32)[:, None]
    fit = np.asarray(neuron.predict((sizes - mean[0]) / std[0], verbose=0)).reshape(-1) * 100
    a.plot(sizes[:, 0], fit, color="C3", lw=2.5, label=f"max(0, {w:.2f}·size {b:+.0f})")
    a.set_xlabel("size (m²)")
    a.set_ylabel("price (thousands)")
    a.set_title(f"one ReLU neuron: test RMSE {rmse_neuron:.0f}")
    a.legend(fontsize=8)
    p = np.asarray(net.predict(xs[split:], verbose=0)).reshape(-1) * 100
    c.scatter(price[split:], p, s=6, alpha=0.5, label=f"small net ({len(FEATURES)} features)")
    c.scatter(price[split:], np.asarray(neuron.predict(xs[split:, :1], verbose=0)).reshape(-1) * 100, s=6,
              alpha=0.35, color="C3", label="one neuron (size only)")
    top = float(price.max())
    c.plot([0, top], [0, top], "k--", lw=1)
    c.set_xlabel("true price (thousands)")
    c.set_ylabel("predicted")
    c.set_title(f"test houses: net RMSE {rmse_net:.0f} vs neuron {rmse_neuron:.0f}")
    c.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "fit", "the ReLU fit of size to price, and the predictions"),
                dpi=60 if quick else 110)
    write_page(r, out_dir, sections=[
        ("The data", f"{n} **generated** houses (seeded; not a real market): "
         + ", ".join(FEATURES) + ". The price grows with the size beyond about 35 m², more near the "
         "centre and less for old houses, plus noise. 80% train, 20% test; features standardized."),
        ("The models", f"One neuron `Dense(1, activation='relu')` on the size; then `Dense(16, relu) → "
         f"Dense(8, relu) → Dense(1)` on all four features; both mean squared error with Adam, {epochs} epochs. "
         f"The neuron learned price = max(0, {w:.3f} · size {b:+.1f}) thousand, zero below {kink:.0f} m².")],
        try_next=["start the neuron with a negative bias far below the data: a dead ReLU never learns",
                  "drop a feature from the net and see which one the price needs most",
                  "replace the ReLUs by sigmoids and compare"])
    return r
