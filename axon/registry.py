"""Layer 1: ``Registry``, the one string-to-object lookup of the package.

Activations, losses, metrics, optimizers, initializers, regularizers, saved
classes, zoo models, demos and commands each keep one ``Registry``.  Names are
matched case-insensitively with ``-`` and ``_`` alike; a miss names the valid
choices and the closest ones ("did you mean").

>>> colors = Registry("color")
>>> _ = colors.register("dark_red", "#8b0000", aliases=("maroon",))
>>> colors.get("Dark-Red"), colors.get("maroon")
('#8b0000', '#8b0000')
>>> colors.get("dark_rad")
Traceback (most recent call last):
...
ValueError: unknown color 'dark_rad'; did you mean 'dark_red'? Known: dark_red (aliases: maroon)
"""
import difflib


def _key(name):
    return str(name).strip().lower().replace("-", "_")


class Registry:
    """Names (with aliases) -> objects of one ``kind`` ("loss", "optimizer", ...)."""

    def __init__(self, kind):
        self.kind = kind
        self._items = {}
        self._aliases = {}

    def register(self, name, obj=None, aliases=()):
        """Register ``obj`` under ``name`` (and ``aliases``); returns ``obj``.

        Without ``obj`` it is a decorator: ``@registry.register("name")``.
        Registering a name again replaces the earlier object.
        """
        if obj is None:
            return lambda o: self.register(name, o, aliases)
        key = _key(name)
        self._aliases.pop(key, None)
        self._items[key] = obj
        for alias in aliases:
            if _key(alias) != key:
                self._aliases[_key(alias)] = key
        return obj

    def resolve(self, name):
        """The registered name that ``name`` (or an alias) stands for; a clear error if none."""
        key = _key(name)
        key = self._aliases.get(key, key)
        if key in self._items:
            return key
        close = difflib.get_close_matches(key, list(self._items) + list(self._aliases), n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(repr(self._aliases.get(c, c)) for c in _unique(close, self._aliases))}? " \
            if close else ""
        raise ValueError(f"unknown {self.kind} {name!r}; {hint}Known: {self.describe()}")

    def get(self, name):
        """The object registered as ``name`` or one of its aliases."""
        return self._items[self.resolve(name)]

    def __contains__(self, name):
        key = _key(name)
        return self._aliases.get(key, key) in self._items

    def names(self):
        """The registered names, sorted (aliases not included)."""
        return sorted(self._items)

    def items(self):
        return [(n, self._items[n]) for n in self.names()]

    def name_of(self, obj):
        """The name ``obj`` is registered under, or None."""
        return next((n for n, o in self._items.items() if o is obj), None)

    def describe(self):
        """The names, with aliases in brackets: for messages and ``--help`` texts."""
        text = ", ".join(self.names())
        if self._aliases:
            text += f" (aliases: {', '.join(sorted(self._aliases))})"
        return text

    def __len__(self):
        return len(self._items)

    def __repr__(self):
        return f"Registry({self.kind!r}: {len(self)} names)"


def _unique(keys, aliases):
    out = []
    for k in keys:
        target = aliases.get(k, k)
        if target not in [aliases.get(o, o) for o in out]:
            out.append(k)
    return out
