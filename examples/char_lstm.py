"""A character-level LSTM language model, trained on a page of Shakespeare, then sampled.

    python examples/char_lstm.py                 # 300 steps, about 10 s on one CPU core
    python examples/char_lstm.py --steps 50 --sample-length 100

The text (data/coriolanus.txt, public domain, see data/NOTICE) is 7 KB: enough for the model to
learn words, names and the "Speaker:\\n" layout in a few hundred steps."""

import argparse
import math
import time
from pathlib import Path

import dyngrad as torch
import dyngrad.nn as nn
import dyngrad.nn.functional as F

TEXT = Path(__file__).resolve().parent / "data" / "coriolanus.txt"


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_size=128, num_layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, state=None):
        out, state = self.lstm(self.embed(idx), state)   # out: batch x time x hidden
        return self.head(out), state                     # logits for the next character at every step


def sample(model, stoi, itos, prompt, length, temperature):
    """Feed the prompt, then draw one character at a time, carrying the LSTM state along."""
    model.eval()
    idx = torch.tensor([[stoi[c] for c in prompt]])
    out = list(prompt)
    with torch.no_grad():
        logits, state = model(idx)
        for _ in range(length):
            probs = F.softmax(logits[0, -1] / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1)            # sampling (not argmax) avoids loops of "the the the"
            out.append(itos[nxt.item()])
            logits, state = model(nxt.view(1, 1), state)
    model.train()
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--sample-length", type=int, default=300)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    text = TEXT.read_text(encoding="utf-8")
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    itos = dict(enumerate(chars))
    data = torch.tensor([stoi[c] for c in text])
    print(f"{len(text)} characters, vocabulary of {len(chars)}; "
          f"uniform guessing = loss {math.log(len(chars)):.2f}")

    model = CharLSTM(len(chars), hidden_size=args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        # random windows; the target is the same window shifted by one character
        offsets = torch.randint(0, len(data) - args.seq_len - 1, (args.batch_size,))
        x = torch.stack([data[o:o + args.seq_len] for o in offsets.tolist()])
        y = torch.stack([data[o + 1:o + args.seq_len + 1] for o in offsets.tolist()])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        # LSTM gradients occasionally spike; clipping keeps a high lr (1e-2) safe
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step == 1 or step % 50 == 0 or step == args.steps:
            elapsed = time.perf_counter() - start
            print(f"step {step:4d}  loss {loss.item():.3f}  ({elapsed:.1f} s)", flush=True)

    print("--- sample ---")
    print(sample(model, stoi, itos, "MENENIUS:\n", args.sample_length, args.temperature))


if __name__ == "__main__":
    main()
