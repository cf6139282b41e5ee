"""Layer 5: data.  The batch protocol every source yields (``batches``), data sets, IDX files,
preprocessing, splits and k-fold, loaders, images and augmentation, text tools."""
from .idx import read_idx, write_idx
from . import datasets
from .text import Vocabulary, Tokenizer, tokenize, detokenize, pad_sequences, read_tsv_pairs, read_trans_de_en, split_by_source
from .preprocessing import rescale, MinMaxScaler, StandardScaler, to_categorical, normalize
from .splits import train_test_split, train_val_test_split, KFold, StratifiedKFold, cross_validate
from .batches import Batches, ArrayBatches, LengthBuckets, unpack_x_y_sample_weight, pack_x_y_sample_weight
from .loader import Dataset, TensorDataset, DataLoader
from .image import load_img, img_to_array, array_to_img, load_image_folder
from .augmentation import ImageDataGenerator
from .text import CharVocab, char_windows
from .synthetic import make_intent_data, make_tagging_data, make_recall_data, TAGS
from .image_files import load_image_batch
from .pydataset import PyDataset, Sequence
from .timeseries import timeseries_dataset_from_array, TimeseriesBatches
from .image_files import image_dataset_from_directory, ImageFolderDataset
from .logic import truth_table, encoder_patterns, random_bipolar_patterns, flip_bits, separable_points
from .mackey_glass import mackey_glass, to_forecasting
from .copy_task import copy_sequences, bit_errors, CopyTask
from .spikes import SpikeTemplates, spike_patterns, load_spike_patterns
