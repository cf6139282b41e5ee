"""Layer 6: data. Data sets, IDX files, preprocessing, splits, loaders."""
from .idx import read_idx, write_idx
from . import datasets
