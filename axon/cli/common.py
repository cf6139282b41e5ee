"""What every command shares: an argument parser whose errors are one line, value types for
options, and building a lab's config from the parsed options.

>>> int_list("100, 1000")
(100, 1000)
>>> image_size("64x48"), image_size("32")
((64, 48), (32, 32))
"""
import argparse
import dataclasses
import os


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, but a mistake ends in one line on stderr naming the command and
    pointing to its ``--help`` (exit status 2), instead of the usage and the error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message}; see '{self.prog} --help'\n")


def _number_list(text, convert, what):
    try:
        values = tuple(convert(part) for part in str(text).split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what} separated by commas, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError(f"expected at least one number, got {text!r}")
    return values


def int_list(text):
    """ "100,1000" -> (100, 1000): an option holding whole numbers, comma separated."""
    return _number_list(text, int, "whole numbers")


def float_list(text):
    """ "0,0.05,0.1" -> (0.0, 0.05, 0.1): an option holding numbers, comma separated."""
    return _number_list(text, float, "numbers")


def image_size(text):
    """ "HxW" or one number for a square -> (H, W)."""
    try:
        parts = [int(p) for p in str(text).lower().replace("x", ",").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW or one number of pixels, got {text!r}") from None
    if len(parts) not in (1, 2) or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"expected HxW or one number of pixels, each at least 1, got {text!r}")
    return parts[0], parts[-1]


def config_from(cls, args, defaults=None):
    """A lab's config dataclass ``cls`` from the parsed ``args`` named as its fields; fields the
    command has no option for take ``defaults``, then the dataclass's own."""
    names = {f.name for f in dataclasses.fields(cls)}
    given = {k: v for k, v in vars(args).items() if k in names}
    return cls(**{**(defaults or {}), **given})


def wrote(folder, files):
    """The line saying which files a run wrote into ``folder``."""
    names = sorted(os.path.relpath(p, folder) for p in files)
    return f"wrote {folder}/: {', '.join(names)}"
