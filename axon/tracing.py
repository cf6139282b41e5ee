"""The derivation trace: ``with axon.trace() as t: loss.backward()`` records every op of the
backward pass, and ``t.explain(w, lr=0.5)`` writes the chain rule for one weight as the lecture
does, factor by factor, with the numbers.

The factors are named after the **named** tensors along the way (``Tensor(..., name="w5")``, a
layer's weights ``"dense_1/kernel"``, or ``t.name = "net_o1"`` on a computed tensor); unnamed
intermediates are folded into the factor around them.  The differentiated output is called
``output_name`` (``"E"`` by default).  Where every path from the output to the weight passes
through a chain of named tensors, that chain is the line of factors; where the paths split (a
hidden weight reaches the error through every output), the split factor is written out below as the
sum over its paths, as the lecture writes ``dE/dout_h1 = dE_o1/dout_h1 + dE_o2/dout_h1``::

    dE/dw5 = dE/dout_o1 · dout_o1/dnet_o1 · dnet_o1/dw5
           = 0.74136507 · 0.186815602 · 0.593269992 = 0.082167041
    w5+ = w5 - lr · dE/dw5 = 0.4 - 0.5 · 0.082167041 = 0.35891648

That needs scalar tensors along the chain.  For an element of an array (``explain(W, index=(0, 1))``)
the line is one step of the chain rule through the ops that used ``W``:
``dE/dW[0, 1] = Σ_k dE/dY[k] · dY[k]/dW[0, 1]`` over the outputs ``Y`` of those ops, with its terms.
Each factor is computed by running the recorded ops' own backward again on a unit gradient, so any
graph of Axon ops can be explained.  The update line is a plain gradient-descent step.  The trace
keeps what every recorded op saved for its backward: trace one step, not a whole training run.

>>> import axon, axon.ops as F
>>> w = axon.Tensor(3.0, requires_grad=True, dtype="float64", name="w")
>>> y = w * w; y.name = "y"
>>> with axon.trace() as t:
...     F.exp(y * 0.1).backward()
>>> e = t.explain(w, lr=0.1, print_fn=None)
>>> print(e)
dE/dw = dE/dy · dy/dw
      = 0.245960311 · 6 = 1.475761867
w+ = w - lr · dE/dw = 3 - 0.1 · 1.475761867 = 2.852423813
"""
import re
from dataclasses import dataclass, field

import numpy as np

from .hooks import FunctionHook
from .tensor import Tensor

_MAX_JACOBIAN = 4096  # output elements of one op a row-by-row Jacobian is computed for
_SHOWN_TERMS = 4


@dataclass
class Step:
    """One op of a recorded backward pass: ``function`` and what its backward received and gave."""
    function: object
    inputs: tuple
    saved: object
    needs_grad: tuple
    out_grads: tuple
    in_grads: tuple

    @property
    def op(self):
        return type(self.function).__name__


@dataclass
class Explanation:
    """What ``explain`` found: ``gradient`` dE/d(the weight or element), ``factors`` the (label,
    value) pairs of the main line (their product is ``gradient``), ``splits`` label -> list of
    (path label, value) for factors that are sums over paths, ``update`` the value after the step
    (None without a learning rate) and ``lines`` the text."""
    gradient: float
    factors: list
    splits: dict = field(default_factory=dict)
    update: float = None
    lines: list = field(default_factory=list)

    def __str__(self):
        return "\n".join(self.lines)


def fmt(v):
    """A number as the lecture writes it: nine decimals, trailing zeros dropped."""
    v = float(v)
    if v != 0 and (abs(v) < 1e-4 or abs(v) >= 1e6):
        return f"{v:.9g}"
    s = f"{v:.9f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _natural(text):
    """A sort key putting ``o2`` before ``o10``."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def _key(t):
    """The graph node of tensor ``t``: the output slot of the op that made it, or the leaf itself."""
    return ("out", id(t._ctx), t._idx) if t._ctx is not None else ("leaf", id(t))


class Trace(FunctionHook):
    """The hook behind ``trace()``; ``passes`` holds the recorded backward passes (lists of
    ``Step``, the output's op first)."""

    def __init__(self, output_name="E", print_fn=print):
        self.output_name, self.print_fn = output_name, print_fn
        self.passes = []
        self._pending = set()   # ids of ops the current pass still owes a backward

    def backward_postprocess(self, function, in_arrays, out_grads, in_grads):
        if id(function) not in self._pending:
            self.passes.append([])
        self._pending.discard(id(function))
        inputs = tuple(function.inputs)
        for t in inputs:
            if isinstance(t, Tensor) and t._ctx is not None:
                self._pending.add(id(t._ctx))
        self.passes[-1].append(Step(function, inputs, function.saved, tuple(function.needs_grad),
                                    tuple(out_grads), tuple(in_grads)))

    @property
    def steps(self):
        """Every recorded op, all passes in order."""
        return [s for p in self.passes for s in p]

    def __len__(self):
        return len(self.steps)

    # ----- the graph of one pass
    def _graph(self, target):
        """The last pass ``target`` took part in, as (steps, producer of each node, consumers of
        each node, the tensor of each node, the gradient of each node)."""
        if not self.passes:
            raise ValueError("explain: the trace recorded no backward pass yet; run loss.backward() "
                             "inside `with axon.trace() as t:` first")
        if not isinstance(target, Tensor):
            raise ValueError(f"explain: tensor must be an axon.Tensor, got {type(target).__name__}")
        want = _key(target)
        for steps in reversed(self.passes):
            producer, consumers, tensors, grads = {}, {}, {}, {}
            for i, s in enumerate(steps):
                for k, g in enumerate(s.out_grads):
                    producer[("out", id(s.function), k)] = i
                    if g is not None:
                        grads[("out", id(s.function), k)] = np.asarray(g)
                for j, (t, g) in enumerate(zip(s.inputs, s.in_grads)):
                    if isinstance(t, Tensor) and s.needs_grad[j] and g is not None:
                        node = _key(t)
                        consumers.setdefault(node, []).append((i, j))
                        tensors[node] = t
                        if t._ctx is None:
                            grads[node] = grads[node] + g if node in grads else np.asarray(g)
            if want in consumers:
                return steps, producer, consumers, tensors, grads
        name = f" {target.name!r}" if target.name else ""
        raise ValueError(f"explain: the tensor{name} (shape {target.shape}) took no part in the recorded "
                         "backward pass: no gradient reached it (is it used by the loss, and does it "
                         "require grad?)")

    def gradient(self, tensor):
        """dE/d``tensor`` in the last recorded pass it took part in (an array of its shape)."""
        return self._graph(tensor)[4][_key(tensor)]

    def _vjp(self, step, out_grads):
        """``step``'s backward run again on ``out_grads`` (the op's saved state put back meanwhile)."""
        fn = step.function
        kept = fn.saved, fn.inputs, fn.needs_grad
        fn.saved, fn.inputs, fn.needs_grad = step.saved, step.inputs, step.needs_grad
        try:
            grads = fn.backward(*out_grads)
        finally:
            fn.saved, fn.inputs, fn.needs_grad = kept
        return grads if isinstance(grads, tuple) else (grads,)

    def _derivative(self, graph, upper, lower, seed, stops):
        """d(upper)/d(lower) along the paths that pass no node of ``stops``: the vector-Jacobian
        product of ``seed`` (shaped as ``upper``), shaped as ``lower``."""
        steps, producer = graph[0], graph[1]
        pending = {upper: np.asarray(seed, dtype=np.float64)}
        result = None
        for i in range(producer[upper], len(steps)):
            s = steps[i]
            outs = [pending.pop(("out", id(s.function), k), None) for k in range(len(s.out_grads))]
            if all(g is None for g in outs):
                continue
            if len(outs) > 1:
                outs = [np.zeros_like(ref) if g is None and ref is not None else g
                        for g, ref in zip(outs, s.out_grads)]
            for t, g, need in zip(s.inputs, self._vjp(s, outs), s.needs_grad):
                if not (need and isinstance(t, Tensor)) or g is None:
                    continue
                node = _key(t)
                if node == lower:
                    result = g if result is None else result + g
                elif node not in stops and t._ctx is not None:
                    pending[node] = pending[node] + g if node in pending else g
        return result

    # ----- the skeleton: named nodes and which named node each reaches first
    def _skeleton(self, graph, root, target):
        steps, producer, consumers, tensors = graph[:4]
        named = {n for n, t in tensors.items() if t.name} | {root, target}
        below = {}
        for node in named:
            if node not in producer:
                continue
            found, stack, seen = [], [node], set()
            while stack:
                n = stack.pop()
                for t in steps[producer[n]].inputs:
                    if not isinstance(t, Tensor):
                        continue
                    m = _key(t)
                    if m in seen or m not in tensors:
                        continue
                    seen.add(m)
                    if m in named:
                        found.append(m)
                    elif m in producer:
                        stack.append(m)
            below[node] = found
        return named, below

    def explain(self, tensor, lr=None, index=None, print_fn="default"):
        """The chain rule for d(output)/d``tensor`` (an element ``index`` of an array tensor), and
        with ``lr`` the gradient-descent update; printed with ``print_fn`` (the trace's, ``print``
        by default; None prints nothing) and returned as an ``Explanation``."""
        graph = self._graph(tensor)
        steps, producer, consumers, tensors, grads = graph
        target = _key(tensor)
        if tensor.size == 1 and index is None:
            index = ()
            flat = 0
        else:
            if index is None:
                raise ValueError(f"explain: {self._label(tensor)} has shape {tensor.shape}; pass index= "
                                 f"for one element, e.g. index={tuple(0 for _ in tensor.shape)}")
            index = (index,) if np.isscalar(index) else tuple(index)
            try:
                flat = int(np.ravel_multi_index(index, tensor.shape))
            except (ValueError, TypeError) as e:
                raise ValueError(f"explain: index must pick one element of shape {tensor.shape}, "
                                 f"got {index!r} ({e})") from None
        root = ("out", id(steps[0].function), 0)
        named, below = self._skeleton(graph, root, target)
        chain = self._chain(named, below, root, target)
        scalar = chain is not None and np.size(steps[0].out_grads[0]) == 1 and all(
            np.size(grads.get(n, 0.0)) == 1 for n in chain[1] if n != root)
        if scalar and tensor.size == 1:
            e = self._explain_chain(graph, chain, below, root, tensor)
        else:
            e = self._explain_element(graph, tensor, target, flat, index)
        if lr is not None:
            old = float(np.ravel(tensor.data)[flat])
            e.update = old - lr * e.gradient
            w = self._label(tensor) + (str(list(index)) if index else "")
            wrt = f"({w})" if "/" in w else w  # dE/d(dense/kernel[0, 1]), as in the lines above
            e.lines.append(f"{w}+ = {w} - lr · dE/d{wrt} = {fmt(old)} - {fmt(lr)} · {fmt(e.gradient)} "
                           f"= {fmt(e.update)}".replace("dE/", f"d{self.output_name}/"))
        out = self.print_fn if print_fn == "default" else print_fn
        if out is not None:
            out(str(e))
        return e

    def _label(self, t):
        return t.name or f"the {'scalar' if t.size == 1 else 'tensor'} of shape {t.shape}"

    def _name(self, graph, node, root):
        if node == root:
            return self.output_name
        t = graph[3][node]
        if t.name:
            return f"({t.name})" if "/" in t.name else t.name
        return f"<{graph[0][graph[1][node]].op} output>" if t._ctx is not None else "x"

    def _chain(self, named, below, root, target):
        """The named nodes every path from ``root`` to ``target`` passes (in order), with all nodes
        on such paths; None when ``target`` is not reached through named scalars."""
        def reach(start, removed):
            seen, stack = set(), [start]
            while stack:
                n = stack.pop()
                if n in seen or n in removed:
                    continue
                seen.add(n)
                stack.extend(below.get(n, ()))
            return seen
        on_path = {n for n in reach(root, set()) if target in reach(n, set())}
        if target not in on_path:
            return None
        dominators = [n for n in on_path if n in (root, target) or target not in reach(root, {n})]
        depth = {n: len(reach(n, set()) & on_path) for n in dominators}
        return sorted(dominators, key=lambda n: -depth[n]), on_path

    def _explain_chain(self, graph, chain, below, root, tensor):
        dominators, on_path = chain
        cache = {}

        def factor(a, b, stops):
            if (a, b, bool(stops)) not in cache:
                cache[(a, b, bool(stops))] = float(np.sum(self._derivative(graph, a, b, 1.0, stops)))
            return cache[(a, b, bool(stops))]

        name = lambda n: self._name(graph, n, root)
        d = lambda a, b: f"d{name(a)}/d{name(b)}"
        factors, splits, notes = [], {}, []
        for a, b in zip(dominators, dominators[1:]):
            inside = self._between(below, a, b, on_path)
            parents = sorted((p for p in inside if b in below.get(p, ())), key=lambda n: _natural(name(n)))
            if parents == [a]:   # one named step: d a/d b through unnamed ops only
                factors.append((d(a, b), factor(a, b, on_path - {b})))
                continue
            # several: the sum over the last named tensors p before b of (d a/d p) · (d p/d b)
            terms = [([d(a, b)], [factor(a, b, on_path - {b})]) if p == a else
                     ([d(a, p), d(p, b)], [factor(a, p, set()), factor(p, b, on_path - {b})]) for p in parents]
            parts = [(" · ".join(labels), float(np.prod(vals))) for labels, vals in terms]
            value = sum(v for _, v in parts)
            splits[d(a, b)] = parts
            factors.append((d(a, b), value))
            notes.append((d(a, b), [
                " + ".join(label for label, _ in parts),
                " + ".join(" · ".join(fmt(v) for v in vals) for _, vals in terms),
                " + ".join(fmt(v) for _, v in parts) + f" = {fmt(value)}"]))
        grad = float(np.prod([v for _, v in factors]))
        head = d(root, dominators[-1])
        pad = " " * len(head) + " = "
        if len(factors) == 1 and notes:   # the whole derivative is the sum
            lines = [f"{head} = {notes[0][1][0]}", pad + notes[0][1][1], pad + notes[0][1][2]]
        else:
            lines = [f"{head} = " + " · ".join(label for label, _ in factors)]
            lines.append(pad + " · ".join(fmt(v) for _, v in factors) + f" = {fmt(grad)}")
            for label, (sum_labels, sum_values, sum_terms) in notes:
                inner = " " * (len(label) + 9) + "= "
                lines += [f"  where {label} = {sum_labels}", inner + sum_values, inner + sum_terms]
        return Explanation(grad, factors, splits, lines=lines)

    @staticmethod
    def _between(below, a, b, on_path):
        """The named nodes on paths from ``a`` down to ``b`` (``a`` included, ``b`` not)."""
        down, stack = set(), [a]
        while stack:
            n = stack.pop()
            if n not in down and n != b and n in on_path:
                down.add(n)
                stack.extend(below.get(n, ()))
        return down

    def _explain_element(self, graph, tensor, target, flat, index):
        """One step of the chain rule through the ops that used ``tensor``: for each, the sum over
        its outputs ``Y`` of dE/dY[k] · dY[k]/dw where that derivative is not zero."""
        steps, producer, consumers, tensors, grads = graph
        g = float(np.ravel(grads[target])[flat])
        w = self._label(tensor) + (str(list(index)) if index else "")
        w = f"({w})" if "/" in w else w
        E = self.output_name
        factors, sums = [], []
        for i, j in consumers[target]:
            s = steps[i]
            y = s.op + (f"[{s.function.layer_path}]" if s.function.layer_path else "")
            for k, up in enumerate(s.out_grads):
                if up is None:
                    continue
                label = f"Σ_k d{E}/d{y}[k] · d{y}[k]/d{w}"
                up = np.asarray(up)
                if up.size > _MAX_JACOBIAN:
                    factors.append((label, float(np.ravel(s.in_grads[j])[flat])))
                    sums.append(f"({up.size} outputs: not expanded)")
                    continue
                column = np.empty(up.size)
                for m in range(up.size):   # one row of the op's Jacobian per output element
                    seed = [None if o is None else np.zeros(np.shape(o)) for o in s.out_grads]
                    seed[k].flat[m] = 1.0
                    column[m] = np.ravel(self._vjp(s, seed)[j])[flat]
                hit = np.flatnonzero(column)
                shown = " + ".join(f"{fmt(up.flat[m])} · {fmt(column[m])}" for m in hit[:_SHOWN_TERMS])
                more = f" + … ({len(hit)} terms)" if len(hit) > _SHOWN_TERMS else ""
                factors.append((label, float(np.sum(up.ravel()[hit] * column[hit]))))
                sums.append((shown or "0") + more)
        head = f"d{E}/d{w}"
        lines = [f"{head} = " + " + ".join(label for label, _ in factors)]
        lines += [" " * len(head) + " = " + " + ".join(sums)] if sums else []
        lines.append(" " * len(head) + f" = {fmt(g)}")
        return Explanation(g, factors, lines=lines)


def trace(output_name="E", print_fn=print):
    """A context manager recording every backward op inside it; ``explain`` a weight afterwards.
    ``output_name`` names the differentiated output in the formulas; ``print_fn`` is what
    ``explain`` prints with (None: nothing)."""
    return Trace(output_name, print_fn)
