"""The in-process workloads of the benchmark suite (benchmarks/run.py), written once against
PyTorch's API: each ``make_*(L)`` builds its workload for the library ``L`` (dyngrad or torch) and
returns a batch function ``batch(n) -> seconds`` that runs it ``n`` times and times the part that
counts. This module imports neither library itself.

``python benchmarks/workloads.py rss LIB`` runs 200 s06 MLP steps with LIB (dyngrad or torch) in
this fresh process and prints its peak RSS in KiB (run.py's peak-RSS workload)."""

# ruff: noqa: N803, N806 - ``L`` is the library (dyngrad or torch), as in tests/optable.py
from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TVSHIM = os.path.join(HERE, "_tvshim")  # test tooling: a torchvision stand-in for the PyTorch side

# A batch function runs a workload n times and returns the seconds spent in the timed part.
Batch = Callable[[int], float]


def looped(step: Callable[[], object]) -> Batch:
    def batch(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        return time.perf_counter() - t0

    return batch


def _sync_params(src, dst, L) -> None:
    """Copy a torch module's weights into its dyngrad twin ``dst`` (library ``L``), same names, so that
    both sides compute the same thing."""
    if src is None:
        return
    dst.load_state_dict({k: L.from_numpy(v.detach().numpy().copy()) for k, v in src.state_dict().items()})


CHAIN_OPS = 50


def _chain(x, a, b, c):
    """50 small elementwise ops: tensor-tensor, tensor-scalar and unary, values kept bounded."""
    y = x
    for _ in range(CHAIN_OPS // 10):
        y = y * a
        y = y + b
        y = y.tanh()
        y = y * 0.5
        y = y.sigmoid()
        y = y - a
        y = y.exp()
        y = y / c
        y = y**2
        y = -y
    return y


def make_chain(L) -> tuple[Batch, Batch]:
    rng = np.random.default_rng(0)
    x, a, b = (L.tensor(rng.standard_normal(16).astype(np.float32), requires_grad=True) for _ in range(3))
    c = L.tensor(rng.uniform(1.0, 2.0, 16).astype(np.float32), requires_grad=True)
    seed = L.ones(16)

    def forward() -> object:
        return _chain(x, a, b, c)

    def backward_batch(n: int) -> float:
        outs = [forward() for _ in range(n)]  # graphs built outside the timed part
        t0 = time.perf_counter()
        for y in outs:
            y.backward(seed)
        return time.perf_counter() - t0

    return looped(forward), backward_batch


def make_matmul(size: int) -> Callable:
    def make(L) -> Batch:
        rng = np.random.default_rng(0)
        a, b = (L.tensor(rng.standard_normal((size, size)).astype(np.float32), requires_grad=True)
                for _ in range(2))
        seed = L.ones(size, size)

        def step() -> None:
            a.grad = b.grad = None
            (a @ b).backward(seed)

        return looped(step)

    return make


def _mlp_model(L):
    """s06_mnist_mlp.py's model, verbatim but for the library."""
    nn, F = L.nn, L.nn.functional

    class MyModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 128)
            self.fc2 = nn.Linear(128, 64)
            self.fc3 = nn.Linear(64, 10)

        def forward(self, x):
            x = x.view(-1, 784)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    return MyModel()


def make_mlp(L, twin=None) -> Batch:
    """One s06 training step: zero_grad, forward, CrossEntropyLoss, backward, SGD(momentum) step."""
    L.manual_seed(0)
    model = _mlp_model(L)
    _sync_params(twin, model, L)
    optimizer = L.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    criterion = L.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    data = L.from_numpy(rng.random((64, 1, 28, 28), dtype=np.float32))
    target = L.from_numpy(rng.integers(0, 10, 64))
    model.train()

    def step() -> None:
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()

    batch = looped(step)
    batch.model = model  # for copying its weights into a twin
    return batch


def make_cnn(L, twin=None) -> Batch:
    """One s08_cifar_cnn.py step: conv-relu-pool x2, fc-relu-dropout-fc, CE loss, Adam; batch 64."""
    L.manual_seed(0)
    nn = L.nn
    conv1 = nn.Conv2d(3, 32, 3, 1, padding=1)
    conv2 = nn.Conv2d(32, 64, 3, 1, padding=1)
    pool = nn.MaxPool2d(2, 2)
    fc1 = nn.Linear(64 * 8 * 8, 128)
    fc2 = nn.Linear(128, 10)
    model = nn.ModuleList([conv1, conv2, fc1, fc2])
    _sync_params(twin, model, L)

    def forward(x):
        x = nn.functional.relu(conv1(x))
        x = pool(x)
        x = nn.functional.relu(conv2(x))
        x = pool(x)
        x = x.view(-1, 64 * 8 * 8)
        x = nn.functional.relu(fc1(x))
        x = nn.functional.dropout(x, training=True)
        x = fc2(x)
        return x

    optimizer = L.optim.Adam(model.parameters(), lr=0.001)
    rng = np.random.default_rng(0)
    inputs = L.from_numpy(rng.standard_normal((64, 3, 32, 32), dtype=np.float32))
    labels = L.from_numpy(rng.integers(0, 10, 64))

    def step() -> None:
        outputs = forward(inputs)
        loss = nn.CrossEntropyLoss()(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()

    batch = looped(step)
    batch.model = model  # for copying its weights into a twin
    return batch


def _resnet_model(L):
    """s09_resnet.py's network, verbatim but for the library."""
    nn = L.nn

    def conv_bn_relu(cin, cout, stride):
        return [nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    class ResNet(nn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = nn.Sequential(*conv_bn_relu(64, 64, 1), *conv_bn_relu(64, 64, 1))
            self.layer2 = nn.Sequential(*conv_bn_relu(64, 128, 2), *conv_bn_relu(128, 128, 1))
            self.layer3 = nn.Sequential(*conv_bn_relu(128, 256, 2), *conv_bn_relu(256, 256, 1))
            self.avgpool = nn.AvgPool2d(7, stride=1)
            self.fc = nn.Linear(256, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer3(self.layer2(self.layer1(x)))
            x = self.avgpool(x)
            x = x.view(x.size(0), -1)
            return self.fc(x)

    return ResNet(num_classes=10)


def make_resnet(L, twin=None) -> Batch:
    """One s09_resnet.py step: batch 8 of 3x112x112, train mode, CE loss, SGD(momentum 0.9)."""
    L.manual_seed(0)
    model = _resnet_model(L)
    _sync_params(twin, model, L)
    optimizer = L.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    x = L.from_numpy(rng.standard_normal((8, 3, 112, 112), dtype=np.float32))
    y = L.from_numpy(rng.integers(0, 10, 8))
    model.train()

    def step() -> None:
        optimizer.zero_grad()
        loss = L.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()

    batch = looped(step)
    batch.model = model  # for copying its weights into a twin
    return batch


def make_rnn(L, twin=None) -> Batch:
    """One s10_rnn_classifier.py step: RNN(8, 32, batch_first) + Linear on the last step, Adam;
    seq 12, batch 16 (a fixed batch: the program draws a new one with torch.randn every step)."""
    L.manual_seed(0)
    nn = L.nn

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.rnn = nn.RNN(input_size, hidden_size, batch_first=True)
            self.fc = nn.Linear(hidden_size, output_size)

        def forward(self, input, hidden):
            output, hidden = self.rnn(input, hidden)
            output = self.fc(output[:, -1, :])
            return output, hidden

    model = RNN(input_size=8, hidden_size=32, output_size=2)
    _sync_params(twin, model, L)
    optimizer = L.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((16, 12, 8), dtype=np.float32)
    x = L.from_numpy(xa)
    y = L.from_numpy((xa.sum(axis=(1, 2)) > 0).astype(np.int64))
    h0 = L.zeros(1, 16, 32)

    def step() -> None:
        logits, h = model(x, h0)
        loss = nn.functional.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    batch = looped(step)
    batch.model = model  # for copying its weights into a twin
    return batch


LM_VOCAB, LM_HIDDEN, LM_LAYERS, LM_SEQ, LM_BATCH = 10000, 256, 2, 35, 20


def make_lstm(L, twin=None) -> Batch:
    """A word-level LSTM language-model step (PyTorch's word_language_model shape, PTB-sized
    vocabulary): Embedding(10000, 256) - LSTM(256, 256, 2 layers) - Linear(256, 10000), CE loss over
    seq 35 x batch 20, SGD."""
    L.manual_seed(0)
    nn = L.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(LM_VOCAB, LM_HIDDEN)
            self.rnn = nn.LSTM(LM_HIDDEN, LM_HIDDEN, LM_LAYERS)
            self.decoder = nn.Linear(LM_HIDDEN, LM_VOCAB)

        def forward(self, tokens, hidden):
            output, hidden = self.rnn(self.encoder(tokens), hidden)
            return self.decoder(output.view(-1, LM_HIDDEN)), hidden

    model = LM()
    _sync_params(twin, model, L)
    optimizer = L.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    tokens = L.from_numpy(rng.integers(0, LM_VOCAB, (LM_SEQ + 1, LM_BATCH)))
    inputs, targets = tokens[:-1], tokens[1:].reshape(-1)
    hidden = (L.zeros(LM_LAYERS, LM_BATCH, LM_HIDDEN), L.zeros(LM_LAYERS, LM_BATCH, LM_HIDDEN))
    model.train()

    def step() -> None:
        optimizer.zero_grad()
        output, _ = model(inputs, hidden)
        loss = criterion(output, targets)
        loss.backward()
        optimizer.step()

    batch = looped(step)
    batch.model = model  # for copying its weights into a twin
    return batch


@dataclass
class MnistDir:
    """A temporary folder laid out as the seed programs expect: ``<root>/data/MNIST/raw/*.gz``."""

    root: str

    @property
    def data(self) -> str:
        return os.path.join(self.root, "data")


def make_mnist_dir(source: str) -> MnistDir | None:
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    if not all(os.path.exists(os.path.join(source, n)) for n in names):
        return None
    root = tempfile.mkdtemp(prefix="dyngrad-bench-")
    raw = os.path.join(root, "data", "MNIST", "raw")
    os.makedirs(raw)
    for n in names:
        os.symlink(os.path.abspath(os.path.join(source, n)), os.path.join(raw, n))
    return MnistDir(root)


def make_loader_dyngrad(mnist: MnistDir) -> Batch:
    """One epoch of DataLoader(MNIST(root, transform=ToTensor()), batch_size=64, shuffle=True)."""
    from dyngrad.utils.data import DataLoader
    from dyngrad.vision import datasets, transforms

    dataset = datasets.MNIST(mnist.data, train=True, transform=transforms.ToTensor())

    def epoch() -> None:
        for _data, _target in DataLoader(dataset, batch_size=64, shuffle=True):
            pass

    return looped(epoch)


def make_loader_torch(mnist: MnistDir) -> Batch:
    """The same epoch with torch's DataLoader over a per-sample MNIST Dataset whose transform does
    ToTensor's work per sample (benchmarks/_tvshim: torchvision is not installed here)."""
    sys.path.insert(0, TVSHIM)
    try:
        from torchvision import datasets, transforms
    finally:
        sys.path.pop(0)
    import warnings

    with warnings.catch_warnings():  # from_numpy on the read-only IDX buffer
        warnings.simplefilter("ignore", UserWarning)
        dataset = datasets.MNIST(mnist.data, train=True, transform=transforms.ToTensor())
        dataset.data = dataset.data.copy()

    from torch.utils.data import DataLoader

    def epoch() -> None:
        for _data, _target in DataLoader(dataset, batch_size=64, shuffle=True):
            pass

    return looped(epoch)


def peak_rss_kib() -> int:
    """Peak resident set size of this process in KiB. On Linux, /proc/self/status's VmHWM (the
    high-water mark of this address space): getrusage's ru_maxrss survives execve, so a child
    forked from a big parent (run.py holds both libraries) would report the parent's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def _rss_main(lib: str) -> None:
    import importlib

    L = importlib.import_module(lib)
    make_mlp(L)(200)
    print(peak_rss_kib())

if __name__ == "__main__":
    if sys.argv[1:2] != ["rss"] or len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/workloads.py rss dyngrad|torch")
    _rss_main(sys.argv[2])
