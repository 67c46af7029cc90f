"""Where in time a residual pixwizard-mini checkpoint is weak: for each task, the error of its clean-image
prediction x̂₁ = input + out given the true x_t = t·x1 + (1−t)·noise, divided by the error of returning the
input unchanged, at a few t (below 1: better than the trivial baseline at that t). One seeded batch of the
task world with the given wording split.

    python3 Training/mini/probe_t.py --ckpt Models/pixwizard-mini --split heldout
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mini_model import TaskSampler, TextTable  # noqa: E402
from train import load_mini  # noqa: E402
import taskworld as tw  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True, help="exported model dir or checkpoint prefix")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "data"))
    ap.add_argument("--split", default="heldout", choices=["train", "heldout"])
    ap.add_argument("--per-task", type=int, default=6)
    ap.add_argument("--times", default="0,0.33,0.67,0.9")
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    m = load_mini(a.ckpt).eval()
    if m.prediction != "residual":
        sys.exit("probe_t: the checkpoint does not use the residual output")
    text = TextTable(os.path.join(a.data, "text.pt"), "cpu")
    photos = tw.PhotoBank(torch.load(os.path.join(a.data, "photos.pt"))["train"], "cpu")
    sm = TaskSampler(text, a.split, "cpu", photos)
    g = torch.Generator().manual_seed(a.seed)
    x_in, y, tid, ti = sm.batch(a.per_task, g)
    x1, c = y * 2 - 1, x_in * 2 - 1
    f, mk, p = text.get(tid)
    n = torch.randn(x1.shape, generator=g)
    triv = ((x1 - c) ** 2).mean(dim=(1, 2, 3))
    times = [float(t) for t in a.times.split(",")]
    print(f"{'task':15s} " + " ".join(f"t={t:<5g}" for t in times))
    rows: dict[str, list[float]] = {}
    with torch.no_grad():
        for t in times:
            xt = t * x1 + (1 - t) * n
            o = m(xt, torch.full((len(x1),), t), c, f, mk, p, m.image_feats(c))
            e = ((c + o - x1) ** 2).mean(dim=(1, 2, 3))
            for k, name in enumerate(sm.tasks):
                sel = ti == k
                rows.setdefault(name, []).append((e[sel].mean() / triv[sel].mean()).item())
    for name, r in rows.items():
        print(f"{name:15s} " + " ".join(f"{v:7.2f}" for v in r))


if __name__ == "__main__":
    main()
