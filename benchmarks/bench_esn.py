"""Echo state network, Axon against reservoirpy in one run: the same series and settings.

Workload: Mackey-Glass (tau = 17), generated once (``axon.data.mackey_glass``, equal to
reservoirpy's ``mackey_glass``) and scaled to [-1, 1]; both libraries get this same array.  500
units, spectral radius 0.9, leak rate 0.3, input scaling 1, 10 % recurrent and input connectivity,
ridge 1e-8 (added to the centred Gram matrix in both), readout with a bias; the readout is fitted on
2,000 steps after a 100-step washout (reservoirpy's ``warmup``).  Measured: the one-step NRMSE on
the next 1,000 steps (each library's reservoir fed the true series from the start), and the NRMSE
of a 100-step free run that follows (each output fed back as the next input); NRMSE is reservoirpy's
default, RMSE over the range of the truth (``norm="minmax"``).

Quality: each library draws its own random reservoir, for ``--seeds`` seeds; the medians are
compared.  "same reservoir": reservoirpy given Axon's matrices, which isolates the
implementations from the luck of the draw.  Speed: building plus fitting, the 1,000 one-step
predictions and the 100-step free run (the fastest of 10, each from the state the one-step run
left), interleaved in ``--rounds`` rounds, best round of each (wall and CPU seconds); ratios are reservoirpy / Axon (above 1, Axon is faster).
Run: ``python benchmarks/bench_esn.py``.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import set_threads  # noqa: E402

UNITS, RADIUS, LEAK, SCALING, RIDGE, WASHOUT = 500, 0.9, 0.3, 1.0, 1e-8, 100
TRAIN, TEST, FREE = 2000, 1000, 100


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def fastest(fn, repeats=10):
    """``timed`` of the fastest of ``repeats`` calls (a 100-step free run lasts milliseconds)."""
    return min((timed(fn) for _ in range(repeats)), key=lambda r: r[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.threads)
    import numpy as np
    from axon.data.mackey_glass import mackey_glass
    from axon.zoo.classic.esn import EchoStateNetwork, nrmse
    try:
        import reservoirpy
        from reservoirpy.nodes import Reservoir, Ridge
        from reservoirpy.datasets import mackey_glass as their_mackey_glass
    except ImportError:
        reservoirpy = None
        print("reservoirpy is not installed (pip install reservoirpy, or axon[compare]): Axon alone")
    raw = mackey_glass(TRAIN + TEST + FREE + 1)
    if reservoirpy is not None:
        same = np.array_equal(raw, their_mackey_glass(len(raw)))
        print(f"Mackey-Glass series identical to reservoirpy's: {same}")
    s = 2 * (raw - raw.min()) / (raw.max() - raw.min()) - 1
    x, y = s[:-1], s[1:]
    truth_one, truth_free = y[TRAIN:TRAIN + TEST], s[TRAIN + TEST:TRAIN + TEST + FREE]
    print(f"ESN {UNITS} units, spectral radius {RADIUS}, leak {LEAK}, ridge {RIDGE}; train {TRAIN}, washout "
          f"{WASHOUT}, one-step test {TEST}, free run {FREE}; {args.threads} thread(s)")

    def ours(seed):
        esn = EchoStateNetwork(units=UNITS, spectral_radius=RADIUS, leak_rate=LEAK, input_scaling=SCALING,
                               ridge=RIDGE, washout=WASHOUT, seed=seed)
        _, fit_s, fit_c = timed(lambda: esn.fit(x[:TRAIN], y[:TRAIN], verbose=0))
        pred, one_s, one_c = timed(lambda: esn.predict(x[:TRAIN + TEST])[TRAIN:])
        _, state = esn.states(x[:TRAIN + TEST - 1])  # the free run starts where the one-step run stopped
        free, gen_s, gen_c = fastest(lambda: esn.generate(FREE, warmup=x[TRAIN + TEST - 1:TRAIN + TEST],
                                                          initial_state=state))
        return esn, (nrmse(truth_one, pred), nrmse(truth_free, free)), (fit_s, one_s, gen_s), (fit_c, one_c, gen_c)

    def theirs(seed, matrices=None):
        if matrices is None:
            reservoir = Reservoir(UNITS, lr=LEAK, sr=RADIUS, input_scaling=SCALING, rc_connectivity=0.1,
                                  input_connectivity=0.1, seed=seed)
        else:
            reservoir = Reservoir(W=matrices[0], Win=matrices[1], lr=LEAK)
        model = reservoir >> Ridge(ridge=RIDGE)
        _, fit_s, fit_c = timed(lambda: model.fit(x[:TRAIN], y[:TRAIN], warmup=WASHOUT))

        def one_step():
            reservoir.reset()  # from a zero state over the whole series, as Axon's predict
            return model.run(x[:TRAIN + TEST])[TRAIN:]
        pred, one_s, one_c = timed(one_step)

        after = {k: v.copy() for k, v in reservoir.state.items()}

        def free_run():
            reservoir.state = {k: v.copy() for k, v in after.items()}  # each repetition from the same state
            value, out = pred[-1], [pred[-1]]  # the prediction of the step after the series
            for _ in range(FREE - 1):
                value = model(value)
                out.append(value)
            return np.array(out).reshape(-1, 1)
        free, gen_s, gen_c = fastest(free_run)
        return (nrmse(truth_one, pred), nrmse(truth_free, free)), (fit_s, one_s, gen_s), (fit_c, one_c, gen_c)

    quality = {"Axon": [], "reservoirpy": [], "reservoirpy, same reservoir": []}
    best = {}
    for seed in range(max(args.seeds, args.rounds)):
        runs = [("Axon", lambda: ours(seed)[1:])]
        if reservoirpy is not None:
            runs.append(("reservoirpy", lambda: theirs(seed)))
        for name, run in (runs if seed % 2 == 0 else runs[::-1]):
            errors, walls, cpus = run()
            if seed < args.seeds:
                quality[name].append(errors)
            if seed < args.rounds and (name not in best or sum(walls) < sum(best[name][0])):
                best[name] = (walls, cpus)
        if reservoirpy is not None and seed < args.seeds:
            esn = ours(seed)[0]
            matrices = (esn.reservoir_matrix().astype(np.float64), esn.input_kernel.data.T.astype(np.float64))
            quality["reservoirpy, same reservoir"].append(theirs(seed, matrices)[0])
            quality.setdefault("Axon, same reservoir", []).append(ours(seed)[1])
    print(f"\nquality: median NRMSE (range-normalised) over {args.seeds} seeds")
    print(f"{'library':<30}{'one-step':>12}{'100-step free run':>20}")
    for name in ("Axon", "reservoirpy", "Axon, same reservoir", "reservoirpy, same reservoir"):
        if quality.get(name):
            med = np.median(np.array(quality[name]), axis=0)
            print(f"{name:<30}{med[0]:>12.2e}{med[1]:>20.2e}")
    print(f"\nspeed: best of {args.rounds} rounds, seconds (wall / CPU)")
    print(f"{'library':<14}{'build + fit':>16}{'1000 one-step':>16}{'100 free-run':>16}")
    for name, (walls, cpus) in best.items():
        print(f"{name:<14}" + "".join(f"{w:.3f}/{c:.3f}".rjust(16) for w, c in zip(walls, cpus)))
    if "reservoirpy" in best:
        (aw, ac), (rw, rc) = best["Axon"], best["reservoirpy"]
        print(f"{'ratio':<14}" + "".join(f"{r / a:.2f}x/{rr / ca:.2f}x".rjust(16) for a, r, ca, rr in zip(aw, rw, ac, rc)))


if __name__ == "__main__":
    main()
