"""The per-sample loss weights train.py's --loss-norm (and --loss-norm-task) give one task's samples: draws N
training-photo samples of TASK, computes m (the loss of returning the input, with --lowfreq 4 / pool 8 and,
with --border-weight, run 19's border weights) and prints m's 5/25/50/75/95th percentiles and, for each
c:p, the weights (relative to the mean) at m's 5th, 50th and 95th percentile. The model card's figures for
--loss-norm-task deblur:0.003:1 come from:

    python3 Training/mini/loss_weights.py --task deblur --n 256 --seed 3 --border-weight 0.1 --norms 0.02:0.5,0.003:1
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import taskworld as tw  # noqa: E402
from make_assets import EVAL_PHOTOS, load_photos, to_square  # noqa: E402
from train import border_weight_map, border_weights, sample_loss  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="deblur")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--border-weight", type=float, default=1.0)
    ap.add_argument("--norms", default="0.02:0.5,0.003:1", help="c:p[,c:p...]")
    a = ap.parse_args(argv)
    ph = load_photos()
    bank = tw.PhotoBank(torch.stack([to_square(ph[k]) for k in sorted(k for k in ph if k not in EVAL_PHOTOS)]))
    g = torch.Generator().manual_seed(a.seed)
    x, y, _ = tw.make_task(a.task, {}, a.n, g, "cpu", None, sources=bank.crops(a.n, g, "cpu"))
    x, y = x * 2 - 1, y * 2 - 1
    wmap = (border_weight_map(border_weights(a.border_weight, 16, tw.S), torch.ones(a.n, dtype=torch.bool))
            if a.border_weight != 1.0 else None)
    m = sample_loss(torch.zeros_like(y), y - x, 4.0, 8, wmap).numpy()
    q = np.percentile(m, [5, 25, 50, 75, 95])
    print(f"weights task={a.task} n={a.n} m percentiles 5/25/50/75/95: " + " ".join(f"{v:.4f}" for v in q)
          + f" (95th / 5th = {q[4] / q[0]:.1f})")
    for cp in a.norms.split(","):
        c, p = (float(v) for v in cp.split(":"))
        lo, mid, hi = (float((c / (v + c)) ** p / ((c / (m + c)) ** p).mean()) for v in (q[0], q[2], q[4]))
        print(f"weights c={c:g} p={p:g}: at m's 5th {lo:.2f}, 50th {mid:.2f}, 95th {hi:.2f} percentile "
              f"(ratio {lo / hi:.1f})")


if __name__ == "__main__":
    main()
