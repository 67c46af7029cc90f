"""Evaluation harness of pixwizard-mini (EVALUATION.md): a fixed, seeded evaluation set per task (held-out
photos coffee/rocket/chelsea for restoration, fresh procedural scenes for the rest, held-out wordings),
the model's score, the trivial baseline (input unchanged, or a blank canvas for map outputs), the
classical anchor on the same images, and the model's score with training wordings (seen_wording).

One line per task:
  eval task=<name> metric=<name> model=<x> trivial=<y> anchor=<z> seen_wording=<w> [anchor_name=... extra]
then the text routing accuracy of the held-out wordings (routing.py: keyword router, MiniLM centroid):
  route router=<name> accuracy=<mean over tasks> tasks=<n>
and a contact sheet per task, out/eval/<task>.png (rows: input | output | target).

Engines: --engine swift runs `pixwizard batch --model DIR --input jobs.jsonl --output-dir OUT` (the Swift
engine; each JSONL line {"id","input","instruction","seed","steps"} -> OUT/<id>.png); --engine torch
samples with the PyTorch reference DiT from the same exported directory (fp16 weights as shipped).
--engine auto uses swift when the built binary has the batch command.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import anchors as A  # noqa: E402
import taskworld as tw  # noqa: E402
from instructions import entries  # noqa: E402
from routing import routing_accuracy  # noqa: E402
from make_assets import EVAL_PHOTOS, load_photos, to_square  # noqa: E402

PAL = tw.PALETTE.numpy().astype(np.float64)
SEGP = tw.SEG_PALETTE.numpy().astype(np.float64)
HIGHER_IS_BETTER = True  # every reported metric


# ------------------------------------------------------------------------------------------ eval set

def build_evalset(n: int, seed: int):
    """-> {task: list of jobs}; job = dict(input uint8 [64,64,3], target float [64,64,3], info, heldout, seen)."""
    g = torch.Generator().manual_seed(seed)
    ph = load_photos()
    bank = tw.PhotoBank(torch.stack([to_square(ph[k]) for k in EVAL_PHOTOS]))
    out = {}
    for ti, task in enumerate(tw.TASKS):
        held = entries(task, "heldout")
        seen = entries(task, "train")
        seen_by_params: dict = {}
        for s, p in seen:
            seen_by_params.setdefault(tuple(sorted(p.items())), []).append(s)
        held = [(s, p) for s, p in held if tuple(sorted(p.items())) in seen_by_params]
        pick = torch.randint(0, len(held), (n,), generator=g).tolist()
        params = {}
        for k in held[0][1]:
            params[k] = torch.tensor([held[i][1][k] for i in pick])
        if task == "denoise":
            params["sigma"] = torch.tensor([(15, 25, 50)[i % 3] / 255 for i in range(n)])
        sources = bank.crops(n, g, "cpu") if task in ("denoise", "deblur", "derain", "dehaze", "lowlight",
                                                      "inpaint", "sr") else None
        x, y, info = tw.make_task(task, params, n, g, "cpu", None, sources=sources)
        xq = (x.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy()
        yn = y.permute(0, 2, 3, 1).double().numpy()
        jobs = []
        for i in range(n):
            key = tuple(sorted(held[pick[i]][1].items()))
            opts = seen_by_params[key]
            jobs.append({
                "task": task, "input": xq[i], "target": yn[i], "heldout": held[pick[i]][0],
                "seen": opts[(i * 7 + ti) % len(opts)], "params": {k: int(v[i]) for k, v in params.items() if k != "sigma"},
                "info": _info_np(info, i, task, params),
            })
        out[task] = jobs
    return out


def _info_np(info, i, task, params):
    d = {}
    for k in ("mask", "psf", "lowres"):
        if k in info:
            v = info[k][i]
            d[k] = (v.permute(1, 2, 0) if v.dim() == 3 else v).numpy()
            d[k] = d[k].astype(bool) if d[k].dtype == np.bool_ else d[k].astype(np.float64)
    if "sigma" in params:
        d["sigma"] = float(params["sigma"][i])
    if "render" in info:
        r = info["render"]
        d["inst"] = r["inst"][i].numpy()
        d["cls"] = r["cls"][i].numpy()
        d["depth"] = r["depth"][i].double().numpy()
    if "after" in info:
        d["after_inst"] = info["after"]["inst"][i].numpy()
    return d


# ------------------------------------------------------------------------------------------ engines

class TorchEngine:
    def __init__(self, model_dir: str, steps: int, guidance: float, threads: int):
        from minilm import MiniLM
        from train import load_mini
        torch.set_num_threads(threads)
        cfg = json.load(open(os.path.join(model_dir, "config.json")))
        self.cfg = cfg
        self.model = load_mini(model_dir).eval()
        tdir = os.path.normpath(os.path.join(model_dir, cfg["text_encoder"]["dir"]))
        self.text = MiniLM(tdir)
        self.steps = steps or cfg["sampler"]["steps"]
        self.guidance = cfg["sampler"]["text_guidance"] if guidance is None else guidance

    @torch.no_grad()
    def run(self, images: list[np.ndarray], instructions: list[str], seeds: list[int], bs: int = 32):
        outs = []
        for s in range(0, len(images), bs):
            outs.append(self._run(images[s:s + bs], instructions[s:s + bs], seeds[s:s + bs]))
        return np.concatenate(outs)

    def _run(self, images, instructions, seeds):
        B = len(images)
        cond = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255 * 2 - 1
        h, m, p = self.text.encode(list(instructions))
        eh, em, ep = self.text.encode([""])
        noise = torch.cat([torch.randn(1, 3, tw.S, tw.S, generator=torch.Generator().manual_seed(sd)) for sd in seeds])
        feats = self.model.image_feats(cond)
        g = self.guidance
        x = noise.clone()
        ts = torch.linspace(0, 1, self.steps + 1)
        L = max(h.shape[1], eh.shape[1])

        def pad(a, am):
            if a.shape[1] == L:
                return a, am.bool()
            return (torch.cat([a, a.new_zeros(a.shape[0], L - a.shape[1], a.shape[2])], 1),
                    torch.cat([am.bool(), am.new_zeros(am.shape[0], L - am.shape[1]).bool()], 1))
        h, m = pad(h, m)
        eh, em = pad(eh.expand(B, -1, -1), em.expand(B, -1))
        for k in range(self.steps):
            t = torch.full((B,), float(ts[k]))
            if g == 1.0:
                v = self._velocity(self.model(x, t, cond, h, m, p, feats), cond, x, ts[k])
            else:
                vv = self.model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([cond, cond]), torch.cat([h, eh]),
                                torch.cat([m, em]), torch.cat([p, ep.expand(B, -1)]), torch.cat([feats, feats]))
                vc, vi = self._velocity(vv[:B], cond, x, ts[k]), self._velocity(vv[B:], cond, x, ts[k])
                v = vi + g * (vc - vi)
            x = x + (ts[k + 1] - ts[k]) * v
        y = ((x + 1) / 2).clamp(0, 1)
        return (y * 255).round().byte().permute(0, 2, 3, 1).numpy()


    def _velocity(self, out, base, x, t):
        """The DiT output as a velocity (residual models predict x1 - base; see pixwizard_ref.guided_velocity)."""
        if self.model.prediction == "residual":
            return (base + out - x) / (1 - float(t))
        return out


class SwiftEngine:
    def __init__(self, model_dir: str, steps: int | None, work: str, binary: str, guidance: float | None = None):
        self.model_dir, self.steps, self.work, self.bin = model_dir, steps, work, binary
        self.guidance = guidance

    def run(self, images, instructions, seeds):
        from PIL import Image
        jdir = os.path.join(self.work, "jobs")
        odir = os.path.join(self.work, "outputs")
        os.makedirs(jdir, exist_ok=True)
        os.makedirs(odir, exist_ok=True)
        lines = []
        for i, (im, ins, sd) in enumerate(zip(images, instructions, seeds)):
            p = os.path.join(jdir, f"{i:05d}.png")
            Image.fromarray(im).save(p)
            job = {"id": f"{i:05d}", "input": p, "instruction": ins, "seed": sd}
            if self.steps:
                job["steps"] = self.steps
            if self.guidance is not None:
                job["text_guidance"] = self.guidance
            lines.append(json.dumps(job))
        jl = os.path.join(self.work, "jobs.jsonl")
        with open(jl, "w") as f:
            f.write("\n".join(lines) + "\n")
        env = dict(os.environ, OPENBLAS_THREAD_TIMEOUT="1")
        subprocess.run([self.bin, "batch", "--model", self.model_dir, "--input", jl, "--output-dir", odir],
                       check=True, env=env)
        return np.stack([np.asarray(Image.open(os.path.join(odir, f"{i:05d}.png")).convert("RGB"))
                         for i in range(len(images))])


def swift_binary():
    try:
        flags = ["-c", "release", "-Xcc", "-march=x86-64-v3", "-Xswiftc", "-target-cpu", "-Xswiftc", "haswell"]
        p = subprocess.run(["swift", "build", *flags, "--show-bin-path"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
        b = os.path.join(p.stdout.strip(), "pixwizard")
        if os.path.exists(b) and subprocess.run([b, "batch", "--help"], capture_output=True, timeout=30).returncode == 0:
            return b
    except (OSError, subprocess.SubprocessError):
        pass
    return None


# ------------------------------------------------------------------------------------------ scoring

_SHAPE_TEST = None


def shape_test():
    global _SHAPE_TEST
    if _SHAPE_TEST is None:
        g = torch.Generator().manual_seed(7)
        xx, yy = tw._grid("cpu")
        cents = []
        for s in range(len(tw.SHAPES)):
            n = 40
            m = tw.shape_mask(torch.full((n,), s), 32 + torch.rand(n, generator=g) * 4, 32 + torch.rand(n, generator=g) * 4,
                              7 + torch.rand(n, generator=g) * 10, torch.rand(n, generator=g) * 6.3, xx, yy)
            cents.append(np.mean([A.shape_features(mi.numpy()) for mi in m], 0))
        _SHAPE_TEST = A.ShapeTest(np.stack(cents))
    return _SHAPE_TEST


def rule_ground(x, colour, shape):
    """Rule pipeline: palette threshold -> components -> shape test; falls back to the largest component."""
    cm = A.colour_mask(x, PAL[colour], 0.25)
    comps = A.components(cm)
    if not comps:
        return cm
    st = shape_test()
    good = [c for c in comps if st.classify(c) == shape]
    return max(good or comps, key=lambda c: c.sum())


def rule_segment(x):
    st = shape_test()
    out = np.zeros(x.shape[:2], int)
    for c in A.components(A.foreground(x)):
        k = st.classify(c)
        if k >= 0:
            out[c] = k + 1
    return out


def overlay_marked(out, inp, oc):
    return np.linalg.norm(out - (0.5 * inp + 0.5 * oc), axis=2) + 0.02 < np.linalg.norm(out - inp, axis=2)


def colour_of(img, mask):
    if mask.sum() == 0:
        return -1
    return int(((PAL - img[mask].mean(0)) ** 2).sum(1).argmin())


class Scorer:
    """Per task: metric name, per-image contributions, and how they aggregate."""

    def __init__(self, task):
        self.task = task

    def metric(self):
        return {"ground_mask": "cIoU", "ground_overlay": "cIoU", "depth": "delta1", "edges": "F1@1px",
                "segment": "mIoU", "edges2img": "edgeF1", "text2img": "success", "inpaint": "PSNR-in-mask",
                "deblur": "PSNR-crop16"}.get(self.task, "PSNR")

    def score(self, outs: list[np.ndarray], jobs) -> tuple[float, dict]:
        parts, extra = self.parts(outs, jobs)
        return self.aggregate(parts), extra

    def aggregate(self, parts: np.ndarray, idx=None) -> float:
        """The task's figure from per-image parts (rows idx, default all): the mean of the per-image values, or
        for the cumulative IoU of grounding the summed intersections over the summed unions."""
        p = parts if idx is None else parts[idx]
        if p.ndim == 2:
            return float(p[:, 0].sum() / max(p[:, 1].sum(), 1))
        return float(p.mean())

    def parts(self, outs: list[np.ndarray], jobs) -> tuple[np.ndarray, dict]:
        """Per-image contributions ([n], or [n, 2] intersection/union for cIoU) and the extra figures."""
        t = self.task
        extra: dict = {}
        if t in ("ground_mask", "ground_overlay"):
            iu = []
            for o, j in zip(outs, jobs):
                gt = j["info"]["mask"] > 0.5
                if t == "ground_mask":
                    pred = o.mean(2) > 0.5
                else:
                    oc = np.array(tw.OVERLAY[tw.OVERLAY_NAMES[j["params"]["overlay"]]])
                    pred = overlay_marked(o, j["input"] / 255.0, oc)
                iu.append(A.iou_sums(pred, gt))
            return np.array(iu, dtype=np.float64).reshape(-1, 2), extra
        vals = []
        succ = []
        for o, j in zip(outs, jobs):
            y, inf = j["target"], j["info"]
            if t == "depth":
                d1, rel = A.depth_scores(o.mean(2), inf["depth"])
                vals.append(d1); succ.append(rel)
            elif t == "edges":
                vals.append(A.edge_f1(o.mean(2) > 0.5, y.mean(2) > 0.5))
            elif t == "segment":
                vals.append(A.miou(A.nearest_palette(o, SEGP), inf["cls"], len(SEGP)))
            elif t == "edges2img":
                vals.append(A.edge_f1(A.canny(o), j["input"].mean(2) > 127))
            elif t == "text2img":
                canvas = j["input"][0, 0] / 255.0
                fg = np.abs(o - canvas).max(2) > 0.25
                comps = [c for c in A.components(fg) if c.sum() < 0.5 * c.size]  # a noise-filled canvas is no shape
                ok = False
                if comps:
                    c = max(comps, key=lambda q: q.sum())
                    ok = colour_of(o, c) == j["params"]["colour"] and shape_test().classify(c) == j["params"]["shape"]
                vals.append(float(ok))
            elif t == "inpaint":
                vals.append(A.psnr(o, y, inf["mask"]))
            elif t == "deblur":
                vals.append(A.psnr(o[16:-16, 16:-16], y[16:-16, 16:-16]))
            else:
                vals.append(A.psnr(o, y))
                if t == "recolour":
                    succ.append(colour_of(o, _after_mask(j)) == j["params"]["new"])
                elif t == "remove":
                    m = inf["mask"]
                    succ.append(float(np.abs(o[m] - y[m]).mean() < 0.1) if m.sum() else 1.0)
                elif t == "add":
                    succ.append(colour_of(o, inf["mask"]) == j["params"]["colour"])
        if t == "depth":
            extra["absrel"] = float(np.mean(succ))
        elif succ:
            extra["success"] = float(np.mean(succ))
        return np.array(vals, dtype=np.float64), extra

    def paired_se(self, a: np.ndarray, b: np.ndarray, reps: int = 2000, seed: int = 0) -> float:
        """Standard error of aggregate(a) - aggregate(b) on the same images (paired bootstrap over images). It
        covers the spread of images and of each image's sampling noise, both fixed by the evaluation seed."""
        rng = np.random.default_rng(seed)
        n = len(a)
        d = [self.aggregate(a, i) - self.aggregate(b, i) for i in rng.integers(0, n, size=(reps, n))]
        return float(np.std(d))


def _after_mask(j):
    """Pixels of the recoloured object in the target (same geometry as before)."""
    return j["info"]["inst"] == 1


def anchor_outputs(task, jobs):
    """-> (name, list of float images) or (None, None) when the task has no classical anchor."""
    outs = []
    names = {"denoise": "nlm", "deblur": "wiener-known-psf", "derain": "directional-opening",
             "dehaze": "dark-channel-prior", "lowlight": "blind-gamma", "inpaint": "biharmonic", "sr": "bicubic",
             "ground_mask": "palette+shape-rule", "ground_overlay": "palette+shape-rule", "depth": "row-prior",
             "edges": "canny", "segment": "components+shape-rule", "recolour": "identity", "remove": "identity",
             "add": "identity"}
    if task not in names:
        return None, None
    for j in jobs:
        x = j["input"] / 255.0
        inf = j["info"]
        if task == "denoise":
            o = A.denoise_nlm(x, inf["sigma"])
        elif task == "deblur":
            o = A.deblur_wiener(x, inf["psf"])
        elif task == "derain":
            o = A.derain_opening(x)
        elif task == "dehaze":
            o = A.dehaze_dcp(x)
        elif task == "lowlight":
            o = A.lowlight_gamma(x)
        elif task == "inpaint":
            o = A.inpaint_biharmonic(x, inf["mask"])
        elif task == "sr":
            o = A.sr_bicubic(x[::2, ::2])
        elif task == "ground_mask":
            m = rule_ground(x, j["params"]["colour"], j["params"]["shape"])
            o = np.repeat(m[:, :, None].astype(float), 3, 2)
        elif task == "ground_overlay":
            m = rule_ground(x, j["params"]["colour"], j["params"]["shape"])
            oc = np.array(tw.OVERLAY[tw.OVERLAY_NAMES[j["params"]["overlay"]]])
            o = np.where(m[:, :, None], 0.5 * x + 0.5 * oc, x)
        elif task == "depth":
            rows = np.repeat(np.linspace(1, 0, 64)[:, None], 64, 1)  # "far at the top"
            o = np.repeat(rows[:, :, None], 3, 2)
        elif task == "edges":
            o = np.repeat(A.canny(x)[:, :, None].astype(float), 3, 2)
        elif task == "segment":
            o = SEGP[rule_segment(x)]
        else:  # editing: identity
            o = x
        outs.append(o)
    return names[task], outs


def trivial_outputs(task, jobs):
    blank = task in ("ground_mask", "depth", "edges", "segment", "edges2img", "text2img")
    if task == "text2img":  # the blank canvas itself (= the input)
        return [j["input"] / 255.0 for j in jobs]
    return [np.zeros((64, 64, 3)) if blank else j["input"] / 255.0 for j in jobs]


def contact_sheet(path, jobs, outs, rows=8):
    from PIL import Image
    tiles = []
    for j, o in list(zip(jobs, outs))[:rows]:
        tiles.append(np.concatenate([j["input"] / 255.0, o, j["target"]], 1))
    im = (np.concatenate(tiles, 0) * 255).round().clip(0, 255).astype(np.uint8)
    Image.fromarray(im).resize((im.shape[1] * 2, im.shape[0] * 2), Image.NEAREST).save(path)


def fmt(v):
    return "na" if v is None else f"{v:.4f}" if abs(v) < 2 else f"{v:.2f}"


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "Models", "pixwizard-mini"))
    ap.add_argument("--engine", default="auto", choices=["auto", "torch", "swift"])
    ap.add_argument("--n", type=int, default=32, help="images per task")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--guidance", type=float, default=None, help="text guidance (default: the model's)")
    ap.add_argument("--tasks", default=",".join(tw.TASKS))
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "eval"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-seen", action="store_true", help="skip the seen-wording run")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    tasks = a.tasks.split(",")
    t0 = time.time()
    evalset = build_evalset(a.n, a.seed)
    engine_name = a.engine
    if engine_name in ("auto", "swift"):
        b = swift_binary()
        if b is None and engine_name == "swift":
            sys.exit("evaluate: the Swift binary with `pixwizard batch` is not built")
        engine_name = "swift" if b else "torch"
    if engine_name == "swift":
        eng = SwiftEngine(a.model, a.steps, os.path.join(a.out, "swift"), b, a.guidance)
    else:
        eng = TorchEngine(a.model, a.steps, a.guidance, a.threads)
    print(f"evaluate: engine={engine_name} model={a.model} n={a.n} seed={a.seed}", flush=True)
    # one engine call for every job (held-out and seen wordings), so the Swift model loads once
    images, ins, seeds, where = [], [], [], []
    for task in tasks:
        for i, j in enumerate(evalset[task]):
            for kind in (["heldout"] if a.no_seen else ["heldout", "seen"]):
                images.append(j["input"]); ins.append(j[kind]); seeds.append(a.seed + i)
                where.append((task, i, kind))
    t1 = time.time()
    outs = eng.run(images, ins, seeds)
    t_model = time.time() - t1
    res = {}
    for (task, i, kind), o in zip(where, outs):
        res.setdefault((task, kind), [None] * a.n)[i] = o / 255.0
    summary, parts = [], {}
    for task in tasks:
        jobs = evalset[task]
        sc = Scorer(task)
        mp, extra = sc.parts(res[(task, "heldout")], jobs)
        m = sc.aggregate(mp)
        tp = sc.parts(trivial_outputs(task, jobs), jobs)[0]
        triv = sc.aggregate(tp)
        # standard errors (paired bootstrap over the images) of model - trivial and of seen - held-out
        se = {"vs_trivial_se": sc.paired_se(mp, tp)}
        seen = None
        if not a.no_seen:
            sp = sc.parts(res[(task, "seen")], jobs)[0]
            seen = sc.aggregate(sp)
            se["gap_se"] = sc.paired_se(sp, mp)
            parts[f"{task}/seen"] = sp
        parts[f"{task}/heldout"], parts[f"{task}/trivial"] = mp, tp
        an_name, an_out = anchor_outputs(task, jobs)
        anc = sc.score(an_out, jobs)[0] if an_out is not None else None
        ex = " ".join(f"{k}={fmt(v)}" for k, v in {**extra, **se}.items())
        line = (f"eval task={task} metric={sc.metric()} model={fmt(m)} trivial={fmt(triv)} anchor={fmt(anc)} "
                f"seen_wording={fmt(seen)} anchor_name={an_name or 'none'}" + (f" {ex}" if ex else ""))
        print(line, flush=True)
        summary.append({"task": task, "metric": sc.metric(), "model": m, "trivial": triv, "anchor": anc,
                        "anchor_name": an_name, "seen_wording": seen, **extra, **se})
        contact_sheet(os.path.join(a.out, f"{task}.png"), jobs, res[(task, "heldout")])
    # EVALUATION.md's language row: how well the held-out wordings can be routed to their task from the text
    # alone (the keyword router is the classical anchor; the MiniLM centroid is what the task embedder reads)
    route = routing_accuracy(tasks)
    for r, v in route.items():
        print(f"route router={r} accuracy={v:.4f} tasks={len(tasks)}", flush=True)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"engine": engine_name, "model": os.path.abspath(a.model), "n": a.n, "seed": a.seed, "model_seconds": t_model, "rows": summary,
                   "text_routing": route}, f, indent=1)
    np.savez(os.path.join(a.out, "parts.npz"), **parts)  # per-image parts, for pool_evals.py
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write("| task | metric | model (held-out wording) | trivial | anchor | anchor method | seen wording | "
                "model − trivial (se) | seen − held-out (se) | extra |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|\n")
        for r in summary:
            ex = ", ".join(f"{k} {fmt(r[k])}" for k in ("success", "absrel") if k in r)
            gap = (f"{fmt(r['seen_wording'] - r['model'])} ({fmt(r['gap_se'])})"
                   if r["seen_wording"] is not None else "-")
            f.write(f"| {r['task']} | {r['metric']} | {fmt(r['model'])} | {fmt(r['trivial'])} | {fmt(r['anchor'])} | "
                    f"{r['anchor_name'] or '-'} | {fmt(r['seen_wording'])} | "
                    f"{fmt(r['model'] - r['trivial'])} ({fmt(r['vs_trivial_se'])}) | {gap} | {ex} |\n")
    print(f"evaluate: {len(images)} images in {t_model:.0f}s ({engine_name}), total {time.time() - t0:.0f}s; "
          f"contact sheets in {a.out}", flush=True)


if __name__ == "__main__":
    main()
