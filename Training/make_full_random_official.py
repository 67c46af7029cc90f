#!/usr/bin/env python3
"""Full-size RANDOM weights in the official layout, for `make bench-full` (never committed).

Writes a daemon model directory (the layout Training/convert_official.py produces) with the shapes of the
release: the 2.01 B PixWizard DiT (PixWizard_2B_GQA_patch2), Gemma-2B (the 17 layers that feed
hidden_states[-2] + the 256000 x 2048 embedding), CLIP ViT-L/14-336 text and vision towers and the SDXL VAE,
stored as bf16 (or fp16). Values are a fixed pool of N(0, 0.02) numbers reused cyclically (norm weights 1,
Gemma norm weights 0 as it uses 1 + w): the benchmark measures time and memory, not outputs. Tokenizers are
the tiny ones of the fake release. Files are streamed tensor by tensor (about 10 GB on disk, < 1 GB RAM).
Usage: python3 Training/make_full_random_official.py OUT_DIR [--dtype bf16|fp16]
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "reference"))
sys.path.insert(0, os.path.join(HERE, "fixtures"))
import convert_official as conv  # noqa: E402
import fake_official  # noqa: E402
import pixwizard_ref as ref  # noqa: E402

GEMMA_2B = dict(vocab_size=256000, hidden_size=2048, intermediate_size=16384, num_hidden_layers=18,
                num_attention_heads=8, num_key_value_heads=1, head_dim=256, rms_norm_eps=1e-6, rope_theta=10000.0,
                hidden_act="gelu", bos_token_id=2, pad_token_id=0)
CLIP_L336 = dict(projection_dim=768,
                 text_config=dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                  num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu",
                                  eos_token_id=2, pad_token_id=1),
                 vision_config=dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
                                    num_attention_heads=16, image_size=336, patch_size=14, hidden_act="quick_gelu"))
SDXL_VAE = dict(block_out_channels=[128, 256, 512, 512], layers_per_block=2, norm_num_groups=32, latent_channels=4,
                scaling_factor=0.13025)


def write_streamed(path: str, shapes: dict, dtype: torch.dtype, pool: bytes, fill=None) -> int:
    """A safetensors file written tensor by tensor; returns the parameter count."""
    es = 2
    tag = {torch.bfloat16: "BF16", torch.float16: "F16"}[dtype]
    header, off = {}, 0
    for k in sorted(shapes):
        n = 1
        for s in shapes[k]:
            n *= s
        header[k] = {"dtype": tag, "shape": list(shapes[k]), "data_offsets": [off, off + n * es]}
        off += n * es
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    total = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for i, k in enumerate(sorted(shapes)):
            nbytes = header[k]["data_offsets"][1] - header[k]["data_offsets"][0]
            total += nbytes // es
            const = fill(k, shapes[k]) if fill else None
            if const is not None:
                f.write(torch.full((nbytes // es,), const, dtype=dtype).view(torch.int16).numpy().tobytes())
                continue
            start = (i * 7919 * es) % len(pool)
            while nbytes > 0:
                take = min(nbytes, len(pool) - start)
                f.write(pool[start:start + take])
                nbytes -= take
                start = 0
    return total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp16"])
    a = ap.parse_args()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[a.dtype]
    os.makedirs(a.out, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    pool = (torch.randn(1 << 22, generator=g) * 0.02).to(dtype).view(torch.int16).numpy().tobytes()

    dit_cfg = dict(ref.OFFICIAL_2B)
    gcfg = conv.gemma_config(GEMMA_2B)
    tcfg = conv.clip_text_config(CLIP_L336["text_config"], CLIP_L336["projection_dim"])
    vcfg = conv.clip_vision_config(CLIP_L336["vision_config"])
    vaecfg = conv.vae_config(SDXL_VAE)

    def norm_fill(gemma: bool):
        def f(k, shape):
            if len(shape) == 1 and ("norm" in k or "layrnorm" in k) and k.endswith("weight"):
                return 0.0 if gemma else 1.0
            if len(shape) == 1 and k.endswith("bias"):
                return 0.0
            return None
        return f

    counts = {}
    counts["dit"] = write_streamed(os.path.join(a.out, "dit.safetensors"), conv.dit_expected(dit_cfg), dtype, pool, norm_fill(False))
    counts["gemma"] = write_streamed(os.path.join(a.out, "gemma.safetensors"),
                                     conv.gemma_expected(gcfg, gcfg["feature_layers"]), dtype, pool, norm_fill(True))
    counts["clip_text"] = write_streamed(os.path.join(a.out, "clip_text.safetensors"), conv.clip_text_expected(tcfg), dtype, pool, norm_fill(False))
    counts["clip_vision"] = write_streamed(os.path.join(a.out, "clip_vision.safetensors"), conv.clip_vision_expected(vcfg), dtype, pool, norm_fill(False))
    counts["vae"] = write_streamed(os.path.join(a.out, "vae.safetensors"), conv.vae_expected(vaecfg), dtype, pool, norm_fill(False))
    for sub, writer in (("gemma", fake_official.write_gemma_tokenizer), ("clip", fake_official.write_clip_tokenizer)):
        d = os.path.join(a.out, "tokenizer", sub)
        os.makedirs(d, exist_ok=True)
        writer(d)
    config = {"family": "pixwizard-official", "name": "pixwizard-official-random-fullsize", "dtype": a.dtype,
              "dit": dit_cfg, "gemma": gcfg, "clip_text": tcfg, "clip_vision": vcfg, "vae": vaecfg,
              "defaults": {"steps": 59, "text_guidance": 4.0, "image_guidance": 1.0, "time_shift": 1.0,
                           "resolution": 768, "resolutions": [512, 768, 1024], "seed": 3400}}
    with open(os.path.join(a.out, "config.json"), "w", encoding="utf-8") as fh:
        json.dump(config, fh, indent=1)
    print("full-size random official model:", ", ".join(f"{k} {v / 1e6:.1f} M" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
