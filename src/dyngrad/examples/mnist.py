"""Train a digit classifier on MNIST: ``python -m dyngrad.examples.mnist`` (or ``dyngrad-mnist``).

The default model is the classic 784-128-64-10 MLP trained with SGD (lr 0.1, momentum 0.5) on
batches of 64; ``--model cnn`` swaps in a small convolutional net. Each epoch shows a progress bar,
then the training loss and the test accuracy; the end of each epoch writes a checkpoint
(``dyngrad.save`` of the model, the optimizer state and the epoch) into ``--out``, plus a PNG of
the curves when matplotlib is installed. ``--resume CHECKPOINT`` carries on from a checkpoint up to
``--epochs`` epochs in all.

Where the data comes from, first match wins:
  1. ``--data DIR``: MNIST's four IDX files (gzipped or not) in ``DIR/MNIST/raw/`` (torchvision's
     layout) or directly in ``DIR``;
  2. the cache folder (``~/.cache/dyngrad/mnist``), downloading MNIST there when online;
  3. offline: the sample shipped inside dyngrad (the first 6,000 training and 1,000 test images of
     MNIST; see ``dyngrad/examples/data/NOTICE``). ``--embedded`` picks it directly.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

import dyngrad as torch
import dyngrad.nn as nn
import dyngrad.nn.functional as F
from dyngrad.utils.data import DataLoader
from dyngrad.vision import datasets, transforms

EMBEDDED_DIR = Path(__file__).resolve().parent / "data"
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CHECKPOINT_NAME = "checkpoint.pt"
PLOT_NAME = "curves.png"
# long enough for a slow but working network, short enough that being offline costs almost nothing
PROBE_TIMEOUT = 3.0


# --- models --------------------------------------------------------------------------------------


class MLP(nn.Module):
    """The seed program's MLP: 784-128-64-10 with ReLUs."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.view(-1, 784)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class CNN(nn.Module):
    """Two conv/pool stages then two linear layers: ~99% on full MNIST, still quick on NumPy."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


MODELS = {"mlp": MLP, "cnn": CNN}


# --- data ----------------------------------------------------------------------------------------


class MNISTFolder(datasets.MNIST):
    """MNIST whose IDX files lie directly in ``root`` rather than in ``root/MNIST/raw/``."""

    @property
    def raw_folder(self) -> str:
        return self.root


def _has_mnist(folder: Path) -> bool:
    return all((folder / n).is_file() or (folder / f"{n}.gz").is_file() for n in MNIST_FILES)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/dyngrad/mnist`` (``~/.cache/dyngrad/mnist`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dyngrad" / "mnist"


def _online(url: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether ``url`` answers at all within ``timeout`` (a HEAD request; honours proxy settings)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # the server answered, if only to refuse a HEAD: the download itself may work
    except Exception:  # offline shows up as many different errors: DNS, refused, timeout, proxy
        return False


def load_mnist(data: str | None, embedded: bool, transform) -> tuple[datasets.MNIST, datasets.MNIST, str]:
    """The training and test sets, and a line saying which data they are."""

    def both(cls, root) -> tuple[datasets.MNIST, datasets.MNIST]:
        return cls(root, train=True, transform=transform), cls(root, train=False, transform=transform)

    if embedded:
        train, test = both(MNISTFolder, str(EMBEDDED_DIR))
        return train, test, "the MNIST sample shipped with dyngrad (first 6,000 train / 1,000 test images)"
    if data is not None:
        folder = Path(data).expanduser()
        if _has_mnist(folder / "MNIST" / "raw"):
            train, test = both(datasets.MNIST, str(folder))
        elif _has_mnist(folder):
            train, test = both(MNISTFolder, str(folder))
        else:
            raise SystemExit(
                f"error: no MNIST in {folder}: expected {', '.join(MNIST_FILES)} (each as is or .gz) in "
                f"{folder / 'MNIST' / 'raw'} or in {folder} itself"
            )
        return train, test, f"MNIST from {folder}"
    cache = default_cache_dir()
    if _has_mnist(cache / "MNIST" / "raw"):
        train, test = both(datasets.MNIST, str(cache))
        return train, test, f"MNIST from the cache {cache}"
    probe = datasets.MNIST.mirrors[0] + datasets.MNIST.resources[0][0]
    if _online(probe):
        print(f"downloading MNIST into {cache} ...", flush=True)
        try:
            train = datasets.MNIST(str(cache), train=True, transform=transform, download=True)
            test = datasets.MNIST(str(cache), train=False, transform=transform, download=True)
            return train, test, f"MNIST downloaded into {cache}"
        except RuntimeError as e:
            print(f"download failed ({str(e).splitlines()[0]}): using the embedded sample", flush=True)
    else:
        print("offline (MNIST's download server did not answer): using the embedded sample", flush=True)
    return load_mnist(None, True, transform)


# --- progress bar --------------------------------------------------------------------------------


class PlainBar:
    """A dependency-free stand-in for tqdm: one line redrawn with carriage returns.

    On a terminal it redraws at most ten times a second; into a file or pipe (no TTY) only at
    every tenth of the way, so a log gets a dozen updates per epoch instead of hundreds."""

    WIDTH = 30

    def __init__(self, iterable: Iterable, total: int, desc: str, stream=None) -> None:
        self.iterable, self.total, self.desc = iterable, total, desc
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.count, self.postfix, self.start = 0, "", time.perf_counter()
        self._last_draw, self._last_tenth, self._drawn = 0.0, -1, -1

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text  # shown at the next redraw, whatever ``refresh`` says

    def __iter__(self) -> Iterator:
        try:
            for item in self.iterable:
                yield item
                self.count += 1
                self._maybe_draw()
        finally:
            if self._drawn != self.count:
                self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def _maybe_draw(self) -> None:
        if self.tty:
            now = time.perf_counter()
            if now - self._last_draw >= 0.1:
                self._last_draw = now
                self._draw()
        else:
            tenth = self.count * 10 // max(self.total, 1)
            if tenth != self._last_tenth:
                self._last_tenth = tenth
                self._draw()

    def _draw(self) -> None:
        self._drawn = self.count
        done = self.count / max(self.total, 1)
        filled = int(self.WIDTH * done)
        elapsed = time.perf_counter() - self.start
        rate = self.count / elapsed if elapsed > 0 else 0.0
        line = (f"\r{self.desc} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.count}/{self.total} "
                f"{elapsed:.1f}s {rate:.0f} batch/s {self.postfix}")
        self.stream.write(line.rstrip())
        self.stream.flush()


def progress(iterable: Iterable, total: int, desc: str, plain: bool = False):
    """tqdm when it is installed (and not ``plain``), else ``PlainBar``."""
    if not plain:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            return tqdm(iterable, total=total, desc=desc, unit="batch", leave=True, dynamic_ncols=True)
    return PlainBar(iterable, total, desc)


# --- training ------------------------------------------------------------------------------------


def train_epoch(model, loader, optimizer, criterion, desc: str, plain_bar: bool) -> float:
    """One pass over ``loader``; returns the mean training loss."""
    model.train()
    total_loss, batches = 0.0, 0
    bar = progress(loader, len(loader), desc, plain_bar)
    for data, target in bar:
        optimizer.zero_grad()
        loss = criterion(model(data), target)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
        batches += 1
        if batches % 20 == 0:  # a postfix per batch would cost more than the bar is worth
            bar.set_postfix_str(f"loss {total_loss / batches:.4f}", refresh=False)
    return total_loss / max(batches, 1)


def evaluate(model, loader, criterion) -> tuple[float, float]:
    """Mean loss and accuracy (0..1) over ``loader``."""
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            total_loss += criterion(output, target).item() * len(target)
            correct += (output.argmax(1) == target).sum().item()
            count += len(target)
    return total_loss / max(count, 1), correct / max(count, 1)


def save_plot(history: dict, path: Path) -> bool:
    """Loss and accuracy curves as a PNG; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed: this only writes a file
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    epochs = history["epoch"]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history["train_loss"], "o-", label="train")
    ax_loss.plot(epochs, history["test_loss"], "s-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [100 * a for a in history["test_accuracy"]], "s-", color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.set_xticks(epochs)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dyngrad-mnist", description="Train an MNIST digit classifier with dyngrad.",
        epilog="Data: --data DIR, else ~/.cache/dyngrad/mnist (downloaded when online), else the "
               "MNIST sample shipped with dyngrad.")
    parser.add_argument("--epochs", type=int, default=5,
                        help="epochs in all, counting resumed ones (default 5)")
    parser.add_argument("--batch-size", type=int, default=64, help="training batch size (default 64)")
    parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default 0.1)")
    parser.add_argument("--momentum", type=float, default=0.5, help="SGD momentum (default 0.5)")
    parser.add_argument("--model", choices=sorted(MODELS),
                        help="network (default mlp, or the checkpoint's with --resume)")
    parser.add_argument("--data", metavar="DIR",
                        help="folder holding MNIST (DIR/MNIST/raw/ or the files in DIR)")
    parser.add_argument("--embedded", action="store_true", help="use the MNIST sample shipped with dyngrad")
    parser.add_argument("--out", metavar="DIR", default="mnist-out",
                        help="output folder (default ./mnist-out)")
    parser.add_argument("--resume", metavar="CHECKPOINT",
                        help="continue from a checkpoint written by this demo")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--plain-progress", action="store_true",
                        help="the built-in progress bar even with tqdm")
    args = parser.parse_args(argv)
    if args.epochs < 0 or args.batch_size < 1 or args.lr <= 0:
        parser.error("--epochs must be >= 0, --batch-size >= 1 and --lr > 0")
    if args.embedded and args.data:
        parser.error("--embedded and --data exclude each other")
    return args


def run(args: argparse.Namespace) -> dict:
    """Train as ``args`` say; returns the history (epoch, train_loss, test_loss, test_accuracy)."""
    torch.manual_seed(args.seed)
    # MNIST's mean and std: centred inputs let SGD converge in fewer epochs
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set, test_set, description = load_mnist(args.data, args.embedded, transform)
    print(f"data: {description}: {len(train_set)} training, {len(test_set)} test images")

    checkpoint = None
    if args.resume:
        checkpoint = torch.load(args.resume)
        args.model = args.model or checkpoint.get("model_name", "mlp")
        if checkpoint.get("model_name", args.model) != args.model:
            raise SystemExit(f"error: {args.resume} holds a {checkpoint['model_name']!r} model, "
                             f"not {args.model!r} (add --model {checkpoint['model_name']})")
    args.model = args.model or "mlp"
    model = MODELS[args.model]()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    criterion = nn.CrossEntropyLoss()
    history = {"epoch": [], "train_loss": [], "test_loss": [], "test_accuracy": []}
    first_epoch = 1
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        history = {k: list(v) for k, v in checkpoint["history"].items()}
        first_epoch = checkpoint["epoch"] + 1
        # the same shuffles as an uninterrupted run would have drawn
        torch.set_rng_state(checkpoint["rng_state"])
        print(f"resumed from {args.resume} after epoch {checkpoint['epoch']}")

    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000, shuffle=False)  # no gradients: big batches are cheap
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {args.model} ({n_params:,} parameters), SGD lr {args.lr} momentum {args.momentum}, "
          f"batch size {args.batch_size}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if first_epoch > args.epochs:
        print(f"nothing to do: the checkpoint already has {first_epoch - 1} epoch(s); "
              "ask for more with --epochs")

    for epoch in range(first_epoch, args.epochs + 1):
        start = time.perf_counter()
        train_loss = train_epoch(model, train_loader, optimizer, criterion,
                                 f"epoch {epoch}/{args.epochs}", args.plain_progress)
        test_loss, accuracy = evaluate(model, test_loader, criterion)
        if not math.isfinite(train_loss):
            raise SystemExit(f"error: the training loss diverged ({train_loss}); try a smaller --lr")
        for key, value in zip(history, (epoch, train_loss, test_loss, accuracy)):
            history[key].append(value)
        print(f"epoch {epoch}/{args.epochs}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
              f"test accuracy {100 * accuracy:.2f}% ({time.perf_counter() - start:.1f} s)", flush=True)
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
                    "model_name": args.model, "history": history, "rng_state": torch.get_rng_state()},
                   out / CHECKPOINT_NAME)

    if history["epoch"]:
        print(f"checkpoint: {out / CHECKPOINT_NAME}")
        if save_plot(history, out / PLOT_NAME):
            print(f"curves: {out / PLOT_NAME}")
        else:
            print("curves: not drawn (install matplotlib for a PNG of the loss and accuracy)")
    return history


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m dyngrad.examples.mnist`` and the ``dyngrad-mnist`` command."""
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
