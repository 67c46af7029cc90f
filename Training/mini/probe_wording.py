"""Where the held-out wording gap of a pixwizard-mini model comes from. For each task, the evaluation set of
evaluate.py is sampled with the PyTorch reference four times: held-out wording (H), training wording (S), and
two swaps of the two text paths: H's token features with S's pooled embedding (the task embedder's input),
and S's tokens with H's pooled embedding. Also prints the score per held-out wording.

    python3 Training/mini/probe_wording.py --model Models/pixwizard-mini --tasks lowlight,dehaze,sr,inpaint
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as ev  # noqa: E402
import taskworld as tw  # noqa: E402


class SwapEngine(ev.TorchEngine):
    """TorchEngine whose text encoding takes token features from one instruction and the pooled one from another."""

    def run_pairs(self, images, tok_ins, pool_ins, seeds):
        enc = self.text.encode

        def mixed(batch):
            n = len(batch)
            h, m, _ = enc([b[0] for b in batch])
            _, _, p = enc([b[1] for b in batch])
            return h, m, p
        pairs = list(zip(tok_ins, pool_ins))
        outs = []
        for s in range(0, len(images), 32):
            chunk = pairs[s:s + 32]
            self.text.encode = lambda _ins, c=chunk: mixed(c) if _ins != [""] else enc(_ins)
            try:
                outs.append(self._run(images[s:s + 32], [c[0] for c in chunk], seeds[s:s + 32]))
            finally:
                self.text.encode = enc
        return np.concatenate(outs)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ev.ROOT, "Models", "pixwizard-mini"))
    ap.add_argument("--tasks", default="lowlight,dehaze,sr,inpaint")
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    evalset = ev.build_evalset(a.n, a.seed)
    eng = SwapEngine(a.model, None, None, a.threads)
    for task in a.tasks.split(","):
        jobs = evalset[task]
        sc = ev.Scorer(task)
        imgs = [j["input"] for j in jobs]
        seeds = [a.seed + i for i in range(len(jobs))]
        H = [j["heldout"] for j in jobs]
        S = [j["seen"] for j in jobs]
        res = {}
        for name, tok, pool in (("H", H, H), ("S", S, S), ("Htok+Spool", H, S), ("Stok+Hpool", S, H)):
            outs = eng.run_pairs(imgs, tok, pool, seeds)
            res[name] = [o / 255.0 for o in outs]
        line = " ".join(f"{k}={sc.score(v, jobs)[0]:.2f}" for k, v in res.items())
        print(f"probe task={task} metric={sc.metric()} n={len(jobs)} {line}", flush=True)
        for w in sorted(set(H)):
            idx = [i for i, h in enumerate(H) if h == w]
            sub = [jobs[i] for i in idx]
            hs = sc.score([res["H"][i] for i in idx], sub)[0]
            ss = sc.score([res["S"][i] for i in idx], sub)[0]
            print(f"  wording n={len(idx)} held={hs:.2f} seen={ss:.2f} {w!r}", flush=True)


if __name__ == "__main__":
    main()
