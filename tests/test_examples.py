"""The MNIST demo (dyngrad.examples.mnist) and the scripts in the repository's examples/ folder."""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import dyngrad
from dyngrad.examples import mnist as demo
from dyngrad.vision.datasets import read_idx

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
ACCURACY = re.compile(r"^epoch (\d+)/(\d+): train loss (\S+), test loss (\S+), test accuracy ([\d.]+)%", re.M)
# a proxy nobody listens on: any download attempt fails at once, as on a machine without network
REFUSE = "http://127.0.0.1:9"
OFFLINE = {"http_proxy": REFUSE, "https_proxy": REFUSE, "HTTP_PROXY": REFUSE, "HTTPS_PROXY": REFUSE,
           "no_proxy": "", "NO_PROXY": ""}


def run(args: list[str], cwd: Path, env: dict | None = None, expect: int = 0, timeout: int = 300) -> str:
    """Run ``python ARGS`` with one BLAS thread; stdout (stderr too when the exit code is unexpected)."""
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", **OFFLINE, **(env or {})}
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == expect, \
        f"{args} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + (proc.stderr if expect else "")


def epochs(out: str) -> list[tuple[int, float, float, float]]:
    """(epoch, train loss, test loss, test accuracy %) for each epoch line the demo printed."""
    return [(int(e), float(tr), float(te), float(acc)) for e, _, tr, te, acc in ACCURACY.findall(out)]


# --- the embedded MNIST sample -----------------------------------------------------------------


def test_embedded_sample_is_real_mnist_with_notice():
    data = demo.EMBEDDED_DIR
    images = read_idx(str(data / "train-images-idx3-ubyte.gz"))
    labels = read_idx(str(data / "train-labels-idx1-ubyte.gz"))
    assert images.shape == (6000, 28, 28) and images.dtype == np.uint8 and labels.shape == (6000,)
    test_images = read_idx(str(data / "t10k-images-idx3-ubyte.gz"))
    test_labels = read_idx(str(data / "t10k-labels-idx1-ubyte.gz"))
    assert test_images.shape == (1000, 28, 28) and test_labels.shape == (1000,)
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # MNIST's first training labels
    assert test_labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # and first test labels
    assert sorted(set(labels.tolist())) == list(range(10))
    size = sum(p.stat().st_size for p in data.glob("*.gz"))
    assert 0.8e6 < size < 1.5e6
    notice = (data / "NOTICE").read_text()
    for needed in ("Yann LeCun", "Corinna Cortes", "Burges", "CC BY-SA 3.0"):
        assert needed in notice


def test_pyproject_ships_the_sample_and_the_command():
    text = (REPO / "pyproject.toml").read_text()
    assert 'dyngrad-mnist = "dyngrad.examples.mnist:main"' in text
    assert '"examples/data/*.gz"' in text and '"examples/data/NOTICE"' in text


# --- the demo ------------------------------------------------------------------------------------


def test_demo_trains_saves_and_resumes(tmp_path):
    out_dir = tmp_path / "out"
    # seed 1: with the embedded sample, one epoch ends between 80% and 88% depending on the seed
    base = ["-m", "dyngrad.examples.mnist", "--embedded", "--seed", "1", "--plain-progress",
            "--out", str(out_dir)]
    first = run([*base, "--epochs", "1"], tmp_path)
    assert "data: the MNIST sample shipped with dyngrad" in first
    assert "model: mlp (109,386 parameters)" in first
    (epoch, train_loss, test_loss, acc), = epochs(first)
    assert epoch == 1 and math.isfinite(train_loss) and math.isfinite(test_loss)
    assert acc > 80.0, first
    # the plain progress bar, on stdout though not a TTY (text mode reads its \r as line ends)
    assert "epoch 1/1 [" in first and "] 94/94 " in first

    ckpt_path = out_dir / demo.CHECKPOINT_NAME
    ckpt = dyngrad.load(ckpt_path)
    assert ckpt["epoch"] == 1 and ckpt["model_name"] == "mlp"
    assert ckpt["history"]["test_accuracy"] == [pytest.approx(acc / 100, abs=1e-4)]
    model = demo.MLP()
    model.load_state_dict(ckpt["model"])
    optimizer = dyngrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    optimizer.load_state_dict(ckpt["optimizer"])
    assert len(optimizer.state_dict()["state"]) == 6  # a momentum buffer for each weight and bias

    resumed = run([*base, "--epochs", "2", "--resume", str(ckpt_path)], tmp_path)
    assert f"resumed from {ckpt_path} after epoch 1" in resumed
    assert [e[0] for e in epochs(resumed)] == [2]
    assert dyngrad.load(ckpt_path)["epoch"] == 2
    assert len(dyngrad.load(ckpt_path)["history"]["epoch"]) == 2

    # the checkpoint holds the RNG state too: 1 + 1 resumed epochs == 2 epochs in one go
    straight = run([*base[:-1], str(tmp_path / "straight"), "--epochs", "2"], tmp_path)
    assert epochs(straight)[1] == epochs(resumed)[0]

    nothing = run([*base, "--epochs", "2", "--resume", str(ckpt_path)], tmp_path)
    assert "nothing to do" in nothing and not epochs(nothing)


def test_demo_resume_refuses_another_model(tmp_path):
    dyngrad.save({"model": demo.MLP().state_dict(), "model_name": "mlp"}, tmp_path / "c.pt")
    err = run(["-m", "dyngrad.examples.mnist", "--embedded", "--model", "cnn",
               "--resume", str(tmp_path / "c.pt")], tmp_path, expect=1)
    assert "holds a 'mlp' model, not 'cnn'" in err


def test_demo_reaches_90_percent_on_the_sample_in_5_epochs(tmp_path):
    out = run(["-m", "dyngrad.examples.mnist", "--embedded", "--out", str(tmp_path)], tmp_path)
    results = epochs(out)
    assert [r[0] for r in results] == [1, 2, 3, 4, 5]
    assert results[-1][3] > 90.0, out
    assert results[-1][1] < results[0][1]  # training loss went down


def test_demo_data_folders(tmp_path):
    flat = tmp_path / "flat"
    nested = tmp_path / "nested" / "MNIST" / "raw"
    nested.mkdir(parents=True)
    flat.mkdir()
    for f in demo.EMBEDDED_DIR.glob("*.gz"):
        (flat / f.name).symlink_to(f)
        (nested / f.name).symlink_to(f)
    for root in (flat, tmp_path / "nested"):
        out = run(["-m", "dyngrad.examples.mnist", "--data", str(root), "--epochs", "0",
                   "--out", str(tmp_path)], tmp_path)
        assert f"data: MNIST from {root}: 6000 training, 1000 test images" in out
    err = run(["-m", "dyngrad.examples.mnist", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)],
              tmp_path, expect=1)
    assert "no MNIST in" in err and "train-images-idx3-ubyte" in err


def test_demo_falls_back_to_the_sample_when_offline(tmp_path):
    cache = tmp_path / "cache"
    start = time.perf_counter()
    out = run(["-m", "dyngrad.examples.mnist", "--epochs", "0", "--out", str(tmp_path)], tmp_path,
              env={"XDG_CACHE_HOME": str(cache)})
    assert time.perf_counter() - start < 30
    assert "offline" in out and "using the embedded sample" in out
    assert "data: the MNIST sample shipped with dyngrad" in out
    assert not (cache / "dyngrad" / "mnist" / "MNIST" / "raw").is_dir() or \
        not list((cache / "dyngrad" / "mnist" / "MNIST" / "raw").iterdir())


def test_demo_uses_the_cache_when_filled(tmp_path):
    raw = tmp_path / "cache" / "dyngrad" / "mnist" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in demo.EMBEDDED_DIR.glob("*.gz"):
        (raw / f.name).symlink_to(f)
    out = run(["-m", "dyngrad.examples.mnist", "--epochs", "0", "--out", str(tmp_path)], tmp_path,
              env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert "data: MNIST from the cache" in out and "offline" not in out


@pytest.fixture
def mirror(monkeypatch):
    """A loopback HTTP server serving the embedded sample as if it were MNIST's download mirror."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(demo.EMBEDDED_DIR))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(demo.datasets.MNIST, "mirrors", [f"http://127.0.0.1:{server.server_port}/"])
    # the sample's checksums stand in for MNIST's
    monkeypatch.setattr(demo.datasets.MNIST, "resources", [
        (name, demo.datasets._download.md5_of(str(demo.EMBEDDED_DIR / name)))
        for name, _ in demo.datasets.MNIST.resources])
    yield
    server.shutdown()
    server.server_close()


def test_demo_downloads_into_the_cache_when_online(mirror, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    train, test, description = demo.load_mnist(None, False, demo.transforms.ToTensor())
    assert description == f"MNIST downloaded into {tmp_path / 'dyngrad' / 'mnist'}"
    assert len(train) == 6000 and len(test) == 1000
    assert "downloading MNIST into" in capsys.readouterr().out
    assert len(list((tmp_path / "dyngrad" / "mnist" / "MNIST" / "raw").glob("*.gz"))) == 4
    # the next run finds the cache and asks the network nothing
    monkeypatch.setattr(demo, "_online", lambda url: pytest.fail("probed the network with a filled cache"))
    _, _, description = demo.load_mnist(None, False, demo.transforms.ToTensor())
    assert description.startswith("MNIST from the cache")


def test_demo_falls_back_when_the_download_fails(mirror, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    wrong = [(name, "0" * 32) for name, _ in demo.datasets.MNIST.resources]
    monkeypatch.setattr(demo.datasets.MNIST, "resources", wrong)
    train, _, description = demo.load_mnist(None, False, demo.transforms.ToTensor())
    assert description.startswith("the MNIST sample shipped with dyngrad") and len(train) == 6000
    out = capsys.readouterr().out
    assert "download failed (" in out and "using the embedded sample" in out


def test_demo_cnn_one_quick_epoch(tmp_path):
    out = run(["-m", "dyngrad.examples.mnist", "--embedded", "--model", "cnn", "--epochs", "1",
               "--out", str(tmp_path)], tmp_path)
    assert "model: cnn" in out
    (_, train_loss, _, acc), = epochs(out)
    assert acc > 85.0 and math.isfinite(train_loss), out


def test_demo_rejects_bad_options(tmp_path):
    err = run(["-m", "dyngrad.examples.mnist", "--lr", "0"], tmp_path, expect=2)
    assert "--lr > 0" in err
    err = run(["-m", "dyngrad.examples.mnist", "--embedded", "--data", "x"], tmp_path, expect=2)
    assert "exclude each other" in err


def test_plain_progress_bar_without_tty():
    stream = io.StringIO()  # not a TTY: redraws only at each tenth
    bar = demo.PlainBar(range(100), 100, "epoch 1/1", stream=stream)
    seen = []
    for i in bar:
        seen.append(i)
        bar.set_postfix_str("loss 0.5")
    text = stream.getvalue()
    assert seen == list(range(100))
    assert text.endswith("\n") and text.count("\n") == 1
    assert 5 <= text.count("\r") <= 12
    last = text.rsplit("\r", 1)[1]
    assert "100/100" in last and "[" + "#" * demo.PlainBar.WIDTH + "]" in last and "loss 0.5" in last


def test_progress_picks_the_plain_bar_on_request():
    assert isinstance(demo.progress(range(3), 3, "x", plain=True), demo.PlainBar)


def test_save_plot(tmp_path):
    pytest.importorskip("matplotlib")
    history = {"epoch": [1, 2], "train_loss": [0.5, 0.3], "test_loss": [0.4, 0.35],
               "test_accuracy": [0.9, 0.92]}
    assert demo.save_plot(history, tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- examples/ -----------------------------------------------------------------------------------


def test_examples_mnist_forwards_to_the_demo(tmp_path):
    out = run([str(EXAMPLES / "mnist.py"), "--embedded", "--epochs", "1", "--out", str(tmp_path)], tmp_path)
    assert len(epochs(out)) == 1 and (tmp_path / demo.CHECKPOINT_NAME).is_file()


def test_examples_cnn_mnist(tmp_path):
    out = run([str(EXAMPLES / "cnn_mnist.py"), "--epochs", "1", "--max-batches", "30",
               "--data", str(demo.EMBEDDED_DIR)], tmp_path)
    acc = float(re.search(r"epoch 1: test accuracy ([\d.]+)%", out).group(1))
    assert acc > 60.0, out  # 30 Adam steps; chance is 10%
    loss = float(re.search(r"epoch 1 batch 0/94 loss (\S+)", out).group(1))
    assert 2.0 < loss < 2.6  # ~ln(10) before any step


def test_examples_char_lstm(tmp_path):
    out = run([str(EXAMPLES / "char_lstm.py"), "--steps", "60", "--sample-length", "80"], tmp_path)
    losses = {int(s): float(v) for s, v in re.findall(r"step +(\d+) +loss (\S+)", out)}
    assert set(losses) == {1, 50, 60}
    assert losses[1] == pytest.approx(math.log(56), abs=0.2)  # uniform over the 56 characters at first
    assert losses[60] < 2.6, losses
    sample = out.split("--- sample ---\n", 1)[1]
    assert sample.startswith("MENENIUS:\n") and len(sample.rstrip("\n")) >= len("MENENIUS:\n") + 70


def test_examples_custom_function(tmp_path):
    out = run([str(EXAMPLES / "custom_function.py")], tmp_path)
    assert "ClippedReLU gradcheck: True" in out
    assert "StableLogSumExp gradcheck: True" in out
    assert "StableLogSumExp gradgradcheck: True" in out
    assert "logsumexp of [1000, 1000, 999]: 1000.862" in out
    assert "Linear weight gradient through ClippedReLU: (3, 5)" in out


def test_examples_data_notice():
    notice = (EXAMPLES / "data" / "NOTICE").read_text()
    assert "coriolanus.txt" in notice and "public domain" in notice
    assert len((EXAMPLES / "data" / "coriolanus.txt").read_text()) > 5000
