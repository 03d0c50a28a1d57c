"""Digits (scikit-learn's 8x8 images): time to 95% test accuracy for an MLP 64-32-10 with softmax
cross-entropy and Adam (lr 0.02, full batch), ours in batch mode beside the same network, the same
initial weights and the same epochs in torch float64.
"""

from __future__ import annotations

import time

import numpy as np
from common import table

import nn

EPOCHS = 100
LR = 0.02
TARGET = 0.95


def data() -> tuple[np.ndarray, ...]:
    X, y = nn.data.digits()
    return tuple(nn.data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True))


def ours(Xtr: np.ndarray, Xte: np.ndarray, ytr: np.ndarray, yte: np.ndarray, model: nn.MLP) -> tuple[float, int, float]:
    opt = nn.optim.Adam(model.parameters(), lr=LR)
    spent, reached = 0.0, -1
    for epoch in range(EPOCHS):
        t = time.perf_counter()
        nn.fit(model, Xtr, ytr, loss="cross_entropy", optimizer=opt, epochs=1, progress=False)
        spent += time.perf_counter() - t
        if reached < 0 and nn.accuracy(model, Xte, yte) >= TARGET:
            reached, at = epoch + 1, spent
    return (at if reached > 0 else float("nan")), reached, nn.accuracy(model, Xte, yte)


def torch_run(
    Xtr: np.ndarray, Xte: np.ndarray, ytr: np.ndarray, yte: np.ndarray, model: nn.MLP
) -> tuple[float, int, float]:
    import torch

    seq = nn.to_torch(model)
    opt = torch.optim.Adam(seq.parameters(), lr=LR)
    tX, ty, tXe = torch.tensor(Xtr), torch.tensor(ytr), torch.tensor(Xte)
    spent, reached, at = 0.0, -1, float("nan")

    def acc() -> float:
        with torch.no_grad():
            return float((seq(tXe).argmax(1).numpy() == yte).mean())

    for epoch in range(EPOCHS):
        t = time.perf_counter()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(seq(tX), ty)
        loss.backward()
        opt.step()
        spent += time.perf_counter() - t
        if reached < 0 and acc() >= TARGET:
            reached, at = epoch + 1, spent
    return at, reached, acc()


def main() -> list[list[str]]:
    Xtr, Xte, ytr, yte = data()
    rows = []
    runs = {"ours, batch mode": ours}
    try:
        import torch

        torch.set_num_threads(1)
        runs["torch float64"] = torch_run
    except ImportError:
        pass
    for name, run in runs.items():
        seconds, epoch, final = run(Xtr, Xte, ytr, yte, nn.MLP(64, [32, 10], seed=0))
        rows.append([name, f"{seconds:.2f} s" if epoch > 0 else "not reached", str(epoch), f"{final:.3f}"])
    return rows


HEADER = ["digits, MLP 64-32-10, Adam, full batch", "time to 95% test acc.", "epoch", f"test acc. after {EPOCHS}"]

if __name__ == "__main__":
    print(table(main(), HEADER))
