"""Layer 7: the ``axon`` command, argparse only: each command parses its options, calls a
library function (a lab, a demo, the zoo) and prints.  ``axon --help`` lists the commands."""
from .main import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
