"""A small convolutional network on MNIST, written as one would with PyTorch.

    python examples/cnn_mnist.py --epochs 1            # ~97% on full MNIST, ~15 s
    python examples/cnn_mnist.py --epochs 1 --data DIR  # DIR/MNIST/raw/*.gz or the .gz files in DIR

Without --data it uses the same data as the MNIST demo: the download cache when it holds MNIST,
else the sample shipped with dyngrad (6,000 training images: a few seconds an epoch)."""

import argparse
import time

import dyngrad as torch
import dyngrad.nn as nn
import dyngrad.nn.functional as F
from dyngrad.examples.mnist import default_cache_dir, load_mnist
from dyngrad.utils.data import DataLoader
from dyngrad.vision import transforms


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)   # narrow layers: NumPy convolutions are the cost here
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # 28x28 -> 14x14
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # 14x14 -> 7x7
        x = self.dropout(torch.flatten(x, 1))
        x = F.relu(self.fc1(x))
        return self.fc2(x)                           # logits: cross_entropy applies log_softmax itself


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--data", metavar="DIR")
    parser.add_argument("--max-batches", type=int, default=None, help="stop each epoch early (quick runs)")
    args = parser.parse_args()

    torch.manual_seed(0)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    # without --data: the cache if MNIST was downloaded before, else the embedded sample
    # (this example never waits on a network)
    has_cache = (default_cache_dir() / "MNIST" / "raw").is_dir()
    data = args.data or (str(default_cache_dir()) if has_cache else None)
    train_set, test_set, description = load_mnist(data, embedded=data is None, transform=transform)
    print(f"data: {description}")
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)  # Adam: no lr tuning needed for a CNN
    for epoch in range(1, args.epochs + 1):
        model.train()  # dropout on
        start = time.perf_counter()
        for batch_idx, (data, target) in enumerate(train_loader):
            if args.max_batches is not None and batch_idx >= args.max_batches:
                break
            optimizer.zero_grad()
            loss = F.cross_entropy(model(data), target)
            loss.backward()
            optimizer.step()
            if batch_idx % 100 == 0:
                print(f"epoch {epoch} batch {batch_idx}/{len(train_loader)} loss {loss.item():.4f}")

        model.eval()  # dropout off, so the test is deterministic
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                correct += (model(data).argmax(dim=1) == target).sum().item()
        print(f"epoch {epoch}: test accuracy {100 * correct / len(test_set):.2f}% "
              f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
