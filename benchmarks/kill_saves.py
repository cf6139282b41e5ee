"""Kill test: SIGKILL a process at random moments while it saves a model, and check what is left.

Two ways of saving are tried: ``model.save(target)`` in a loop (each save holds a new version of
the weights), and training with ``ModelCheckpoint(target)`` (a save at every epoch end).  Each
trial forks a child that saves again and again, waits until its first save is complete, sleeps a
random time spread over a few saves, and kills it.  Then the target must be a complete model: it
loads, and its predictions equal those of one of the versions saved; at most one temporary may lie
beside it, and none after the next save.

    python benchmarks/kill_saves.py [--trials 50] [--seed 0]

POSIX only (fork and SIGKILL).
"""
import argparse
import os
import random
import signal
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # a forked child must not inherit a busy BLAS pool
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import axon  # noqa: E402
from axon.callbacks import LambdaCallback, ModelCheckpoint  # noqa: E402
from axon.io import stale_temporaries  # noqa: E402
from axon.layers import Dense  # noqa: E402

STEP = 0.5  # version i of the model.save loop holds the initial weights plus i * STEP


def _problem():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (16, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)


def _model(initial=None):
    m = axon.Sequential([Dense(4, activation="tanh", input_shape=(3,)), Dense(1)])
    m.compile("adam", "mse")
    if initial is not None:
        m.set_weights(initial)
    return m


def _version(initial, i):
    return [(w + np.float32(i * STEP)).astype(np.float32) for w in initial]


def _save_loop(target, initial, ready):
    """Child: save version 1, 2, 3, ... of the model to ``target`` until killed."""
    m = _model(initial)
    for i in range(1, 10 ** 9):
        m.set_weights(_version(initial, i))
        m.save(target)
        if i == 1:
            os.write(ready, b"1")


def _train_loop(target, initial, ready, epochs):
    """Child: train with ModelCheckpoint(target) saving every epoch until killed."""
    x, y = _problem()
    signal_once = LambdaCallback(on_epoch_end=lambda e, logs: os.write(ready, b"1") if e == 0 else None)
    _model(initial).fit(x, y, epochs=epochs, batch_size=len(x), shuffle=False, verbose=0,
                        callbacks=[ModelCheckpoint(target), signal_once])


def _kill_during(child, spread):
    """Fork a child running ``child(ready_fd)``; once it signals its first complete save, sleep
    uniform(0, spread) seconds and SIGKILL it.  Returns True when the kill ended it."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into the caller (nor into pytest)
        os.close(read)
        try:
            child(write)
        finally:
            os._exit(1)
    os.close(write)
    got = os.read(read, 1)
    os.close(read)
    if got:
        time.sleep(random.uniform(0, spread))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return bool(got) and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _matches(target, x, references):
    """Whether ``target`` loads and predicts exactly as one of ``references`` (predictions)."""
    try:
        got = axon.load_model(target).predict(x, verbose=0)
    except Exception:  # a broken file: the failure this test exists to catch
        return False
    return any(np.array_equal(got, r) for r in references)


def _time(fn, repeat=5):
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def run_trials(mode, trials, folder, epochs=400):
    """``trials`` kills of a child saving to ``folder/model.keras`` with ``mode`` "save" (the
    model.save loop) or "checkpoint" (ModelCheckpoint during fit).  Returns the counts."""
    x, _ = _problem()
    target = os.path.join(folder, "model.keras")
    initial = _model().get_weights()
    if mode == "save":
        spread = 3 * _time(lambda: _model(initial).save(target))
        references = None  # computed lazily: version i is known from the weights
        child = lambda ready: _save_loop(target, initial, ready)  # noqa: E731
    else:
        xs, ys = _problem()
        references = []
        record = LambdaCallback(on_epoch_end=lambda e, logs: references.append(m.predict(x, verbose=0)))
        m = _model(initial)
        start = time.perf_counter()
        m.fit(xs, ys, epochs=epochs, batch_size=len(xs), shuffle=False, verbose=0, callbacks=[record])
        spread = 3 * ((time.perf_counter() - start) / epochs + _time(lambda: m.save(target)))
        child = lambda ready: _train_loop(target, initial, ready, epochs)  # noqa: E731
    counts = {"mode": mode, "trials": 0, "killed": 0, "complete": 0, "mid_write": 0, "max_leftover": 0,
              "left_after_next_save": 0}
    for _ in range(trials):
        counts["trials"] += 1
        counts["killed"] += _kill_during(child, spread)
        left = len(stale_temporaries(target))
        counts["mid_write"] += left > 0
        counts["max_leftover"] = max(counts["max_leftover"], left)
        refs = references if references is not None else _save_references(target, initial, x)
        counts["complete"] += _matches(target, x, refs)
        _model(initial).save(target)  # the next save sweeps what the killed one left
        counts["left_after_next_save"] += len(stale_temporaries(target))
    return counts


def _save_references(target, initial, x):
    """Predictions of the model.save version that ``target`` seems to hold (read from its first
    weight), so that _matches checks every weight and the output exactly."""
    try:
        first = axon.load_model(target).get_weights()[0]
    except Exception:
        return []
    i = int(round(float((first.flat[0] - initial[0].flat[0]) / STEP)))
    return [_model(_version(initial, i)).predict(x, verbose=0)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    axon.utils.set_random_seed(args.seed)
    rows = []
    for mode in ("save", "checkpoint"):
        with tempfile.TemporaryDirectory() as folder:
            rows.append(run_trials(mode, args.trials, folder))
    keys = ["mode", "trials", "killed", "complete", "mid_write", "max_leftover", "left_after_next_save"]
    print(" | ".join(f"{k:>20}" for k in keys))
    for r in rows:
        print(" | ".join(f"{r[k]:>20}" for k in keys))
    print("mid_write: kills that left a temporary (the kill landed inside a save)")
    ok = all(r["complete"] == r["trials"] and r["max_leftover"] <= 1 and r["left_after_next_save"] == 0
             for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
