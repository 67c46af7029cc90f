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


CROP = (slice(16, -16), slice(16, -16))  # EVALUATION.md's border crop for deblur


def deblur_batch(n: int, seed: int):
    """n deblur jobs on training-photo crops, quantised as the evaluation quantises its inputs:
    -> (inputs, targets, PSFs) as float64 numpy arrays."""
    ph = load_photos()
    bank = tw.PhotoBank(torch.stack([to_square(ph[k]) for k in sorted(ph) if k not in EVAL_PHOTOS]))
    g = torch.Generator().manual_seed(seed)
    x, y, info = tw.make_task("deblur", {}, n, g, "cpu", None, sources=bank.crops(n, g, "cpu"))
    xs = (x.clamp(0, 1) * 255).round().permute(0, 2, 3, 1).double().numpy() / 255
    return xs, y.permute(0, 2, 3, 1).double().numpy(), info["psf"].double().numpy()


def input_psnr(batch) -> float:
    xs, ys, _ = batch
    return float(np.mean([A.psnr(xi[CROP], yi[CROP]) for xi, yi in zip(xs, ys)]))


def wiener_psnr(batch, balance=None) -> float:
    """Mean PSNR of anchors.deblur_wiener at `balance` (None: anchors.WIENER_BALANCE)."""
    return float(np.mean([A.psnr(A.deblur_wiener(xi, pi, balance)[CROP], yi[CROP]) for xi, yi, pi in zip(*batch)]))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=96)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--balances", default="0.005,0.01,0.0125,0.015,0.0175,0.02,0.025,0.03,0.04")
    a = ap.parse_args(argv)
    batch = deblur_batch(a.n, a.seed)
    print(f"tune deblur source=train-photos n={a.n} input={input_psnr(batch):.3f}")
    best = None
    for b in (float(v) for v in a.balances.split(",")):
        v = wiener_psnr(batch, b)
        print(f"tune deblur wiener balance={b:g} psnr={v:.3f}")
        best = (v, b) if best is None or v > best[0] else best
    print(f"tune deblur best balance={best[1]:g} (anchors.WIENER_BALANCE={A.WIENER_BALANCE:g})")


if __name__ == "__main__":
    main()
