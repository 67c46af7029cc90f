#!/usr/bin/env bash
# pixwizard-mini Python side, a few-step smoke test (< 2 min on 2 cores): builds the training assets if
# missing, trains a TEST-FIXTURE-size model (with the semantic image path and its sample_tokens=0 twin) for
# a few steps on the task world, checks the loss is finite and the checkpoints reload, resumes from them,
# exports a model directory, and runs the evaluation harness on it (torch engine, 1 image per task).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE PYTHONUNBUFFERED=1
[ -f Models/.cache/all-MiniLM-L6-v2/.complete ] || ./scripts/fetch-minilm.sh
# text.pt holds the MiniLM features of every instruction string; rebuild it when the templates changed
stale() {  # TextTable refuses a text.pt that lacks a current instruction string
  ! python3 -c "import sys; sys.path.insert(0, 'Training/mini'); from mini_model import TextTable
TextTable('Training/data/text.pt', 'cpu')" 2>/dev/null
}
if [ ! -f Training/data/text.pt ] || [ ! -f Training/data/photos.pt ] || stale; then
  python3 Training/mini/make_assets.py 2>&1 | grep -v -i "warn\|load\|^key\|^-\|pooler\|^notes\|unexpected\|^$" || true
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 Training/mini/train.py --tiny --ablation --out "$T/run" --max-steps 3 --per-task 1 --log-every 1 --minutes 1.5 \
  --sample-tokens 8 | tee "$T/log" | cut -c1-160
grep -q "done: 3 steps" "$T/log"
python3 - "$T/log" <<'PY'
import math, re, sys
losses = [float(x) for x in re.findall(r"main loss ([0-9.eE+-]+|nan|inf)", open(sys.argv[1]).read())]
assert losses and all(math.isfinite(v) and 0 < v < 10 for v in losses), losses
print("test-mini: losses", losses)
PY
python3 Training/mini/train.py --tiny --out "$T/run2" --max-steps 1 --per-task 1 --minutes 1 --sample-tokens 8 \
  --init-dir "$T/run/main" --text-aug 1 > "$T/log2" 2>&1
grep -q "resumed main" "$T/log2"
grep "text augmentation:" "$T/log2" | cut -c1-160
# The perturbed instructions keep every colour, shape and position word of their source, in order.
python3 - <<'PY'
import random, sys
sys.path.insert(0, "Training/mini")
from instructions import entries
import taskworld as tw
from train import perturb
NAMES = set(tw.COLOURS) | set(tw.SHAPES) | {w for p in tw.POSITIONS + tw.OVERLAY_NAMES for w in p.split()}
rng, n = random.Random(0), 0
for task in tw.TASKS:
    for s, _ in entries(task, "train"):
        for _ in range(3):
            q = perturb(s, rng)
            key = lambda x: [w.strip(".,!?:;'\"").lower() for w in x.split() if w.strip(".,!?:;'\"").lower() in NAMES]
            assert key(q) == key(s), (s, q)
            n += 1
print(f"test-mini: {n} perturbed instructions keep their colour, shape and position words")
PY
# Rollout training (--rollout 3): x_t of part of the batch is the state the model's own 3-step sampler reaches.
python3 Training/mini/train.py --tiny --out "$T/run4" --max-steps 2 --per-task 1 --log-every 1 --minutes 1 \
  --sample-tokens 0 --prediction residual --rollout 3 --rollout-frac 1 --rollout-skip edges2img,text2img \
  --loss-norm 0.05 --pooled-mix 0.5 --pooled-xmix 0.5 --token-xmix 0.5 --lowfreq 4 \
  --border-weight 0.1 --border-tasks deblur,sr --loss-norm-task deblur:0.003:1 > "$T/log4" 2>&1
grep "last-step vs-input" "$T/log4" | tail -1 | sed 's/.*| last-step/test-mini: rollout last-step/' | cut -c1-160
grep -q "done: 2 steps" "$T/log4"
grep "pooled mixing:" "$T/log4" | sed 's/.*pooled/test-mini: pooled/'
grep "pooled cross-task mixing:.*partner's token features" "$T/log4" | sed 's/.*pooled/test-mini: pooled/'
grep "border weighting: the 16-px border of \['deblur', 'sr'\] weighs 0.1" "$T/log4" | sed 's/.*border weighting/test-mini: border weighting/'
grep "per-task loss norm: deblur c=0.003 p=1" "$T/log4" | sed 's/.*per-task/test-mini: per-task/'
python3 Training/mini/loss_weights.py --task deblur --n 16 --border-weight 0.1 --norms 0.02:0.5,0.003:1 2>&1 \
  | grep "^weights c=0.003" | sed 's/^/test-mini: loss_weights.py: /'
if python3 Training/mini/train.py --tiny --out "$T/run5" --max-steps 1 --prediction residual --loss-norm 0.02 \
    --loss-norm-task deblur:0:1 > "$T/log5" 2>&1; then echo "test-mini: --loss-norm-task c=0 was accepted"; exit 1; fi
grep -q "need task:c:p with a task among" "$T/log5"
python3 - <<'PY'
# --loss-norm-task: inside a listed task the weights follow (c / (m + c))^p, the task's total weight stays the
# --loss-norm one, and other tasks' weights are untouched
import sys
import torch
sys.path.insert(0, "Training/mini")
from train import task_norm_weights
triv = torch.tensor([0.001, 0.01, 0.1, 0.05, 0.002, 0.2])
task = torch.tensor([0, 0, 0, 1, 1, 1])
wn = (0.02 / (triv + 0.02)) ** 0.5
on, c, p = torch.tensor([True, False]), torch.tensor([0.003, 1.0]), torch.tensor([1.0, 0.0])
w = task_norm_weights(wn, triv, task, c, p, on)
own = 0.003 / (triv[:3] + 0.003)
want = own * wn[:3].sum() / own.sum()
w_none = task_norm_weights(wn[3:], triv[3:], task[3:], c, p, on)  # no listed task in the batch: unchanged
err = max((w[:3] - want).abs().max().item(), (w[3:] - wn[3:]).abs().max().item(), abs(w[:3].sum() - wn[:3].sum()).item(),
          (w_none - wn[3:]).abs().max().item())
print(f"test-mini: --loss-norm-task weights {[round(v, 3) for v in w.tolist()]} (task 0 re-weighted, "
      f"ratio first/last {w[0].item() / w[2].item():.1f} against {wn[0].item() / wn[2].item():.1f}), error {err:.1e}")
assert err < 1e-6
PY
python3 - <<'PY'
# the evaluation's standard errors: a paired bootstrap over images of the difference of two task figures
import sys
import numpy as np
sys.path.insert(0, "Training/mini")
from evaluate import Scorer
ps = Scorer("dehaze")
a = np.array([20.0, 25.0, 15.0, 30.0])
assert ps.paired_se(a, a) == 0 and ps.paired_se(a + 1.5, a) < 1e-12  # a constant shift has no spread
se = ps.paired_se(a, np.zeros(4))
assert abs(se - a.std() / 2) < 0.05 * a.std() / 2, se  # bootstrap se of a mean of 4: about std / sqrt(4)
gs = Scorer("ground_mask")  # cIoU: summed intersections over summed unions, not a mean of ratios
iu = np.array([[9.0, 10.0], [0.0, 30.0]])
assert abs(gs.aggregate(iu) - 0.225) < 1e-12 and abs(gs.aggregate(iu, [0, 0]) - 0.9) < 1e-12
print(f"test-mini: paired bootstrap se of a PSNR mean {se:.3f} (std/sqrt(n) {a.std() / 2:.3f}), cIoU aggregate ok")
PY
python3 - <<'PY'
# --lowfreq: a colour offset pays (1 + lambda) times its MSE, a checkerboard (no 8x8 average) only its MSE
import sys, torch
sys.path.insert(0, "Training/mini")
from train import sample_loss
z = torch.zeros(2, 3, 64, 64)
off = torch.full_like(z, 0.1)
chk = 0.1 * (1 - 2 * ((torch.arange(64)[:, None] + torch.arange(64)[None, :]) % 2)).float().expand(2, 3, 64, 64)
lam = 4.0
for name, x, want in (("offset", off, 0.01 * (1 + lam)), ("checkerboard", chk, 0.01)):
    got = sample_loss(x, z, lam, 8)
    err = (got - want).abs().max().item()
    print(f"test-mini: lowfreq loss of a {name}: {got[0].item():.6f} (want {want:.6f}, err {err:.1e})")
    assert err < 1e-6
assert torch.allclose(sample_loss(off, z), torch.full((2,), 0.01))
# --border-weight: the weights keep mean 1; an error confined to the border costs w / mean(w) of its plain MSE in
# a weighted sample and its plain MSE in the other; an interior error the reverse (1 / mean(w))
from train import border_weight_map, border_weights
w, px = 0.1, 16
wm = border_weight_map(border_weights(w, px, 64), torch.tensor([True, False]))
frac_in = (64 - 2 * px) ** 2 / 64 ** 2  # 0.25
mean_w = frac_in + w * (1 - frac_in)
assert torch.allclose(wm.mean(dim=(1, 2, 3)), torch.ones(2))
border = torch.ones(1, 1, 64, 64); border[..., px:64 - px, px:64 - px] = 0
for name, region, scale in (("border", border, w / mean_w), ("interior", 1 - border, 1 / mean_w)):
    x = (0.1 * region).expand(2, 3, 64, 64)
    for lam in (0.0, 4.0):
        got = sample_loss(x, z, lam, 8, wm)
        want = sample_loss(x, z, lam, 8) * torch.tensor([scale, 1.0])
        err = (got - want).abs().max().item()
        print(f"test-mini: border-weighted loss of an error in the {name} (lowfreq {lam:g}): {got[0].item():.6f} "
              f"(unweighted {got[1].item():.6f}, want {want[0].item():.6f}, err {err:.1e})")
        assert err < 1e-6
PY
python3 - <<'PY'
# pooled mixing partners: every partner of a training wording is a wording of the same task and parameters
import sys, torch
sys.path.insert(0, "Training/mini")
from mini_model import TaskSampler, TextTable
from train import pooled_partners
text = TextTable("Training/data/text.pt", "cpu")
sampler = TaskSampler(text, "train", "cpu", None)
start, count, order = pooled_partners(text, sampler)
req = {}
for t in sampler.tasks:
    ids, params = sampler.ent[t]
    for j, i in enumerate(ids.tolist()):
        req[i] = (t, tuple(int(params[k][j]) for k in sorted(params)))
n = 0
for i, r in req.items():
    ps = order[start[i]:start[i] + count[i]].tolist()
    assert i in ps and all(req[p] == r for p in ps), (text.strings[i], [text.strings[p] for p in ps])
    n += len(ps)
held = set(range(len(text.strings))) - set(req)
assert not held & set(order.tolist())  # held-out wordings never take part
print(f"test-mini: pooled mixing pairs {len(req)} training wordings with {n / len(req):.1f} same-request wordings on average")
# cross-task mixing partners: a training wording of another task of the set, every such wording reachable
from train import cross_task_partner, cross_task_table
rest = ["denoise", "deblur", "derain", "dehaze", "lowlight", "inpaint", "sr"]
xm = cross_task_table(sampler, rest, "cpu")
tidx = torch.tensor([sampler.tasks.index(t) for t in rest]).repeat(4000)
other = cross_task_partner(xm, tidx, torch.Generator().manual_seed(0))
own, got = [sampler.tasks[i] for i in tidx.tolist()], [req[i][0] for i in other.tolist()]
assert all(g in rest and g != o for o, g in zip(own, got)), "partner outside the set or of the sample's own task"
want = {i for t in rest for i in sampler.ent[t][0].tolist()}
assert set(other.tolist()) <= want and len(set(other.tolist())) > 0.9 * len(want), (len(set(other.tolist())), len(want))
print(f"test-mini: cross-task mixing drew {len(set(other.tolist()))} of the {len(want)} restoration training "
      f"wordings, never the sample's own task or a held-out one")
PY
# The rolled-out states equal an Euler loop written the way the Swift FlowSampler steps (velocity
# (base + out - x) / (1 - t), x += v / n), both parametrisations, on the trained test fixture.
python3 - "$T/run4/main" <<'PY'
import sys, torch
sys.path.insert(0, "Training/mini")
from train import load_mini, rollout
torch.manual_seed(0)
m = load_mini(sys.argv[1]).eval()
B, n = 6, 3
x1, cond, x0 = torch.rand(B, 3, 64, 64) * 2 - 1, torch.rand(B, 3, 64, 64) * 2 - 1, torch.randn(B, 3, 64, 64)
L = 5
feats, mask, pooled = torch.randn(B, L, 384), torch.ones(B, L, dtype=torch.bool), torch.randn(B, 384)
idrop = torch.zeros(B, dtype=torch.bool)
for pred in ("residual", "velocity"):
    m.cfg["prediction"] = pred
    xt, t, target = x0.clone(), torch.zeros(B), x1 - cond
    k = rollout(m, n, 1.0, torch.Generator().manual_seed(1), x0, xt, t, target, x1, cond, cond, idrop, feats, mask,
                pooled, pred, False)
    with torch.no_grad():
        x, states = x0.clone(), [x0.clone()]
        for j in range(n - 1):
            out = m(x, torch.full((B,), j / n), cond, feats, mask, pooled, m.image_feats(cond, idrop))
            v = (cond + out - x) / (1 - j / n) if pred == "residual" else out
            x = x + v / n
            states.append(x.clone())
    ref = torch.stack([states[int(k[i])][i] for i in range(B)])
    keep = torch.tensor([True, False] * (B // 2))  # --rollout-skip: these samples stay as drawn
    xk, tk = x0.clone(), torch.zeros(B)
    kk = rollout(m, n, 1.0, torch.Generator().manual_seed(1), x0, xk, tk, x1 - cond, x1, cond, cond, idrop, feats,
                 mask, pooled, pred, False, keep=keep)
    assert bool((kk[keep] == 0).all() and (kk[~keep] >= 1).all()) and torch.equal(xk[keep], x0[keep])
    err = float((ref - xt).abs().max())
    print(f"test-mini: rollout ({pred}) against a FlowSampler-style Euler loop, k={k.tolist()}: max error {err:.2e}")
    assert bool((k >= 1).all()) and torch.allclose(t, k.float() / n) and err < 1e-5, err
PY
python3 Training/mini/export.py --ckpt "$T/run/main" --out "$T/model" --steps 2 --dtype float32 | tail -1
mkdir -p "$T/.cache" && ln -s "$PWD/Models/.cache/all-MiniLM-L6-v2" "$T/.cache/all-MiniLM-L6-v2"
python3 Training/mini/evaluate.py --engine torch --model "$T/model" --n 1 --no-seen --steps 2 --out "$T/eval" \
  2>&1 | grep "^eval\|^evaluate\|^route" | tee "$T/eval.log"
test "$(grep -c '^eval task=' "$T/eval.log")" = 17
test "$(grep -c '^route router=.* accuracy=[01]\.[0-9]* tasks=17' "$T/eval.log")" = 2
# pooling evaluation sets (pool_evals.py): a second seed's set of two tasks joins the first set on those tasks
python3 Training/mini/evaluate.py --engine torch --model "$T/model" --n 1 --steps 2 --seed 7 \
  --tasks denoise,ground_mask --out "$T/eval7" 2>&1 | grep "^eval" > "$T/eval7.log"
grep -q "^eval task=ground_mask .* gap_se=" "$T/eval7.log"
python3 Training/mini/pool_evals.py "$T/eval" "$T/eval7" | tee "$T/pool.log"
test "$(grep -c '^pooled task=.* n=2 .*vs_trivial_se=' "$T/pool.log")" = 2
python3 - "$T" <<'PY'
# the pooled figure is the task's aggregate over both sets' per-image parts (cIoU: summed sums, not a mean of two)
import re, sys
import numpy as np
sys.path.insert(0, "Training/mini")
from evaluate import Scorer
T = sys.argv[1]
p1, p2 = np.load(f"{T}/eval/parts.npz"), np.load(f"{T}/eval7/parts.npz")
for ln in open(f"{T}/pool.log"):
    if not ln.startswith("pooled "):
        continue
    v = dict(re.findall(r"(\w+)=(\S+)", ln))
    t = v["task"]
    want = Scorer(t).aggregate(np.concatenate([p1[f"{t}/heldout"], p2[f"{t}/heldout"]]))
    assert abs(float(v["model"]) - want) <= (0.0051 if abs(want) >= 2 else 0.000051), (ln, want)  # as printed
    print(f"test-mini: pooled {t} {v['model']} = aggregate of both sets' parts {want:.4f}")
PY
if python3 Training/mini/pool_evals.py "$T/eval" "$T/eval" 2>/dev/null; then
  echo "test-mini: pool_evals.py pooled a set with itself" >&2; exit 1
fi
python3 - <<'PY'
# the keyword router (routing.py): idf-weighted word votes, shared colour/shape words ignored, ties are misses
import sys
sys.path.insert(0, "Training/mini")
from routing import KeywordRouter
kw = KeywordRouter({"a": ["Remove the rain.", "Derain the photo."], "b": ["Remove the red circle."],
                    "c": ["Estimate the depth."]})
got = [kw.route(s) for s in ("rain please", "Derain it", "remove the blue square", "the red circle", "depth",
                             "remove", "hello")]
print("test-mini: keyword router", got)
assert got == ["a", "a", None, None, "c", None, None], got
PY
# The residual output parametrisation: resumed from the velocity checkpoint with the final linear zeroed
# and no optimizer step, the exported model must return its input unchanged (x1 = input + 0).
python3 Training/mini/train.py --tiny --out "$T/run3" --max-steps 0 --per-task 1 --minutes 1 --sample-tokens 8 \
  --init-dir "$T/run/main" --prediction residual --reinit-final > "$T/log3"
grep -q "final linear zeroed" "$T/log3"
python3 Training/mini/export.py --ckpt "$T/run3/main" --out "$T/model3" --steps 3 --dtype float32 | tail -1
python3 - "$T/model3" <<'PY'
import json, os, sys
import numpy as np
sys.path.insert(0, "Training/mini")
from evaluate import TorchEngine
d = sys.argv[1]
assert json.load(open(os.path.join(d, "config.json")))["prediction"] == "residual"
img = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
out = TorchEngine(d, 3, None, 1).run([img], ["Deblur the image."], [7])[0]
err = int(np.abs(out.astype(int) - img.astype(int)).max())
print(f"test-mini: residual model with a zero output: max |output - input| = {err} levels")
assert err <= 1, err
PY
# probe_restoration.py on that zero-output residual model: its output is its input, on every source and step
python3 Training/mini/probe_restoration.py --model "$T/model3" --tasks deblur --n 4 --threads 1 --steps-probe --decompose \
  --other-instruction sr 2>&1 | grep "^probe\|^steps\|^decompose" | tee "$T/probe.log"
python3 - "$T/probe.log" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 10, lines
other = [ln for ln in lines if "with-sr-wording=" in ln]  # the input again, whatever the wording
assert len(other) == 3, lines
dec = [ln for ln in lines if ln.startswith("decompose ")]  # no change: no tercile moves, removing its DC is the input
assert len(dec) == 3, lines
for ln, pr in zip(dec, [ln for ln in lines if ln.startswith("probe ") and "with-sr-wording=" not in ln]):
    v = dict(re.findall(r"([\w-]+)=([-+0-9.]+)", ln))
    assert all(abs(float(v[k])) < 0.005 for k in v if k.startswith("tercile")), ln
    assert float(v["seed-share"]) == 0 and abs(float(v["without-dc"]) - float(re.search(r" input=([0-9.]+)", pr)[1])) < 0.01, ln
lines = [ln for ln in lines if ln not in dec]
# change_stats on known changes: half of the way to the target (best scale 2), a sign flip with the seed, a colour offset
import numpy as np
sys.path.insert(0, "Training/mini")
from probe_restoration import change_stats
rng = np.random.default_rng(0)
x, y = rng.random((4, 64, 64, 3)), rng.random((4, 64, 64, 3))
st = change_stats(x, x + 0.5 * (y - x), x + 0.5 * (y - x), y, 16)
assert abs(st["best-scale"] - 2) < 1e-9 and st["seed-share"] == 0, st
d = rng.standard_normal((4, 64, 64, 3)) * 0.01
st = change_stats(x, x + d, x - d, y, 0)  # the change flips sign with the seed: |r - r2|^2 / 2 = 2 |r|^2
assert abs(st["seed-share"] - 2) < 1e-9, st
off = np.full((4, 1, 1, 3), 0.02)
st = change_stats(x, x + off, x + off, y, 16)  # a pure offset: all of it is DC, and removing it leaves the input
from probe_restoration import psnr
assert abs(st["dc-share"] - 1) < 1e-9 and abs(st["without-dc"] - psnr(x, y, 16)) < 1e-9, st
print("test-mini: probe_restoration change_stats: best scale, seed share and DC share of known changes")
for ln in other:
    v = dict(re.findall(r"(\w[\w-]*)=([0-9.]+)", ln))
    assert float(v["agreement"]) > 60, ln
lines = [ln for ln in lines if ln not in other]
for ln in lines[:3]:
    cropped, uncropped = ln.split(" | uncropped ")  # deblur: also the whole image's PSNRs
    v = dict(re.findall(r"(\w[\w-]*)=([0-9.]+)", cropped))
    u = dict(re.findall(r"(\w[\w-]*)=([0-9.]+)", uncropped))
    assert abs(float(v["model"]) - float(v["input"])) < 0.05 and abs(float(v["half-blend"]) - float(v["input"])) < 0.05, ln
    assert abs(float(u["model"]) - float(u["input"])) < 0.05, ln
ests = [float(x) for x in re.findall(r"=([0-9.]+)", lines[3].split("source=eval")[1])]
assert max(ests) - min(ests) < 0.05, lines[3]
print("test-mini: probe_restoration: a zero-output residual model scores its input on eval, train and scene sources")
PY
# The deblur anchor (Wiener, known PSF) at anchors.WIENER_BALANCE gains over the blurred input on training photos
python3 - <<'PY'
import sys
sys.path.insert(0, "Training/mini")
import anchors as A
from tune_anchors import deblur_batch, input_psnr, wiener_psnr
batch = deblur_batch(24, 3)
inp, w = input_psnr(batch), wiener_psnr(batch)
print(f"test-mini: Wiener anchor (balance {A.WIENER_BALANCE:g}) {w:.2f} dB against the blurred input's {inp:.2f} "
      f"on training photos")
assert w > inp + 1.0, (inp, w)
PY
echo "test-mini: ok"
