"""The ``axon`` command.

Each sub-command lives in a module of ``axon.labs`` that defines
``add_arguments(parser)`` and ``run(args)``; this file only lists them.
"""
import argparse
import importlib
import sys

# (words, module, one-line help)
COMMANDS = [
    (("train",), "axon.labs.train", "train a model on a dataset (e.g. axon train mlp --dataset fashion-mnist)"),
    (("lab", "classify"), "axon.labs.classify", "Lab 1: image classification, with report and plots"),
    (("lab", "transfer"), "axon.labs.transfer", "transfer learning: pretrain on classes 0-4, fine-tune on 5-9"),
    (("lab", "translate"), "axon.labs.translate", "Lab 2: German to English translation, with BLEU"),
    (("predict",), "axon.labs.predict", "classify image files with a saved model"),
    (("translate",), "axon.labs.translate_cli", "translate sentences with a saved translation model"),
]


def build_parser():
    parser = argparse.ArgumentParser(prog="axon", description="Axon: deep learning on NumPy, from first principles.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=_version())
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups, listed = {}, []
    for words, module_name, help_text in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name == module_name:
                continue  # not part of this installation
            raise
        if len(words) == 1:
            sub = top.add_parser(words[0], help=help_text, description=help_text)
        else:
            if words[0] not in groups:
                g = top.add_parser(words[0], help=f"{words[0]} commands", description=f"axon {words[0]} ...")
                groups[words[0]] = g.add_subparsers(dest="subcommand", metavar="NAME")
            sub = groups[words[0]].add_parser(words[1], help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
        listed.append(f"  axon {' '.join(words):<16}{help_text}")
    parser.epilog = "all commands (axon COMMAND --help for options):\n" + "\n".join(listed)
    return parser


def _version():
    from . import __version__
    return f"axon {__version__}"


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "_run"):
        parser.print_help()
        return 1 if args.command is None else 2
    return args._run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
