"""Keras 3 scripts in the idiom of the keras.io examples and guides, shrunk to small data, run
unchanged but for their import lines (``import keras`` -> ``import axon as keras``).

Each script in ``tests/keras_style/`` runs in its own Python process, as a user would run it, and
asserts what it learned or computed; a script fails the test by raising (a non-zero exit).
"""
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.join(os.path.dirname(__file__), "keras_style")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))

# the only lines allowed to name axon: the import lines a Keras user changes
IMPORT_LINE = re.compile(r"^\s*(import axon as keras|from axon(\.[a-z_.]+)? import [\w, ]+( as \w+)?)\s*(#.*)?$")


def test_there_are_twenty_scripts():
    assert len(SCRIPTS) >= 20, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS)
def test_only_the_import_lines_name_axon(script):
    with open(os.path.join(HERE, script), encoding="utf-8") as f:
        lines = f.read().splitlines()
    others = [(i + 1, line) for i, line in enumerate(lines)
              if "axon" in line and not IMPORT_LINE.match(line)]
    assert not others, f"{script}: lines beyond the imports name axon: {others}"


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    done = subprocess.run([sys.executable, os.path.join(HERE, script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
