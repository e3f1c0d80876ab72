"""Image datasets for the tensor-factorization natural-data experiment (MNIST, Fashion-MNIST).

Read locally first (offline machines), download from canonical mirrors otherwise, verify md5s always.
"""

from implreg.datasets.idx import read_idx, write_idx
from implreg.datasets.mnist import DATASETS, fetch_dataset, get_spec, load_split, verify

__all__ = ["DATASETS", "fetch_dataset", "get_spec", "load_split", "read_idx", "verify", "write_idx"]
