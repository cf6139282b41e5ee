"""Checks of a lab's settings, run when its config is made: a wrong value fails at once, by
name, before any data is loaded.

>>> at_least("epochs", 0, 1)
Traceback (most recent call last):
...
ValueError: epochs must be a whole number of at least 1, got 0
>>> fraction("test_split", 1.5)
Traceback (most recent call last):
...
ValueError: test_split must be a fraction in (0, 1), got 1.5
"""
import numbers


def at_least(name, value, low, optional=False):
    """``value`` is a whole number >= ``low`` (or None when ``optional``)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be a whole number of at least {low}, got {value!r}")


def positive(name, value, optional=False):
    """``value`` is a number > 0 (or None when ``optional``)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a number above 0, got {value!r}")


def fraction(name, value, zero_ok=False):
    """``value`` lies in (0, 1), or [0, 1) when ``zero_ok``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not ((value >= 0 if zero_ok else value > 0) and value < 1):
        raise ValueError(f"{name} must be a fraction in {'[0, 1)' if zero_ok else '(0, 1)'}, got {value!r}")


def one_of(name, value, choices):
    """``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")
