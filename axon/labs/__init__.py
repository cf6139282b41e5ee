"""Layer 7: the labs, each a library function ``run(config) -> results``.

- ``classify``: Lab 1, image classification (``ClassifyConfig``, ``ClassifyResults``);
- ``transfer``: transfer learning from classes 0-4 to 5-9 of Fashion-MNIST;
- ``translate``: Lab 2, German -> English with and without attention, BLEU.

A config is a dataclass holding the lab's measured defaults and checking its
values when made; the results are a dataclass that the report (``report.py``,
shared by every lab), notebooks and tests read.  The ``axon lab ...`` commands
build the config from their options.
"""
