"""What every demonstration gives back and writes the same way: ``DemoResults`` and its Markdown page.

A page has the demo's title, **what the lecture claims**, a table of **what was measured here**
(the numbers that prove or qualify the claim), the demo's own sections and pictures, and **what to
try next**.  ``axon demo --all`` links every page and picture from one index.

>>> import tempfile, os
>>> r = DemoResults("softmax", "Softmax and cross-entropy with numbers",
...                 "softmax turns scores into probabilities", {"sum of probabilities": 1.0})
>>> with tempfile.TemporaryDirectory() as out:
...     path = write_page(r, out, sections=[("The numbers", "scores 2, 1, 0.1")],
...                       try_next=["scale the scores by 10"])
...     print(open(path).read().splitlines()[0], sorted(r.files))
# Softmax and cross-entropy with numbers ['page']
"""
import os
from dataclasses import dataclass, field

from ..labs.report import Report


@dataclass
class DemoResults:
    """``name``: the demo's registry name; ``title``: its page title; ``claim``: what the lecture
    says (one or two sentences); ``measured``: the numbers of this run by what they measure (shown
    on the page and the index); ``files``: what was written, by role (PNG paths, ``"page"``);
    ``values``: the demo's own arrays and numbers, for tests and notebooks."""
    name: str
    title: str
    claim: str
    measured: dict
    files: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


def figure_path(results, out_dir, role, caption=None):
    """The path ``out_dir/<role>.png`` for a figure, recorded in ``results.files[role]`` (with its
    caption in ``results.values['captions']``)."""
    path = os.path.join(out_dir, f"{role}.png")
    results.files[role] = path
    results.values.setdefault("captions", {})[role] = caption or role.replace("_", " ")
    return path


def write_page(results, out_dir, sections=(), try_next=()):
    """Write ``out_dir/<name>.md`` atomically: title, claim, measured table, ``sections`` (pairs of
    heading and Markdown text), every PNG of ``results.files`` and the ``try_next`` bullets; records
    it in ``results.files['page']`` and returns its path."""
    page = Report(results.title)
    page.paragraph(f"**What the lecture claims.** {results.claim}")
    page.section("Measured here")
    page.table(["what", "value"], [[k, _value(v)] for k, v in results.measured.items()], align="lr")
    for heading, text in sections:
        page.section(heading)
        page.paragraph(text)
    captions = results.values.get("captions", {})
    pictures = {captions.get(role, role): path for role, path in results.files.items()
                if str(path).endswith(".png")}
    if pictures:
        page.section("Pictures")
        page.figures(pictures, out_dir)
    if try_next:
        page.section("What to try next")
        page.bullets(try_next)
    path = page.write(os.path.join(out_dir, f"{results.name.replace('-', '_')}.md"))
    results.files["page"] = path
    return path


def _value(v):
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
