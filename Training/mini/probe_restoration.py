"""Why a pixwizard-mini model loses (or wins) against its input on a near-identity restoration task (deblur, sr,
denoise). With the PyTorch reference and a training wording of the task, for three sources of clean images:

  - eval:  crops of the held-out evaluation photos (evaluate.py's sources),
  - train: crops of the training photos,
  - scene: procedural scenes of the task world,

it prints the model's PSNR (deblur: after the 16-px border crop of EVALUATION.md), the input's, and the PSNR of
0.5 * model + 0.5 * input (above the input: the model's change points the right way but is too noisy or too
large); for deblur also both PSNRs over the whole image (the border is where the circular blur wraps around).
With --other-instruction TASK it also samples the same inputs with TASK's example wording (does the model tell
sr from deblur by the text?). With --steps-probe it also prints, on the eval source, the clean-image estimate
x1hat = input + DiT output at each Euler step, their mean, and the mean of the final output and of the step-0 estimate over 4 noise seeds
(the posterior-mean estimate a PSNR metric rewards, against one posterior sample). With --decompose it splits the
model's change r = output - input on each source (over the scored region): by the input's PSNR (terciles of the
images: where the mean per-image PSNR is lost), into the share that depends on the noise seed (a second run from
other seeds), the best scale of r (<r, g> / |r|^2, g = target - input: 1 for a calibrated change, 0.5 for one
posterior sample), and the PSNR with r's per-image mean colour (its DC over the scored region) removed.

    python3 Training/mini/probe_restoration.py --model Models/pixwizard-mini --tasks deblur,sr --steps-probe
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
import evaluate as ev  # noqa: E402
import taskworld as tw  # noqa: E402
from make_assets import EVAL_PHOTOS, load_photos, to_square  # noqa: E402


def psnr(outs, targets, crop):
    """Mean per-image PSNR (anchors.psnr, the evaluation's), after a `crop`-pixel border crop."""
    c = slice(crop, -crop) if crop else slice(None)
    return float(np.mean([A.psnr(o[c, c], t[c, c]) for o, t in zip(outs, targets)]))


def task_batch(task, src, n, seed, banks):
    g = torch.Generator().manual_seed(seed)
    sources = tw.render(tw.sample_scene(n, g, "cpu"))["image"] if src == "scene" else banks[src].crops(n, g, "cpu")
    x, y, _ = tw.make_task(task, {}, n, g, "cpu", None, sources=sources)
    xq = (x.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy()
    return xq, y.permute(0, 2, 3, 1).double().numpy()


@torch.no_grad()
def step_estimates(eng, xq, instruction, steps, seed):
    """x1hat (in [0, 1]) at each Euler step of one sampler run from the noise of `seed`."""
    m = eng.model
    cond = torch.from_numpy(xq).permute(0, 3, 1, 2).float() / 255 * 2 - 1
    h, mask, p = eng.text.encode([instruction] * len(xq))
    feats = m.image_feats(cond)
    x = torch.randn(cond.shape, generator=torch.Generator().manual_seed(seed))
    est = []
    for k in range(steps):
        out = m(x, torch.full((len(xq),), k / steps), cond, h, mask.bool(), p, feats)
        x1 = cond + out
        est.append(((x1 + 1) / 2).clamp(0, 1).permute(0, 2, 3, 1).double().numpy())
        x = x + (x1 - x) / (steps - k)
    return est


def change_stats(x, o, o2, y, crop):
    """--decompose's figures of the change r = o - x (o2: the same inputs from other noise seeds, y: the targets),
    over the scored region: seed-share, best-scale, dc-share, and the PSNR without r's per-image mean colour."""
    c = slice(crop, -crop) if crop else slice(None)
    r, r2, g = (o - x)[:, c, c], (o2 - x)[:, c, c], (y - x)[:, c, c]
    rr = float(np.mean(r * r))
    dc = r.mean(axis=(1, 2), keepdims=True)
    no_dc = x.copy()
    no_dc[:, c, c] += r - dc
    return {"seed-share": float(np.mean((r - r2) ** 2)) / 2 / rr if rr > 0 else 0.0,
            "best-scale": float(np.mean(r * g)) / rr if rr > 0 else 0.0,
            "dc-share": float(np.mean(dc ** 2)) / rr if rr > 0 else 0.0,
            "without-dc": psnr(no_dc, y, crop)}


def decompose(eng, xq, x, o, y, ins, crop, task, src):
    """--decompose: one line per source; see the module docstring."""
    n = len(xq)
    o2 = eng.run(list(xq), [ins] * n, list(range(1000, 1000 + n))).astype(np.float64) / 255
    st = change_stats(x, o, o2, y, crop)
    pin = np.array([psnr(x[i:i + 1], y[i:i + 1], crop) for i in range(n)])
    pm = np.array([psnr(o[i:i + 1], y[i:i + 1], crop) for i in range(n)])
    ter = np.array_split(np.argsort(pin), 3)
    parts = [f"tercile{k}={(pm - pin)[i].mean():+.2f} (input {pin[i].mean():.1f})" for k, i in enumerate(ter)]
    print(f"decompose task={task} source={src} n={n} " + " ".join(parts)
          + f" | seed-share={st['seed-share']:.2f} best-scale={st['best-scale']:.2f} dc-share={st['dc-share']:.2f} "
          f"without-dc={st['without-dc']:.2f}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(HERE, "..", "..", "Models", "pixwizard-mini"))
    ap.add_argument("--tasks", default="deblur,sr")
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps-probe", action="store_true")
    ap.add_argument("--decompose", action="store_true")
    ap.add_argument("--other-instruction", default=None, metavar="TASK",
                    help="also sample each source with TASK's example wording, and print that output's PSNR and its "
                         "PSNR against the output with the task's own wording (high: the model barely reads the text)")
    a = ap.parse_args(argv)
    eng = ev.TorchEngine(a.model, None, None, a.threads)
    if eng.model.prediction != "residual":
        ap.error("the probe reads x1hat = input + output: it needs a residual model")
    ph = load_photos()
    train_names = sorted(k for k in ph if k not in EVAL_PHOTOS)
    banks = {"eval": tw.PhotoBank(torch.stack([to_square(ph[k]) for k in EVAL_PHOTOS])),
             "train": tw.PhotoBank(torch.stack([to_square(ph[k]) for k in train_names]))}
    examples = {t["name"]: t["example"] for t in eng.cfg["tasks"]}
    for task in a.tasks.split(","):
        if task not in ("denoise", "deblur", "sr"):
            ap.error(f"{task}: the probe covers denoise, deblur and sr")
        crop = 16 if task == "deblur" else 0
        ins = examples[task]
        for src in ("eval", "train", "scene"):
            xq, y = task_batch(task, src, a.n, a.seed, banks)
            o = eng.run(list(xq), [ins] * a.n, list(range(a.n))).astype(np.float64) / 255
            x = xq.astype(np.float64) / 255
            print(f"probe task={task} source={src} n={a.n} model={psnr(o, y, crop):.2f} input={psnr(x, y, crop):.2f} "
                  f"half-blend={psnr(0.5 * o + 0.5 * x, y, crop):.2f}"
                  + (f" | uncropped model={psnr(o, y, 0):.2f} input={psnr(x, y, 0):.2f}" if crop else ""), flush=True)
            if a.decompose:
                decompose(eng, xq, x, o, y, ins, crop, task, src)
            if a.other_instruction:
                o2 = eng.run(list(xq), [examples[a.other_instruction]] * a.n, list(range(a.n))).astype(np.float64) / 255
                print(f"probe task={task} source={src} n={a.n} with-{a.other_instruction}-wording={psnr(o2, y, crop):.2f} "
                      f"agreement={psnr(o2, o, crop):.2f}", flush=True)
        if a.steps_probe:
            xq, y = task_batch(task, "eval", a.n, a.seed, banks)
            runs = [step_estimates(eng, xq, ins, eng.steps, s) for s in range(4)]
            parts = [f"x1hat@{k}/{eng.steps}={psnr(e, y, crop):.2f}" for k, e in enumerate(runs[0])]
            parts.append(f"mean-of-steps={psnr(np.mean(runs[0], axis=0), y, crop):.2f}")
            parts.append(f"final-4-seed-mean={psnr(np.mean([r[-1] for r in runs], axis=0), y, crop):.2f}")
            parts.append(f"step0-4-seed-mean={psnr(np.mean([r[0] for r in runs], axis=0), y, crop):.2f}")
            print(f"steps task={task} source=eval " + " ".join(parts), flush=True)


if __name__ == "__main__":
    main()
