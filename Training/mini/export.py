"""Exports a trained pixwizard-mini checkpoint to the Swift model directory Models/pixwizard-mini/:
config.json, dit.safetensors (official PixWizard key names, fp16 by default), image_encoder.safetensors
(only when the model has the semantic image path; otherwise "image_encoder": null and the engine feeds
zero image features), and NOTICE-minilm.txt (the text encoder is fetched by scripts/fetch-minilm.sh).

    python3 Training/mini/export.py --ckpt Training/runs/gpu2/main --out Models/pixwizard-mini \
        --steps 10 --text-guidance 1.0
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from instructions import T  # noqa: E402
from minilm import MiniLM  # noqa: E402
from train import load_mini  # noqa: E402
import taskworld as tw  # noqa: E402


def build_config(dit_cfg: dict, enc, steps: int, text_guidance: float, shift: float,
                 prediction: str = "velocity") -> dict:
    return {
        "family": "pixwizard-mini",
        "name": "pixwizard-mini",
        "description": "pixwizard-mini: PixWizard's DiT in pixel space at 64x64, trained by this project on its "
                       "procedural task world (17 tasks over 7 domains). See docs/MODELS.md.",
        "dit": {k: v for k, v in dit_cfg.items() if k != "prediction"},
        "prediction": prediction,
        "text_encoder": {"kind": "minilm", "dir": "../.cache/all-MiniLM-L6-v2", "max_tokens": MiniLM.max_tokens},
        "image_encoder": enc.describe() if enc is not None else None,
        "resolution": tw.S,
        "sampler": {"steps": steps, "solver": "euler", "text_guidance": text_guidance, "image_guidance": 1.0,
                    "shift": shift},
        "tasks": [{"name": t, "domain": tw.DOMAIN[t], "example": _example(t)} for t in tw.TASKS],
    }


def _example(task: str) -> str:
    tpl = T[task]["train"][0]
    return tpl.format(c="red", s="circle", n="blue", o="green", p="top left")


def main(argv=None):
    from safetensors.torch import save_file
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True, help="checkpoint prefix (<dir>/<name>) or exported model dir")
    ap.add_argument("--config", default=None, help="dit config json (default <ckpt>.config.json)")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "Models", "pixwizard-mini"))
    ap.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--text-guidance", type=float, default=1.0)
    ap.add_argument("--shift", type=float, default=1.0)
    a = ap.parse_args(argv)
    m = load_mini(a.ckpt, a.config)
    cfg = m.cfg
    dt = getattr(torch, a.dtype)
    os.makedirs(a.out, exist_ok=True)
    dit = {k: v.detach().to(dt).contiguous() for k, v in m.dit.state_dict().items()}
    save_file(dit, os.path.join(a.out, "dit.safetensors"), metadata={"format": "pt", "model": "pixwizard-mini"})
    encp = os.path.join(a.out, "image_encoder.safetensors")
    if m.enc is not None:
        enc = {k: v.detach().float().contiguous() for k, v in m.enc.state_dict().items()}
        save_file(enc, encp, metadata={"format": "pt"})
    elif os.path.exists(encp):
        os.remove(encp)
    conf = build_config(cfg, m.enc, a.steps, a.text_guidance, a.shift, m.prediction)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(conf, f, indent=2)
        f.write("\n")
    n = sum(v.numel() for v in dit.values())
    size = os.path.getsize(os.path.join(a.out, "dit.safetensors"))
    print(f"exported {n / 1e6:.2f} M DiT parameters ({a.dtype}, {size / 1e6:.1f} MB) to {a.out}")


if __name__ == "__main__":
    main()
