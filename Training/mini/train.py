"""Trains pixwizard-mini (rectified flow, velocity target, as the official transport): x_t = t*x1 +
(1-t)*x0, v = x1 - x0, t ~ U(0,1); text dropout 10 % (the "" features), image dropout 5 % (cond image
-> fresh noise, image features -> 0), AdamW, time-based cosine LR, EMA. Device auto-detected: on CUDA
bf16 autocast + TF32 and the task world runs on the GPU.

Optionally trains an ablation twin on the SAME batches (--ablation: the same DiT with sample_tokens=0,
i.e. no semantic image path), for the image-encoder ablation.

Writes EMA checkpoints every --ckpt-every seconds to --out as fp16 shards of at most 15 MB
(<name>.part<k>.pt), plus log.txt. Resumable: --init-dir loads an exported model directory
(config.json + dit.safetensors [+ image_encoder.safetensors]) or a checkpoint prefix.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mini_model import MiniModel, TaskSampler, TextTable, dit_config  # noqa: E402
import taskworld as tw  # noqa: E402


def save_shards(sd: dict, out: str, name: str, max_bytes: int = 15_000_000) -> list[str]:
    """fp16 state dict split into shards < max_bytes (the GPU machine returns files <= 16 MiB)."""
    paths, cur, size, k = [], {}, 0, 0
    for key, v in sd.items():
        v = v.detach().to("cpu", torch.float16).contiguous()
        if cur and size + v.numel() * 2 > max_bytes:
            paths.append(_save(cur, out, name, k)); cur, size, k = {}, 0, k + 1
        cur[key] = v
        size += v.numel() * 2
    if cur:
        paths.append(_save(cur, out, name, k))
    return paths


def _save(d, out, name, k):
    p = os.path.join(out, f"{name}.part{k}.pt")
    torch.save(d, p + ".tmp")
    os.replace(p + ".tmp", p)
    return p


def load_shards(prefix: str) -> dict:
    sd, k = {}, 0
    while os.path.exists(f"{prefix}.part{k}.pt"):
        sd.update(torch.load(f"{prefix}.part{k}.pt", map_location="cpu"))
        k += 1
    if not sd:
        raise FileNotFoundError(f"no shards {prefix}.part*.pt")
    return {k: v.float() for k, v in sd.items()}


def load_model_dir(d: str) -> dict:
    """Exported directory -> MiniModel state dict (dit.* and enc.* keys)."""
    from safetensors.torch import load_file
    sd = {"dit." + k: v.float() for k, v in load_file(os.path.join(d, "dit.safetensors")).items()}
    p = os.path.join(d, "image_encoder.safetensors")
    if os.path.exists(p):
        sd.update({"enc." + k: v.float() for k, v in load_file(p).items()})
    return sd


def load_state(path: str) -> dict:
    """Exported model directory or checkpoint prefix -> MiniModel state dict."""
    return load_model_dir(path) if os.path.isdir(path) else load_shards(path)


def load_mini(path: str, config: str | None = None) -> MiniModel:
    """A MiniModel from an exported directory (config.json) or a checkpoint prefix (<prefix>.config.json)."""
    top = json.load(open(config or (os.path.join(path, "config.json") if os.path.isdir(path)
                                    else path + ".config.json")))
    cfg = dict(top.get("dit", top))
    cfg.setdefault("prediction", top.get("prediction", "velocity"))
    m = MiniModel(cfg)
    m.load_state_dict(load_state(path), strict=True)
    return m


class Run:
    def __init__(self, name, model, lr, wd):
        self.name, self.model = name, model
        self.ema = {k: v.detach().clone().float() for k, v in model.state_dict().items()}
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=wd)
        self.loss_sum = None
        self.count = 0

    @torch.no_grad()
    def update_ema(self, decay):
        for k, v in self.model.state_dict().items():
            if v.dtype.is_floating_point:
                self.ema[k].mul_(decay).add_(v.float(), alpha=1 - decay)
            else:
                self.ema[k].copy_(v)


_KEEP = set(tw.COLOURS) | set(tw.SHAPES) | {w for p in tw.POSITIONS for w in p.split()} | \
    {w for o in tw.OVERLAY_NAMES for w in o.split()} | {"to", "into", "not", "only", "rest", "white", "black", "a", "an"}
_PREFIX = ["please ", "can you ", "could you ", "now ", "go ahead and ", "i need you to ", "ok, "]
_SUFFIX = [" please", " thanks", " for me", " now", " if you can"]


def perturb(s: str, rng: random.Random) -> str:
    """A noisy copy of a training instruction built only from its own words and a few filler words."""
    words = s.split()
    core = lambda w: w.strip(".,!?:;'\"").lower()
    if len(words) > 2:
        kept = [w for w in words if core(w) in _KEEP or rng.random() > 0.15]
        words = kept if len(kept) >= max(2, 0.7 * len(words)) else words
    if len(words) > 3 and rng.random() < 0.2:
        i = rng.randrange(len(words) - 1)
        if core(words[i]) not in _KEEP and core(words[i + 1]) not in _KEEP:
            words[i], words[i + 1] = words[i + 1], words[i]
    out = " ".join(words)
    if rng.random() < 0.3:
        out = rng.choice(_PREFIX) + out[:1].lower() + out[1:]
    if rng.random() < 0.2:
        out = out.rstrip(".!") + rng.choice(_SUFFIX) + "."
    if rng.random() < 0.3:
        out = out.lower()
    if rng.random() < 0.3:
        out = out.rstrip(".!?")
    return out


def augment_text(text: TextTable, sampler: TaskSampler, k: int, minilm_dir: str, seed: int):
    """Appends k perturbed copies of each training entry to the text table and the sampler's entries."""
    from minilm import MiniLM
    rng = random.Random(f"text-aug/{seed}")
    enc = MiniLM(minilm_dir)
    new_strings, sources = [], {}  # sources[task]: index of the entry each new string perturbs
    for t in sampler.tasks:
        ids, _ = sampler.ent[t]
        sources[t] = [j for j in range(len(ids)) for _ in range(k)]
        new_strings += [perturb(text.strings[int(ids[j])], rng) for j in sources[t]]
    feats, masks, pooled = [], [], []
    with torch.no_grad():
        for i in range(0, len(new_strings), 128):
            h, m, p = enc.encode(new_strings[i:i + 128])
            feats.append(h); masks.append(m.bool()); pooled.append(p)
    L = max(text.feats.shape[1], max(f.shape[1] for f in feats))
    dev = text.feats.device

    def pad(x):
        out = torch.zeros((x.shape[0], L) + tuple(x.shape[2:]), dtype=x.dtype, device=dev)
        out[:, :x.shape[1]] = x
        return out
    base = len(text.strings)
    text.feats = torch.cat([pad(text.feats)] + [pad(f).to(dev) for f in feats])
    text.mask = torch.cat([pad(text.mask)] + [pad(m).to(dev) for m in masks])
    text.pooled = torch.cat([text.pooled] + [p.to(dev) for p in pooled])
    text.strings = text.strings + new_strings
    for t in sampler.tasks:
        ids, params = sampler.ent[t]
        js = torch.tensor(sources[t], device=dev)
        new_ids = torch.arange(base, base + len(js), device=dev)
        base += len(js)
        sampler.ent[t] = (torch.cat([ids, new_ids]), {key: torch.cat([v, v[js]]) for key, v in params.items()})


def pooled_partners(text: TextTable, sampler: TaskSampler):
    """For the pooled-embedding mixing: (start, count, order) such that order[start[i] : start[i] + count[i]] are
    the text ids of the training entries of text id i's task with the same parameters (colour, shape, ...),
    i.e. the other wordings of the same request, its text-augmentation copies included."""
    N, dev = len(text.strings), text.pooled.device
    start, count, order = torch.zeros(N, dtype=torch.long), torch.zeros(N, dtype=torch.long), []
    for t in sampler.tasks:
        ids, params = sampler.ent[t]
        groups: dict = {}
        keys = sorted(params)
        for j, i in enumerate(ids.tolist()):
            groups.setdefault(tuple(int(params[k][j]) for k in keys), []).append(i)
        for g in groups.values():
            start[g], count[g] = len(order), len(g)
            order += g
    return start.to(dev), count.to(dev), torch.tensor(order, device=dev)


def cross_task_table(sampler: TaskSampler, tasks: list[str], dev) -> dict:
    """For --pooled-xmix: the training text ids of each task in `tasks` (row j: tasks[j]'s ids, repeated to a
    common length), their counts, and each sampler task's row (-1: not in the set)."""
    lists = [sampler.ent[n][0] for n in tasks]
    L = max(len(v) for v in lists)
    pos = torch.full((len(sampler.tasks),), -1, dtype=torch.long, device=dev)
    for j, n in enumerate(tasks):
        pos[sampler.tasks.index(n)] = j
    return {"ids": torch.stack([v.repeat((L + len(v) - 1) // len(v))[:L] for v in lists]).to(dev),
            "len": torch.tensor([len(v) for v in lists], device=dev), "pos": pos, "in": pos >= 0}


def cross_task_partner(xm: dict, task_idx: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A random training text id of another task of the --pooled-xmix set, per sample (task_idx: sampler task
    indices; samples outside the set get an arbitrary id of the set, which the caller does not use)."""
    n, dev = xm["ids"].shape[0], task_idx.device
    own = xm["pos"][task_idx].clamp_min(0)
    oj = (own + 1 + torch.randint(0, n - 1, own.shape, generator=gen, device=dev)) % n
    r = (torch.rand(own.shape, generator=gen, device=dev) * xm["len"][oj]).long()
    return xm["ids"][oj, r]


def border_weights(weight, px, size, device="cpu"):
    """Per-pixel loss weights [size, size] of mean 1: the px-wide border weighs `weight` relative to the
    interior. Built once; border_weight_map picks it per sample."""
    w = torch.full((size, size), float(weight), device=device)
    w[px:size - px, px:size - px] = 1.0
    return w / w.mean()


def border_weight_map(base, on):
    """Per-sample loss weights [B, 1, S, S]: `base` (border_weights) where `on` [B] is true, 1 elsewhere."""
    return torch.where(on[:, None, None, None], base, torch.ones_like(base))


def parse_task_norm(spec: str, tasks: list[str]) -> dict:
    """'deblur:0.002:1,sr:0.01:0.5' -> {task: (c, p)}; ValueError with a message a person can act on."""
    out = {}
    for kv in (x for x in spec.split(",") if x):
        parts = kv.split(":")
        try:
            name, c, p = parts[0], float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            raise ValueError(f"{kv!r}: expected task:c:p, e.g. deblur:0.002:1") from None
        if len(parts) != 3 or name not in tasks or not (0 < c < math.inf and 0 <= p < math.inf):
            raise ValueError(f"{kv!r}: need task:c:p with a task among {tasks}, c > 0 and p >= 0")
        out[name] = (c, p)
    return out


def task_norm_weights(wn, trivial, task_idx, tn_c, tn_p, tn_on):
    """--loss-norm-task: inside each listed task, re-distribute that task's share of the --loss-norm weights `wn`
    [B] by the task's own (c / (m + c))^p (m = `trivial`, the loss of returning the input); a task's total weight
    in the batch, and so its share of the gradient, stays the one --loss-norm gave it. tn_c, tn_p, tn_on: per task
    index. Samples of other tasks keep their weight."""
    on = tn_on[task_idx]  # no early return when no listed task is in the batch: that would sync the GPU every step
    c, p = tn_c[task_idx], tn_p[task_idx]
    own = torch.where(on, (c / (trivial + c)) ** p, wn)
    n = tn_on.numel()
    tot = torch.zeros(n, device=wn.device).index_add_(0, task_idx, wn)
    tot_own = torch.zeros(n, device=wn.device).index_add_(0, task_idx, own)
    scale = tot[task_idx] / tot_own[task_idx].clamp_min(1e-30)
    return torch.where(on, own * scale, wn)


def sample_loss(out, target, lowfreq=0.0, pool=8, wmap=None):
    """Per-sample loss [B]: MSE, plus lowfreq * the MSE of the pool x pool averages (0: plain MSE). wmap: optional
    per-pixel weights [B, 1, S, S] of mean 1 per sample (border_weight_map); the pooled term uses their pool
    averages, which keep the mean."""
    se = F.mse_loss(out, target, reduction="none")
    per = (se if wmap is None else se * wmap).mean(dim=(1, 2, 3))
    if lowfreq > 0:
        lo = F.mse_loss(F.avg_pool2d(out, pool), F.avg_pool2d(target, pool), reduction="none")
        if wmap is not None:
            lo = lo * F.avg_pool2d(wmap, pool)
        per = per + lowfreq * lo.mean(dim=(1, 2, 3))
    return per


@torch.no_grad()
def rollout(model, n, frac, gen, x0, xt, t, target, x1, cond, base, idrop, feats, mask, pooled, prediction, cuda,
            keep=None):
    """Replaces, in place, x_t (and t, and the velocity target) of a random subset of the batch by the state the
    model's own n-step Euler sampler reaches from x0 at t = k/n. Samples where `keep` is true are never rolled
    out. Returns k per sample (0 = left as drawn)."""
    B, dev = x0.shape[0], x0.device
    w = torch.arange(1, n, dtype=torch.float32, device=dev)
    k = 1 + torch.multinomial(w / w.sum(), B, replacement=True, generator=gen)
    k = torch.where(torch.rand(B, generator=gen, device=dev) < frac, k, torch.zeros_like(k))
    if keep is not None:
        k = torch.where(keep, torch.zeros_like(k), k)
    idx = k.nonzero().squeeze(1)
    if idx.numel() == 0:
        return k
    kk, x = k[idx], x0[idx].clone()
    c, b, f, m, p = cond[idx], base[idx], feats[idx], mask[idx], pooled[idx]
    with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=cuda):
        imf = model.image_feats(c, idrop[idx])
    for j in range(int(kk.max())):
        tj = torch.full((len(idx),), j / n, device=dev)
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=cuda):
            out = model(x, tj, c, f, m, p, imf).float()
        x1hat = b + out if prediction == "residual" else x + (1 - j / n) * out
        # Euler: x += (1/n) * (x1hat - x) / (1 - j/n)
        x = torch.where((kk > j)[:, None, None, None], x + (x1hat - x) / (n - j), x)
    tk = kk.float() / n
    xt[idx] = x
    t[idx] = tk
    if prediction == "velocity":
        target[idx] = (x1[idx] - x) / (1 - tk)[:, None, None, None]
    return k


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "data"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "runs", "mini"))
    ap.add_argument("--device", default="auto")
    ap.add_argument("--minutes", type=float, default=7.5, help="wall-clock budget incl. set-up")
    ap.add_argument("--max-steps", type=int, default=10**9)
    ap.add_argument("--per-task", type=int, default=32, help="samples per task per step (17 tasks)")
    ap.add_argument("--task-extra", default="",
                    help="more samples per step for some tasks, e.g. 'sr:3,deblur:3' (added to --per-task)")
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--ckpt-every", type=float, default=60.0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--sample-tokens", type=int, default=32)
    ap.add_argument("--ablation", action="store_true", help="also train the sample_tokens=0 twin")
    ap.add_argument("--tiny", action="store_true", help="TEST FIXTURE size (dim 64, 2 layers) for smoke tests")
    ap.add_argument("--init-dir", default=None, help="exported model dir or checkpoint prefix to resume from")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reuse", type=int, default=1, help="optimizer steps per generated batch (fresh noise and t)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prediction", default="velocity", choices=["velocity", "residual"],
                    help="velocity: the DiT predicts x1 - x0 (the official transport). residual: it predicts "
                         "x1 - base, base = the condition image (0 where the image is dropped); the velocity "
                         "is (base + out - x_t) / (1 - t) and the loss is the MSE of x1")
    ap.add_argument("--reinit-final", action="store_true",
                    help="zero the final linear after loading (a residual model then returns its input)")
    ap.add_argument("--ema-max", type=float, default=0.999)
    ap.add_argument("--t-grid", type=int, default=0,
                    help="with probability --t-grid-frac, t is drawn from the sampler's grid {0, 1/n, ..., (n-1)/n} "
                         "(the times an n-step Euler sampler evaluates) instead of U(0,1)")
    ap.add_argument("--t-grid-frac", type=float, default=0.5)
    ap.add_argument("--text-noise", type=float, default=0.0,
                    help="Gaussian noise (std per dimension) added to the pooled text embedding before it is "
                         "re-normalised, against over-fitting the training wordings")
    ap.add_argument("--text-aug", type=int, default=0,
                    help="add K perturbed copies of every training instruction (word dropout and swaps that keep "
                         "colour, shape and position words, filler prefixes and suffixes, case and punctuation), "
                         "encoded by MiniLM at start; no new vocabulary, so held-out wordings stay unseen")
    ap.add_argument("--rollout", type=int, default=0,
                    help="n > 0: for --rollout-frac of the batch, x_t is not t*x1 + (1-t)*x0 but the state the "
                         "model's own n-step Euler sampler reaches at t = k/n (k = 1..n-1, drawn with weight k) from "
                         "x0, computed without gradients by the current weights; the target stays x1. Trains what "
                         "the shipped few-step sampler actually sees (its last step's x1 estimate is its output)")
    ap.add_argument("--rollout-frac", type=float, default=0.5)
    ap.add_argument("--rollout-skip", default="",
                    help="comma-separated tasks never rolled out (e.g. the generative ones: edges2img,text2img)")
    ap.add_argument("--pooled-mix", type=float, default=0.0,
                    help="fraction of the batch whose pooled text embedding (the task embedder's input) is a random "
                         "interpolation, re-normalised, with another training wording of the same request")
    ap.add_argument("--pooled-xmix", type=float, default=0.0,
                    help="fraction of the samples of the --pooled-xmix-tasks whose pooled text embedding is mixed, "
                         "with weight w ~ U(0, --pooled-xmix-max), re-normalised, with a training wording of another "
                         "of those tasks; the target stays the sample's own. The restoration tasks' inputs show their "
                         "degradation, so this teaches the model to let the image decide when the task embedding "
                         "is ambiguous (a held-out wording can sit between two tasks' training wordings)")
    ap.add_argument("--pooled-xmix-max", type=float, default=0.5)
    ap.add_argument("--token-xmix", type=float, default=0.0,
                    help="fraction of the --pooled-xmix samples whose token features (the text cross-attention's "
                         "input) are also those of the mixing partner's wording, so that for a restoration input "
                         "neither text path alone decides the task; the target stays the sample's own")
    ap.add_argument("--pooled-xmix-tasks", default="denoise,deblur,derain,dehaze,lowlight,inpaint,sr")
    ap.add_argument("--loss-norm", type=float, default=0.0,
                    help="residual only: weight each sample's loss by (c / (m + c))^p, m = the MSE of returning "
                         "its input unchanged, normalised to mean 1 over the batch; c = this value (0: off). "
                         "Gives near-identity tasks (sr, deblur, editing) a share of the gradient")
    ap.add_argument("--loss-norm-pow", type=float, default=1.0, help="p of --loss-norm")
    ap.add_argument("--loss-norm-task", default="",
                    help="task:c:p[,...]: inside these tasks, weight samples by (c / (m + c))^p instead, keeping "
                         "the task's total --loss-norm weight. A small c and p = 1 weigh each sample like "
                         "-log(MSE), as the per-image mean PSNR of the evaluation does: the samples whose input "
                         "is already close to the target (smooth images under deblur) count most")
    ap.add_argument("--lowfreq", type=float, default=0.0,
                    help="lambda > 0: each sample's loss is MSE + lambda * MSE of the --lowfreq-pool x pool-averaged "
                         "images (colour drift and missing objects cost more than grain); --loss-norm's m uses the "
                         "same combined error")
    ap.add_argument("--lowfreq-pool", type=int, default=8, help="pool size of --lowfreq (divides 64)")
    ap.add_argument("--border-weight", type=float, default=1.0,
                    help="< 1: in the samples of --border-tasks, the --border-px-wide image border weighs this much "
                         "in the loss relative to the interior (weights normalised to mean 1 per sample). Deblur's "
                         "blur wraps circularly, and EVALUATION.md scores deblur on the image cropped by 16 px, so "
                         "this makes training reward the region that is scored")
    ap.add_argument("--border-tasks", default="deblur", help="comma-separated tasks of --border-weight")
    ap.add_argument("--border-px", type=int, default=16, help="border width of --border-weight, in pixels")
    ap.add_argument("--minilm", default=os.path.join(HERE, "..", "..", "Models", ".cache", "all-MiniLM-L6-v2"))
    a = ap.parse_args(argv)
    t_start = time.time()
    budget = a.minutes * 60
    dev = torch.device("cuda" if (a.device == "auto" and torch.cuda.is_available()) else
                       ("cpu" if a.device == "auto" else a.device))
    torch.set_num_threads(a.threads)
    cuda = dev.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    os.makedirs(a.out, exist_ok=True)
    logf = open(os.path.join(a.out, "log.txt"), "a")

    def log(msg):
        line = f"[{time.time() - t_start:7.1f}s] {msg}"
        print(line, flush=True)
        logf.write(line + "\n"); logf.flush()

    torch.manual_seed(a.seed)
    text = TextTable(os.path.join(a.data, "text.pt"), dev)
    photos = tw.PhotoBank(torch.load(os.path.join(a.data, "photos.pt"))["train"], dev)
    sampler = TaskSampler(text, "train", dev, photos)
    if a.text_aug > 0:
        n0 = len(text.strings)
        augment_text(text, sampler, a.text_aug, a.minilm, a.seed)
        log(f"text augmentation: {len(text.strings) - n0} perturbed training instructions, e.g. "
            + "; ".join(repr(s) for s in text.strings[n0:n0 + 3]))
    gen = torch.Generator(device=dev).manual_seed(a.seed)

    def cfg(st):
        c = dit_config(st)
        if a.tiny:
            c.update(dim=64, n_layers=2, n_heads=2, n_kv_heads=1, multiple_of=32, image_feat_dim=32)
        return c

    runs = [Run("main", MiniModel(cfg(a.sample_tokens)).to(dev), a.lr, a.wd)]
    if a.ablation:
        if a.rollout > 1:
            ap.error("--rollout rolls out the main model only; train the ablation twin without it")
        runs.append(Run("ablation", MiniModel(cfg(0)).to(dev), a.lr, a.wd))
    if a.init_dir:
        runs[0].model.load_state_dict(load_state(a.init_dir), strict=True)
        runs[0].ema = {k: v.detach().clone().float() for k, v in runs[0].model.state_dict().items()}
        log(f"resumed main from {a.init_dir}")
    if a.reinit_final:
        with torch.no_grad():
            lin = runs[0].model.dit.final_layer.linear
            lin.weight.zero_(); lin.bias.zero_()
        runs[0].ema = {k: v.detach().clone().float() for k, v in runs[0].model.state_dict().items()}
        log("final linear zeroed")
    for r in runs:
        r.model.cfg["prediction"] = a.prediction
    for r in runs:
        n = sum(p.numel() for p in r.model.parameters())
        log(f"{r.name}: {n / 1e6:.2f} M parameters, sample_tokens={r.model.cfg['sample_tokens']}, device={dev}")
        with open(os.path.join(a.out, f"{r.name}.config.json"), "w") as f:
            json.dump(r.model.cfg, f, indent=1)

    ntask = len(sampler.tasks)
    try:
        extra = {k: int(v) for k, v in (kv.split(":") for kv in a.task_extra.split(",") if kv)}
    except ValueError:
        ap.error(f"--task-extra {a.task_extra!r}: expected task:count[,task:count...], e.g. sr:3,deblur:3")
    unknown = set(extra) - set(sampler.tasks)
    if unknown:
        ap.error(f"--task-extra: unknown tasks {sorted(unknown)}; tasks are {sampler.tasks}")
    B = ntask * a.per_task + sum(extra.values())
    skip = [x for x in a.rollout_skip.split(",") if x]
    if set(skip) - set(sampler.tasks):
        ap.error(f"--rollout-skip: unknown tasks {sorted(set(skip) - set(sampler.tasks))}; tasks are {sampler.tasks}")
    if a.pooled_mix > 0:
        p_start, p_count, p_order = pooled_partners(text, sampler)
        log(f"pooled mixing: {int((p_count > 1).sum())} training instructions have another wording of the same request")
    if a.token_xmix > 0 and a.pooled_xmix <= 0:
        ap.error("--token-xmix swaps the token features of --pooled-xmix samples: set --pooled-xmix too")
    if a.pooled_xmix > 0:
        xm_tasks = [x for x in a.pooled_xmix_tasks.split(",") if x]
        if set(xm_tasks) - set(sampler.tasks) or len(xm_tasks) < 2:
            ap.error(f"--pooled-xmix-tasks: need two or more of {sampler.tasks}")
        xm = cross_task_table(sampler, xm_tasks, dev)
        log(f"pooled cross-task mixing: {a.pooled_xmix:.2f} of the samples of {xm_tasks}, w <= {a.pooled_xmix_max}"
            + (f"; {a.token_xmix:.2f} of those also take the partner's token features" if a.token_xmix > 0 else ""))
    no_roll = torch.tensor([n in skip for n in sampler.tasks], device=dev)
    if a.loss_norm > 0 and a.prediction != "residual":
        ap.error("--loss-norm needs --prediction residual (it weights by the error of returning the input)")
    try:
        tnorm = parse_task_norm(a.loss_norm_task, sampler.tasks)
    except ValueError as e:
        ap.error(f"--loss-norm-task: {e}")
    if tnorm and a.loss_norm <= 0:
        ap.error("--loss-norm-task re-distributes --loss-norm's weights inside a task: set --loss-norm too")
    tn_on = torch.tensor([n in tnorm for n in sampler.tasks], device=dev)
    tn_c = torch.tensor([tnorm.get(n, (1.0, 0.0))[0] for n in sampler.tasks], device=dev)
    tn_p = torch.tensor([tnorm.get(n, (1.0, 0.0))[1] for n in sampler.tasks], device=dev)
    if tnorm:
        log(f"per-task loss norm: {', '.join(f'{k} c={c:g} p={p:g}' for k, (c, p) in tnorm.items())}")
    if a.lowfreq > 0 and (a.lowfreq_pool < 1 or tw.S % a.lowfreq_pool):
        ap.error(f"--lowfreq-pool {a.lowfreq_pool}: must divide the image size {tw.S}")
    bw_tasks = [x for x in a.border_tasks.split(",") if x]
    bw_base = None  # --border-weight: the [S, S] weights of a border-weighted sample (None: off)
    if a.border_weight != 1.0:
        if not (0 <= a.border_weight) or set(bw_tasks) - set(sampler.tasks) or not bw_tasks:
            ap.error(f"--border-weight {a.border_weight} --border-tasks {a.border_tasks!r}: need a weight >= 0 and "
                     f"tasks among {sampler.tasks}")
        if not (0 < a.border_px and 2 * a.border_px < tw.S):
            ap.error(f"--border-px {a.border_px}: must be between 1 and {(tw.S - 1) // 2} (image size {tw.S})")
        log(f"border weighting: the {a.border_px}-px border of {bw_tasks} weighs {a.border_weight} of the interior")
        bw_base = border_weights(a.border_weight, a.border_px, tw.S, dev)
    bw_on = torch.tensor([n in bw_tasks for n in sampler.tasks], device=dev)
    step, last_ckpt = 0, time.time()
    task_loss = {r.name: torch.zeros(ntask, device=dev) for r in runs}
    task_cnt = torch.zeros(ntask, device=dev)
    task_triv = torch.zeros(ntask, device=dev)  # residual: MSE of the input returned unchanged
    # residual: the model's loss over the same samples as task_triv (those whose image condition was kept: an
    # image-dropped sample's "input" is zero, its trivial loss the whole image's energy, and a few of them would
    # outweigh a near-identity task's other samples in the ratio)
    task_kept = {r.name: torch.zeros(ntask, device=dev) for r in runs}
    # residual with --rollout n: the same, over the samples at the sampler's last step (k = n-1) only
    last_loss, last_triv = torch.zeros(ntask, device=dev), torch.zeros(ntask, device=dev)
    t_loop = time.time()
    gen_time = 0.0

    def checkpoint(final=False):
        for r in runs:
            paths = save_shards(r.ema, a.out, r.name)
            log(f"checkpoint {r.name} step {step}: {', '.join(os.path.basename(p) for p in paths)}"
                + (" (final)" if final else ""))

    while step < a.max_steps and time.time() - t_start < budget:
        g0 = time.time()
        with torch.no_grad():
            if step % a.reuse == 0:
                x_in, y, tid0, task_idx = sampler.batch(a.per_task, gen, extra)
            x1 = y * 2 - 1  # [B, 3, 64, 64] data in [-1, 1]
            cond = x_in * 2 - 1
            tid = tid0
            x0 = torch.randn(x1.shape, generator=gen, device=dev)
            t = torch.rand(B, generator=gen, device=dev)
            if a.t_grid > 0:
                on_grid = torch.rand(B, generator=gen, device=dev) < a.t_grid_frac
                k = torch.randint(0, a.t_grid, (B,), generator=gen, device=dev)
                t = torch.where(on_grid, k.float() / a.t_grid, t)
            xt = t[:, None, None, None] * x1 + (1 - t[:, None, None, None]) * x0
            target = x1 - x0
            tdrop = torch.rand(B, generator=gen, device=dev) < 0.10
            idrop = torch.rand(B, generator=gen, device=dev) < 0.05
            tid = torch.where(tdrop, torch.full_like(tid, text.empty), tid)
            feats, mask, pooled = text.get(tid)
            if a.pooled_mix > 0:
                sel = (torch.rand(B, generator=gen, device=dev) < a.pooled_mix) & ~tdrop & (p_count[tid0] > 1)
                r = (torch.rand(B, generator=gen, device=dev) * p_count[tid0]).long()
                other = p_order[(p_start[tid0] + r).clamp(max=len(p_order) - 1)]
                lam = torch.rand(B, 1, generator=gen, device=dev)
                mixed = lam * pooled + (1 - lam) * text.pooled[other]
                mixed = mixed / mixed.norm(dim=-1, keepdim=True).clamp_min(1e-12)
                pooled = torch.where(sel[:, None], mixed, pooled)
            if a.pooled_xmix > 0:
                sel = (torch.rand(B, generator=gen, device=dev) < a.pooled_xmix) & ~tdrop & xm["in"][task_idx]
                other = cross_task_partner(xm, task_idx, gen)
                w = torch.rand(B, 1, generator=gen, device=dev) * a.pooled_xmix_max
                mixed = (1 - w) * pooled + w * text.pooled[other]
                mixed = mixed / mixed.norm(dim=-1, keepdim=True).clamp_min(1e-12)
                pooled = torch.where(sel[:, None], mixed, pooled)
                if a.token_xmix > 0:
                    swap = sel & (torch.rand(B, generator=gen, device=dev) < a.token_xmix)
                    feats = torch.where(swap[:, None, None], text.feats[other], feats)
                    mask = torch.where(swap[:, None], text.mask[other], mask)
            if a.text_noise > 0:
                pooled = pooled + a.text_noise * torch.randn(pooled.shape, generator=gen, device=dev)
                pooled = pooled / pooled.norm(dim=-1, keepdim=True).clamp_min(1e-12)
            base = torch.where(idrop[:, None, None, None], torch.zeros_like(cond), cond)
            cond = torch.where(idrop[:, None, None, None], torch.randn(cond.shape, generator=gen, device=dev), cond)
            if a.prediction == "residual":
                target = x1 - base
            # residual only: the loss of returning the input unchanged (output 0), per sample
            wmap = None if bw_base is None else border_weight_map(bw_base, bw_on[task_idx])
            trivial_loss = (sample_loss(torch.zeros_like(target), target, a.lowfreq, a.lowfreq_pool, wmap)
                            if a.prediction == "residual" else None)
            rolled = torch.zeros(B, dtype=torch.long, device=dev)  # k of the rolled-out samples, 0 = not rolled
            if a.rollout > 1:
                rolled = rollout(runs[0].model, a.rollout, a.rollout_frac, gen, x0, xt, t, target, x1, cond, base,
                                 idrop, feats, mask, pooled, a.prediction, cuda, keep=no_roll[task_idx])
        if cuda:
            torch.cuda.synchronize()
        gen_time += time.time() - g0
        frac = min(1.0, (time.time() - t_start) / budget)
        lr_f = min(1.0, (step + 1) / a.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        decay = min(a.ema_max, (1 + step) / (10 + step))
        kept = (~idrop).float()  # the samples that count in the vs-input ratios
        for r in runs:
            for gp in r.opt.param_groups:
                gp["lr"] = a.lr * lr_f
            with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=cuda):
                imf = r.model.image_feats(cond, idrop)
                v = r.model(xt, t, cond, feats, mask, pooled, imf)
            per = sample_loss(v.float(), target, a.lowfreq, a.lowfreq_pool, wmap)  # [B]
            if a.loss_norm > 0:
                wn = (a.loss_norm / (trivial_loss + a.loss_norm)) ** a.loss_norm_pow
                if tnorm:
                    wn = task_norm_weights(wn, trivial_loss, task_idx, tn_c, tn_p, tn_on)
                loss = (per * (wn / wn.mean())).mean()
            else:
                loss = per.mean()
            r.opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(r.model.parameters(), 1.0)
            r.opt.step()
            r.update_ema(decay)
            with torch.no_grad():
                task_loss[r.name].index_add_(0, task_idx, per.detach())
                if a.prediction == "residual":
                    task_kept[r.name].index_add_(0, task_idx, per.detach() * kept)
        task_cnt.index_add_(0, task_idx, torch.ones_like(t))
        if a.prediction == "residual":
            task_triv.index_add_(0, task_idx, trivial_loss * kept)
            if a.rollout > 1:
                last = (rolled == a.rollout - 1).float() * kept
                last_loss.index_add_(0, task_idx, per.detach() * last)
                last_triv.index_add_(0, task_idx, trivial_loss * last)
        step += 1
        if step % a.log_every == 0 or step == 1:
            el = time.time() - t_loop
            msg = [f"step {step} lr {a.lr * lr_f:.2e} {B * step / el:.0f} img/s (data {gen_time / el * 100:.0f}%)"]
            for r in runs:
                tl = (task_loss[r.name] / task_cnt.clamp(min=1)).tolist()
                msg.append(f"{r.name} loss {sum(tl) / ntask:.4f} [" +
                           " ".join(f"{n}={v:.3f}" for n, v in zip(sampler.tasks, tl)) + "]")
                if a.prediction == "residual":  # < 1: better than the input unchanged on this task
                    rel = (task_kept[r.name] / task_triv.clamp(min=1e-12)).tolist()
                    msg.append("vs-input [" + " ".join(f"{n}={v:.2f}" if d > 0 else f"{n}=-"  # "-": no kept sample
                                                       for n, v, d in zip(sampler.tasks, rel, task_triv.tolist())) + "]")
                    if a.rollout > 1 and r is runs[0]:  # the sampler's output against the input unchanged
                        rel = (last_loss / last_triv.clamp(min=1e-12)).tolist()
                        msg.append("last-step vs-input [" + " ".join(
                            f"{n}={v:.2f}" if d > 0 else f"{n}=-"  # "-": no sample at the last step
                            for n, v, d in zip(sampler.tasks, rel, last_triv.tolist())) + "]")
                        last_loss.zero_(); last_triv.zero_()
                task_loss[r.name].zero_()
                task_kept[r.name].zero_()
            task_cnt.zero_(); task_triv.zero_()
            log(" | ".join(msg))
        if time.time() - last_ckpt > a.ckpt_every:
            checkpoint()
            last_ckpt = time.time()
    checkpoint(final=True)
    log(f"done: {step} steps, {B * step} images, {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()
