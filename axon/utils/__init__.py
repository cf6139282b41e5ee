"""Keras-style utilities gathered in one place (``axon.utils.to_categorical``, plots)."""
from ..data.text import pad_sequences
from ..data.preprocessing import to_categorical, normalize
from ..data.splits import train_test_split
from ..data.pydataset import PyDataset, Sequence
from .model_plot import plot_model, model_to_dot
from ..data.timeseries import timeseries_dataset_from_array
from .seeding import set_random_seed
from ..data.image_files import image_dataset_from_directory
from ..data.image import load_img, img_to_array, array_to_img
from ..backend import clear_session
