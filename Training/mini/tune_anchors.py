"""Chooses the free parameter of a classical anchor on the *training* photos, never on the evaluation photos:
the Wiener deconvolution's balance (noise-to-signal ratio) for deblur. Prints PSNR (after the 16-px border crop of
EVALUATION.md) per balance and the best one; anchors.WIENER_BALANCE holds the value it chose.

    python3 Training/mini/tune_anchors.py
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import anchors as A  # noqa: E402
import taskworld as tw  # noqa: E402
from make_assets import EVAL_PHOTOS, load_photos, to_square  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=96)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--balances", default="0.005,0.01,0.0125,0.015,0.0175,0.02,0.025,0.03,0.04")
    a = ap.parse_args(argv)
    ph = load_photos()
    bank = tw.PhotoBank(torch.stack([to_square(ph[k]) for k in sorted(ph) if k not in EVAL_PHOTOS]))
    g = torch.Generator().manual_seed(a.seed)
    x, y, info = tw.make_task("deblur", {}, a.n, g, "cpu", None, sources=bank.crops(a.n, g, "cpu"))
    xs = (x.clamp(0, 1) * 255).round().permute(0, 2, 3, 1).double().numpy() / 255  # as the evaluation quantises
    ys = y.permute(0, 2, 3, 1).double().numpy()
    psfs = info["psf"].double().numpy()
    c = (slice(16, -16), slice(16, -16))
    base = np.mean([A.psnr(xi[c], yi[c]) for xi, yi in zip(xs, ys)])
    print(f"tune deblur source=train-photos n={a.n} input={base:.3f}")
    best = None
    for b in (float(v) for v in a.balances.split(",")):
        v = np.mean([A.psnr(A.deblur_wiener(xi, pi, b)[c], yi[c]) for xi, yi, pi in zip(xs, ys, psfs)])
        print(f"tune deblur wiener balance={b:g} psnr={v:.3f}")
        best = (v, b) if best is None or v > best[0] else best
    print(f"tune deblur best balance={best[1]:g} (anchors.WIENER_BALANCE={A.WIENER_BALANCE:g})")


if __name__ == "__main__":
    main()
