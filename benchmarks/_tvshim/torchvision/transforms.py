"""Test tooling: the few torchvision.transforms the seed programs use, on one sample at a time."""

import torch


class ToTensor:
    """uint8 HxW array -> float32 1xHxW tensor in [0, 1]."""

    def __call__(self, a):
        return torch.from_numpy(a).float().div(255).unsqueeze(0)


class Normalize:
    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, t):
        return (t - self.mean[0]) / self.std[0]


class Compose:
    def __init__(self, ts):
        self.ts = ts

    def __call__(self, x):
        for t in self.ts:
            x = t(x)
        return x
