"""The kill test, shortened: a process SIGKILLed while saving never leaves a broken model
(benchmarks/kill_saves.py runs the full version)."""
import importlib.util
import os
import random

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")

_spec = importlib.util.spec_from_file_location(
    "kill_saves", os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks", "kill_saves.py"))
kill_saves = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kill_saves)


@pytest.mark.parametrize("mode", ["save", "checkpoint"])
def test_killed_saves_leave_a_complete_model_and_at_most_one_temporary(tmp_path, mode):
    random.seed(1)
    counts = kill_saves.run_trials(mode, 10, str(tmp_path))
    assert counts["killed"] == 10
    assert counts["complete"] == 10, counts
    assert counts["max_leftover"] <= 1 and counts["left_after_next_save"] == 0, counts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_the_check_catches_a_save_that_is_not_atomic(tmp_path, monkeypatch):
    """Writing straight into the target (no temporary, no rename): some kills leave it broken."""
    import axon.models.saving as saving

    def in_place(path, write):
        with open(path, "wb") as f:
            write(f)

    monkeypatch.setattr(saving, "atomic_write", in_place)
    random.seed(1)
    counts = kill_saves.run_trials("save", 10, str(tmp_path))
    assert counts["killed"] == 10 and counts["complete"] < 10, counts
