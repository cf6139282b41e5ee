"""What ``axon zoo show NAME`` gives back: a network trained on its small task, its pictures and a
short page saying what the lecture claims of it and what was measured here.

Every zoo module that the chart's networks live in has ``show(out_dir, quick=False)``: it trains
its model on a small task it generates (or on the offline Fashion-MNIST / 8x8 digits), writes one or
more PNGs into ``out_dir``, calls ``write_page`` and returns the ``Shown``.  ``quick=True`` runs in
seconds on less data, as the tests run it; the measured claim holds in both.

>>> import tempfile, os
>>> shown = Shown("Perceptron", "learns AND, cannot learn XOR", {"AND accuracy": 1.0, "XOR accuracy": 0.5},
...               ["After 10 epochs the AND truth table is reproduced."])
>>> with tempfile.TemporaryDirectory() as out:
...     page = write_page(shown, out, "perceptron")
...     print(open(page).read().splitlines()[0])
# Perceptron
"""
import os
from dataclasses import dataclass, field

from ..io import write_text


@dataclass
class Shown:
    """``name``: the network as the chart names it; ``claim``: what the lecture says of it (one or two
    sentences); ``measured``: the numbers of this run, by what they measure; ``lines``: a few lines of
    explanation, numbers included; ``files``: what was written, by role (``"figure"``, ``"page"``)."""
    name: str
    claim: str
    measured: dict
    lines: list
    files: dict = field(default_factory=dict)


def _value(v):
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def write_page(shown, out_dir, slug):
    """Write ``out_dir/slug.md`` (title, claim, measured table, explanation, pictures) atomically, record
    it in ``shown.files["page"]`` and return its path."""
    os.makedirs(out_dir, exist_ok=True)
    rows = "\n".join(f"| {k} | {_value(v)} |" for k, v in shown.measured.items())
    pictures = "\n".join(f"![{role}]({os.path.basename(path)})" for role, path in shown.files.items()
                         if str(path).endswith(".png"))
    text = (f"# {shown.name}\n\n**What the lecture says.** {shown.claim}\n\n"
            f"## Measured here\n\n| what | value |\n| --- | --- |\n{rows}\n\n"
            + "\n".join(shown.lines) + "\n\n" + pictures + "\n")
    path = os.path.join(out_dir, f"{slug}.md")
    write_text(path, text)
    shown.files["page"] = path
    return path
