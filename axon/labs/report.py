"""What every lab writes the same way: a Markdown report of sections, tables and figures, and
the timing of its runs (wall clock and CPU seconds).

>>> r = Report("Lab 0: a report")
>>> r.paragraph(f"**Test accuracy: {0.9123:.4f}**")
>>> r.table(["class", "recall"], [["cat", 0.91], ["dog", 0.5]], align="lr")
>>> r.settings({"epochs": 6})
>>> print(r.text())
# Lab 0: a report
<BLANKLINE>
**Test accuracy: 0.9123**
<BLANKLINE>
| class | recall |
| --- | ---: |
| cat | 0.910 |
| dog | 0.500 |
<BLANKLINE>
| setting | value |
| --- | --- |
| epochs | 6 |
<BLANKLINE>
>>> Timing(61.2, 118.0).describe()
'61 s wall, 118 s CPU'
"""
import os
import time
from dataclasses import dataclass

from ..callbacks import Callback
from ..io import write_text


@dataclass
class Timing:
    """Seconds of wall clock and of CPU (all threads of the process, user + system) a step took.
    CPU time tells the work apart from waiting on a busy machine."""
    wall: float
    cpu: float

    def describe(self, digits=0):
        return f"{self.wall:.{digits}f} s wall, {self.cpu:.{digits}f} s CPU"


class Stopwatch:
    """Runs from its creation: ``sw.elapsed()`` is the ``Timing`` so far; or
    ``with Stopwatch() as sw: ...`` and then ``sw.timing``."""

    def __init__(self):
        self._start = (time.perf_counter(), time.process_time())

    def elapsed(self):
        return Timing(time.perf_counter() - self._start[0], time.process_time() - self._start[1])

    def __enter__(self):
        self.__init__()
        return self

    def __exit__(self, *exc):
        self.timing = self.elapsed()


class EpochTimer(Callback):
    """A callback recording the ``Timing`` of every epoch of ``fit`` in ``epochs``."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self._watch = Stopwatch()

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(self._watch.elapsed())


def mean_timing(timings):
    """The mean ``Timing`` of several (zero for none)."""
    n = max(len(timings), 1)
    return Timing(sum(t.wall for t in timings) / n, sum(t.cpu for t in timings) / n)


def _cell(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value).replace("|", "\\|").replace("\n", " ")  # a | inside a cell is written \| (GitHub tables)


def markdown_table(header, rows, align=None):
    """The lines of a Markdown table; ``align`` is one letter per column, "l" or "r" (numbers
    right-aligned), default all left.  Floats are written with 3 decimals; format other
    precisions beforehand."""
    align = align or "l" * len(header)
    if len(align) != len(header) or set(align) - {"l", "r"}:
        raise ValueError(f"markdown_table: align needs one 'l' or 'r' per column, got {align!r}")
    return ["| " + " | ".join(header) + " |",
            "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |",
            *("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows)]


class Report:
    """A Markdown document built in order: ``section``, ``paragraph``, ``table``, ``settings``,
    ``figures``, ``code``; ``write(path)`` saves it atomically."""

    def __init__(self, title):
        self.lines = [f"# {title}", ""]

    def section(self, title):
        self.lines += [f"## {title}", ""]

    def paragraph(self, *sentences):
        """One paragraph of the sentences, joined by spaces."""
        self.lines += [" ".join(sentences), ""]

    def bullets(self, items):
        self.lines += [f"- {item}" for item in items] + [""]

    def table(self, header, rows, align=None):
        """A table (see ``markdown_table``)."""
        self.lines += markdown_table(header, rows, align) + [""]

    def settings(self, mapping):
        """The run's settings as a two-column table."""
        self.table(["setting", "value"], [[k, v] for k, v in mapping.items()])

    def figures(self, figures, folder):
        """``figures`` maps captions to PNG paths, linked relative to the report's ``folder``."""
        for caption, path in figures.items():
            self.lines += [f"![{caption}]({os.path.relpath(path, folder)})", ""]

    def code(self, text, language=""):
        self.lines += [f"```{language}", text, "```", ""]

    def text(self):
        return "\n".join(self.lines)

    def write(self, path):
        """Write the report (UTF-8) to ``path``; returns ``path``."""
        write_text(path, self.text())
        return os.fspath(path)
