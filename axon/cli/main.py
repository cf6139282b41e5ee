"""The ``axon`` command: one table of commands (a ``Registry``) and the dispatch.

Each command is a module of ``axon.cli`` with ``NAME`` (its words, "lab
classify"), ``HELP`` (one line), ``EXAMPLES`` (command lines shown under its
``--help``), ``add_arguments(parser)`` and ``run(args)``;
``run`` builds the library's config from the options, calls the library
function and prints.  An ordinary mistake -- a bad option value, an unknown
name, a missing or wrong file -- ends in one line ``axon CMD: what is wrong
and what to do`` on stderr and exit status 2, never a traceback.
"""
import argparse
import sys

from ..registry import Registry
from . import demo, lab_classify, lab_transfer, lab_translate, predict, train, translate, zoo
from . import generate, lab_gan
from . import lab_adversarial
from .common import ArgumentParser

COMMANDS = Registry("command")
for _module in (train, lab_classify, lab_transfer, lab_translate, predict, translate, demo, zoo.List, zoo.Show,
                lab_gan, generate, lab_adversarial):
    COMMANDS.register(_module.NAME, _module)


def build_parser():
    """The parser of ``axon`` and of every command in ``COMMANDS``."""
    parser = ArgumentParser(prog="axon", description="Axon: deep learning on NumPy, from first principles.",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=_version())
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups, listed = {}, []
    for name, module in COMMANDS.items():
        words = name.split()
        shown = dict(help=module.HELP, description=module.HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
                     epilog="examples:\n" + "\n".join(f"  {line}" for line in module.EXAMPLES))
        if len(words) == 1:
            sub = top.add_parser(name, **shown)
        else:
            if words[0] not in groups:
                group = top.add_parser(words[0], help=f"{words[0]} commands", description=f"axon {words[0]} NAME ...")
                groups[words[0]] = group.add_subparsers(dest="subcommand", metavar="NAME")
            sub = groups[words[0]].add_parser(words[1], **shown)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run, _parser=sub)
        listed.append(f"  axon {name:<16}{module.HELP}")
    parser.epilog = "all commands (axon COMMAND --help for options):\n" + "\n".join(listed)
    return parser


def _version():
    from .. import __version__
    return f"axon {__version__}"


def describe(error):
    """An exception as one line of text for the user."""
    if isinstance(error, OSError) and error.filename and error.strerror:
        return f"{error.filename}: {error.strerror.lower()}; check the path"
    text = "; ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
    if isinstance(error, ModuleNotFoundError) and "pip install" not in text:
        text += "; install the optional packages: pip install 'axon[all]'"
    return text


def main(argv=None):
    """Run the command in ``argv`` (default: the process's arguments); returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if not hasattr(args, "_run"):
        if args.command is None:
            parser.print_help()
            return 1
        names = [n.split()[1] for n in COMMANDS.names() if n.split()[0] == args.command]
        parser.exit(2, f"axon {args.command}: give one of {', '.join(names)}; see 'axon {args.command} --help'\n")
    if extra:
        args._parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args._run(args) or 0
    except KeyboardInterrupt:
        print(f"{args._parser.prog}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, ImportError) as e:
        print(f"{args._parser.prog}: {as_option(describe(e), args._parser)}", file=sys.stderr)
        return 2


def as_option(text, parser):
    """``text`` with a leading setting name ("epochs must be ...", from a lab's config) written as
    the command's option ("--epochs must be ..."), so the line names what the user typed."""
    first, _, rest = text.partition(" ")
    options = {a.dest: a.option_strings[-1] for a in parser._actions if a.option_strings}
    return f"{options[first]} {rest}" if first in options and rest.startswith(("must", "needs")) else text
