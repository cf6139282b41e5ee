"""Keras-style utilities gathered in one place (``axon.utils.to_categorical``, plots)."""
from ..data.text import pad_sequences
