"""Test tooling: torchvision.datasets.MNIST over local IDX files (root/MNIST/raw/*.gz), no download."""

import gzip
import os

import numpy as np
import torch


class MNIST(torch.utils.data.Dataset):
    """Per-sample MNIST: ``dataset[i]`` is ``(transform(uint8 28x28 array), int label)``."""

    def __init__(self, root, train=True, download=False, transform=None):
        prefix = "train" if train else "t10k"
        raw = os.path.join(root, "MNIST", "raw")
        with gzip.open(os.path.join(raw, f"{prefix}-images-idx3-ubyte.gz")) as f:
            self.data = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        with gzip.open(os.path.join(raw, f"{prefix}-labels-idx1-ubyte.gz")) as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        self.targets = torch.from_numpy(labels)
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        x = self.data[i]
        return (self.transform(x) if self.transform else x), int(self.targets[i])
