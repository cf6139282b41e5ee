"""``axon demo --all --out DIR``: every demonstration run into ``DIR/<name>/`` and one index page,
``DIR/index.md`` and ``DIR/index.html``, linking every page and picture in the lectures' order, so a
teacher opens one page before class.

A demo that fails does not stop the others: the index shows its error in place of its numbers and
``run_all`` reports it in ``IndexResults.failed``.

>>> row = IndexRow("softmax", "softmax with numbers", "probabilities", {"sum": 1.0},
...                {"bars": "softmax/bars.png", "page": "softmax/softmax.md"}, 0.4)
>>> print(markdown_index([row], quick=True).splitlines()[0])
# The lecture demonstrations
"""
import html
import os
import time
import traceback
from dataclasses import dataclass, field

from ..io import write_text
from ..labs.report import markdown_table


@dataclass
class IndexRow:
    """One demo on the index: its name, title, claim, measured numbers, files (relative to the
    index folder) and seconds taken; ``error`` the one-line failure, if it failed."""
    name: str
    title: str
    claim: str
    measured: dict
    files: dict
    seconds: float
    error: str = ""


@dataclass
class IndexResults:
    """``rows`` in lecture order; ``failed``: the names of demos that raised; ``files``: the index
    pages by format."""
    rows: list
    failed: list
    files: dict = field(default_factory=dict)


def run_all(out_dir, quick=False, names=None, print_fn=print):
    """Run ``names`` (default: every demo, in lecture order) into ``out_dir/<name>/``, then write
    ``index.md`` and ``index.html`` into ``out_dir``; returns ``IndexResults``.  ``print_fn``
    gets one line per demo as it finishes (None: silent)."""
    from . import lecture_order, run, DEMOS
    names = [DEMOS.resolve(n) for n in names] if names else lecture_order()
    os.makedirs(out_dir, exist_ok=True)
    rows = []
    for name in names:
        start = time.perf_counter()
        try:
            r = run(name, os.path.join(out_dir, name), quick=quick)
        except Exception as error:  # noqa: BLE001 - one broken demo must not hide the others
            line = traceback.format_exception_only(type(error), error)[-1].strip()
            rows.append(IndexRow(name, name, "", {}, {}, time.perf_counter() - start, error=line))
        else:
            files = {role: os.path.relpath(path, out_dir) for role, path in r.files.items()}
            rows.append(IndexRow(name, r.title, r.claim, r.measured, files, time.perf_counter() - start))
        if print_fn is not None:
            row = rows[-1]
            print_fn(f"{name:<26}{'FAILED: ' + row.error if row.error else 'ok'} ({row.seconds:.1f} s)")
    results = IndexResults(rows, [row.name for row in rows if row.error])
    results.files["markdown"] = os.path.join(out_dir, "index.md")
    results.files["html"] = os.path.join(out_dir, "index.html")
    write_text(results.files["markdown"], markdown_index(rows, quick))
    write_text(results.files["html"], html_index(rows, quick))
    return results


def _numbers(measured, limit=4):
    """The first ``limit`` measured numbers as ``name: value`` (floats to 4 significant digits)."""
    items = list(measured.items())[:limit]
    return "; ".join(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in items)


def _pictures(files):
    return {role: path for role, path in files.items() if path.endswith(".png")}


def markdown_index(rows, quick):
    """The index as Markdown: a table of every demo (page link, claim, key numbers, time), then
    each demo's pictures under its title."""
    total = sum(row.seconds for row in rows)
    lines = ["# The lecture demonstrations", "",
             f"{len(rows)} demonstrations, {'quick mode (small data), ' if quick else ''}"
             f"{total:.0f} s in all; each was run by `axon demo NAME` and wrote its own page.", ""]
    table = []
    for row in rows:
        link = f"[{row.title}]({row.files['page']})" if "page" in row.files else row.title
        table.append([f"`{row.name}`", link, row.error and f"**failed**: {row.error}" or row.claim,
                      _numbers(row.measured), f"{row.seconds:.1f} s"])
    lines += markdown_table(["demo", "page", "the lecture claims", "measured here", "time"], table) + [""]
    for row in rows:
        pictures = _pictures(row.files)
        if not pictures:
            continue
        lines += [f"## {row.title}", ""]
        lines += [f"![{row.name} {role}]({path})" for role, path in pictures.items()] + [""]
    return "\n".join(lines)


def html_index(rows, quick):
    """The same index as one HTML page (pictures inline, pages linked)."""
    e = html.escape
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>The lecture demonstrations</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "img{max-width:48%;margin:4px;border:1px solid #ccc}td,th{padding:4px 8px;vertical-align:top}"
             "table{border-collapse:collapse}tr:nth-child(even){background:#f4f4f4}.failed{color:#b00}</style>",
             "</head><body>", "<h1>The lecture demonstrations</h1>",
             f"<p>{len(rows)} demonstrations{', quick mode (small data)' if quick else ''}; "
             "each was run by <code>axon demo NAME</code>.</p>",
             "<table><tr><th>demo</th><th>the lecture claims</th><th>measured here</th><th>time</th></tr>"]
    for row in rows:
        name = (f'<a href="#{e(row.name)}">{e(row.title)}</a>' if not row.error else e(row.title))
        claim = f'<span class="failed">failed: {e(row.error)}</span>' if row.error else e(row.claim)
        parts.append(f"<tr><td><code>{e(row.name)}</code><br>{name}</td><td>{claim}</td>"
                     f"<td>{e(_numbers(row.measured))}</td><td>{row.seconds:.1f}&nbsp;s</td></tr>")
    parts.append("</table>")
    for row in rows:
        if row.error:
            continue
        parts.append(f'<h2 id="{e(row.name)}">{e(row.title)}</h2>')
        if "page" in row.files:
            parts.append(f'<p>{e(row.claim)} <a href="{e(row.files["page"])}">The page</a>.</p>')
        parts += [f'<img src="{e(path)}" alt="{e(row.name)} {e(role)}">'
                  for role, path in _pictures(row.files).items()]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
