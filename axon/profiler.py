"""Per-op profiler: ``with axon.profile() as prof: ...`` times every op, forward and backward.

On exit it prints one row per op type: calls and milliseconds in the forward and the backward
pass, the total and its share, sorted by total time, with a total line.  The numbers stay in
``prof.rows`` (``ProfileRow`` items, in table order) and ``prof.table()`` gives the text again.

Times are an op's own: an op that runs other ops inside its forward or backward (a recurrent op
with a custom activation) is charged without them, and they get rows of their own, so the total is
the time spent inside ops.  Python work between ops (layers, the optimizer) is not counted.

>>> import axon, axon.ops as F
>>> w = axon.Tensor([[1.0, 2.0]], requires_grad=True)
>>> with profile(print_fn=None) as prof:
...     F.relu(F.matmul(w, w.T)).sum().backward()
>>> [(r.op, r.forward_calls, r.backward_calls) for r in sorted(prof.rows, key=lambda r: r.op)]
[('MatMul', 1, 1), ('ReLU', 1, 1), ('Sum', 1, 1), ('Transpose', 1, 1)]
"""
import time
from dataclasses import dataclass

from .hooks import FunctionHook

_SORTS = {"time": lambda r: -r.seconds, "calls": lambda r: -(r.forward_calls + r.backward_calls),
          "name": lambda r: r.op}


@dataclass
class ProfileRow:
    """One op type: calls and seconds in each pass."""
    op: str
    forward_calls: int = 0
    forward_seconds: float = 0.0
    backward_calls: int = 0
    backward_seconds: float = 0.0

    @property
    def seconds(self):
        return self.forward_seconds + self.backward_seconds


class Profiler(FunctionHook):
    """The hook behind ``profile()``; see the module."""

    def __init__(self, print_fn=print, sort="time"):
        if sort not in _SORTS:
            raise ValueError(f"profile: sort must be one of {', '.join(_SORTS)}, got {sort!r}")
        self.print_fn, self.sort = print_fn, sort
        self._rows = {}
        self._open = []   # [function id, start time, seconds of ops run inside it], innermost last

    # ----- timing: a stack, so ops run inside other ops are charged to themselves only
    def _start(self, function):
        self._open.append([id(function), time.perf_counter(), 0.0])

    def _stop(self, function, phase):
        now = time.perf_counter()
        key = id(function)
        while self._open:
            fid, start, inner = self._open.pop()
            if fid == key:          # entries above it were ops whose forward raised
                break
        else:
            return
        elapsed = now - start
        if self._open:
            self._open[-1][2] += elapsed
        row = self._rows.get(type(function).__name__)
        if row is None:
            row = self._rows[type(function).__name__] = ProfileRow(type(function).__name__)
        if phase == "forward":
            row.forward_calls += 1
            row.forward_seconds += elapsed - inner
        else:
            row.backward_calls += 1
            row.backward_seconds += elapsed - inner

    def forward_preprocess(self, function, in_arrays):
        self._start(function)

    def forward_postprocess(self, function, in_arrays, out_arrays):
        self._stop(function, "forward")

    def backward_preprocess(self, function, in_arrays, out_grads):
        self._start(function)

    def backward_postprocess(self, function, in_arrays, out_grads, in_grads):
        self._stop(function, "backward")

    # ----- results
    @property
    def rows(self):
        return sorted(self._rows.values(), key=_SORTS[self.sort])

    def table(self):
        """The table as text: one line per op, then the total."""
        rows = self.rows
        total = ProfileRow("total", sum(r.forward_calls for r in rows), sum(r.forward_seconds for r in rows),
                           sum(r.backward_calls for r in rows), sum(r.backward_seconds for r in rows))
        width = max([len(r.op) for r in rows] + [len("op")])
        head = (f"{'op':<{width}}  {'fwd calls':>9}  {'fwd ms':>9}  {'bwd calls':>9}  {'bwd ms':>9}"
                f"  {'total ms':>9}  {'%':>5}")
        share = total.seconds or 1.0

        def line(r):
            return (f"{r.op:<{width}}  {r.forward_calls:>9}  {r.forward_seconds * 1e3:>9.3f}  "
                    f"{r.backward_calls:>9}  {r.backward_seconds * 1e3:>9.3f}  {r.seconds * 1e3:>9.3f}  "
                    f"{100 * r.seconds / share:>5.1f}")
        rule = "-" * len(head)
        return "\n".join([head, rule] + [line(r) for r in rows] + [rule, line(total)])

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self._open.clear()
        if self.print_fn is not None:
            self.print_fn(self.table())
        return False


def profile(print_fn=print, sort="time"):
    """A context manager timing every op inside it; on exit prints the table with ``print_fn``
    (None: print nothing).  ``sort``: ``"time"`` (total, the default), ``"calls"`` or ``"name"``."""
    return Profiler(print_fn, sort)
