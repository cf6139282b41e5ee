"""``python -m axon``: the ``axon`` command."""
import sys

from .cli import main

sys.exit(main())
