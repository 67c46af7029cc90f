#!/usr/bin/env python3
"""Convert the official PixWizard release into the daemon's model directory.

Inputs (as published):
  --ckpt        consolidated_ema.00-of-01.pth   (torch.save of the DiT state dict, fp32)
  --model-args  model_args.pth                  (pickled argparse.Namespace; .model, .qk_norm, .vae)
  --gemma       Hugging Face folder of google/gemma-2b (config.json, *.safetensors or *.bin, tokenizer.json|model)
  --clip        Hugging Face folder of openai/clip-vit-large-patch14-336 (config.json, weights, vocab.json, merges.txt)
  --vae         Hugging Face folder of stabilityai/sdxl-vae (config.json, diffusion_pytorch_model.safetensors|.bin)

Output directory (read by Sources/PixPipeline/OfficialPipeline.swift):
  config.json            {"family": "pixwizard-official", "dtype", "dit", "gemma", "clip_text", "clip_vision", "vae", "defaults"}
  dit.safetensors        official key names, unchanged
  gemma.safetensors      GemmaModel key names ("model." stripped); only the layers that feed hidden_states[-2]
  clip_text.safetensors  CLIPTextModelWithProjection key names (text_model.*, text_projection.weight)
  clip_vision.safetensors CLIPVisionModel key names (vision_model.*; post_layernorm dropped: unused)
  vae.safetensors        diffusers AutoencoderKL key names
  tokenizer/gemma/{tokenizer.json,tokenizer.model}, tokenizer/clip/{vocab.json,merges.txt}

Every input is checked strictly: a missing key, an unexpected key or a wrong shape stops the conversion
with the key named. Storage dtype: fp32, fp16 or bf16 (norm weights and biases are stored in the same
dtype; the Swift side computes in fp32).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import sys
from typing import Dict, Iterable, List, Mapping, Tuple

import torch
from safetensors.torch import load_file, save_file

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
Shapes = Dict[str, Tuple[int, ...]]


class ConversionError(Exception):
    pass


# ----------------------------------------------------------------------------------------------------
# Strict key/shape check


def check_keys(what: str, tensors: Mapping[str, torch.Tensor], expected: Shapes) -> None:
    missing = sorted(k for k in expected if k not in tensors)
    unexpected = sorted(k for k in tensors if k not in expected)
    wrong = sorted(
        f"{k}: {tuple(tensors[k].shape)} != expected {expected[k]}"
        for k in expected
        if k in tensors and tuple(tensors[k].shape) != tuple(expected[k])
    )
    problems = []
    if missing:
        problems.append(f"missing keys ({len(missing)}): " + ", ".join(missing[:8]))
    if unexpected:
        problems.append(f"unexpected keys ({len(unexpected)}): " + ", ".join(unexpected[:8]))
    if wrong:
        problems.append("wrong shapes: " + "; ".join(wrong[:8]))
    if problems:
        raise ConversionError(f"{what}: " + " | ".join(problems))


# ----------------------------------------------------------------------------------------------------
# DiT (official layout, pixwizard-reference.md §2.8)


def dit_config_from(sd: Mapping[str, torch.Tensor], model_args: object, latent_channels: int,
                    image_tokens: int) -> dict:
    if "x_embedder.weight" not in sd:
        raise ConversionError("dit: missing key x_embedder.weight")
    dim, patch_in = (int(s) for s in sd["x_embedder.weight"].shape)
    n_layers = 0
    while f"layers.{n_layers}.attention.wq.weight" in sd:
        n_layers += 1
    if n_layers == 0:
        raise ConversionError("dit: no layers.N.attention.wq.weight keys")
    n_heads = int(sd["layers.0.attention.gate"].shape[0])
    if dim % n_heads:
        raise ConversionError(f"dit: dim {dim} not divisible by {n_heads} heads")
    head_dim = dim // n_heads
    kv_dim = int(sd["layers.0.attention.wk.weight"].shape[0])
    if kv_dim % head_dim:
        raise ConversionError(f"dit: kv dim {kv_dim} not a multiple of head_dim {head_dim}")
    p2 = patch_in // (2 * latent_channels)
    patch = int(round(p2 ** 0.5))
    if patch * patch * 2 * latent_channels != patch_in:
        raise ConversionError(f"dit: x_embedder input {patch_in} is not patch²·2·{latent_channels}")
    qk_norm = bool(getattr(model_args, "qk_norm", "layers.0.attention.q_norm.weight" in sd))
    multiple_of = int(getattr(model_args, "multiple_of", 256) or 256)
    mult = getattr(model_args, "ffn_dim_multiplier", None)
    hidden = int(sd["layers.0.feed_forward.w1.weight"].shape[0])
    if ffn_hidden_dim(dim, multiple_of, mult) != hidden:
        raise ConversionError(f"dit: feed-forward width {hidden} does not follow dim {dim} with multiple_of "
                              f"{multiple_of} and ffn_dim_multiplier {mult}")
    # The `dit` object of config.json: exactly the keys of Training/reference/pixwizard_ref.py CONFIG_KEYS.
    return {
        "patch_size": patch,
        "in_channels": latent_channels,
        "dim": dim,
        "n_layers": n_layers,
        "n_heads": n_heads,
        "n_kv_heads": kv_dim // head_dim,
        "multiple_of": multiple_of,
        "ffn_dim_multiplier": mult,
        "norm_eps": 1e-5,
        "learn_sigma": int(sd["final_layer.linear.weight"].shape[0]) == patch * patch * 2 * latent_channels,
        "qk_norm": qk_norm,
        "cap_feat_dim": int(sd["layers.0.attention.wk_y.weight"].shape[1]),
        "clip_text_dim": int(sd["task_embedder.1.weight"].shape[1]),
        "image_feat_dim": int(sd["global_semantic_embedder.1.weight"].shape[1]),
        "image_tokens": image_tokens,
        "sample_tokens": int(getattr(model_args, "sample_tokens", 256) or 256),
        "rope_theta": 10000.0,
        "cfg_channels": 3,
    }


def ffn_hidden_dim(dim: int, multiple_of: int, ffn_dim_multiplier: float | None) -> int:
    """The official FeedForward width: int(2*4*dim/3), times the multiplier, rounded up to multiple_of."""
    hidden = int(2 * (4 * dim) / 3)
    if ffn_dim_multiplier is not None:
        hidden = int(ffn_dim_multiplier * hidden)
    return multiple_of * ((hidden + multiple_of - 1) // multiple_of)


def dit_expected(c: dict) -> Shapes:
    d, a, kv, nh = c["dim"], min(c["dim"], 1024), c["n_kv_heads"] * (c["dim"] // c["n_heads"]), c["n_heads"]
    pin = c["patch_size"] ** 2 * 2 * c["in_channels"]
    pout = c["patch_size"] ** 2 * (2 if c["learn_sigma"] else 1) * c["in_channels"]
    e: Shapes = {
        "x_embedder.weight": (d, pin), "x_embedder.bias": (d,),
        "t_embedder.mlp.0.weight": (a, 256), "t_embedder.mlp.0.bias": (a,),
        "t_embedder.mlp.2.weight": (a, a), "t_embedder.mlp.2.bias": (a,),
        "task_embedder.0.weight": (c["clip_text_dim"],), "task_embedder.0.bias": (c["clip_text_dim"],),
        "task_embedder.1.weight": (a, c["clip_text_dim"]), "task_embedder.1.bias": (a,),
        "global_semantic_embedder.0.weight": (c["image_feat_dim"],),
        "global_semantic_embedder.0.bias": (c["image_feat_dim"],),
        "global_semantic_embedder.1.weight": (a, c["image_feat_dim"]),
        "global_semantic_embedder.1.bias": (a,),
        "final_layer.linear.weight": (pout, d), "final_layer.linear.bias": (pout,),
        "final_layer.adaLN_modulation.1.weight": (d, a), "final_layer.adaLN_modulation.1.bias": (d,),
        "pad_token": (d,),
    }
    f = ffn_hidden_dim(d, c["multiple_of"], c["ffn_dim_multiplier"])
    cap, cv = c["cap_feat_dim"], c["image_feat_dim"]
    for i in range(c["n_layers"]):
        p = f"layers.{i}."
        e.update({
            p + "attention.wq.weight": (d, d), p + "attention.wo.weight": (d, d),
            p + "attention.wk.weight": (kv, d), p + "attention.wv.weight": (kv, d),
            p + "attention.wk_ii.weight": (kv, d), p + "attention.wv_ii.weight": (kv, d),
            p + "attention.wk_y.weight": (kv, cap), p + "attention.wv_y.weight": (kv, cap),
            p + "attention.gate": (nh,), p + "attention.gate_for_ii": (nh,),
            p + "feed_forward.w1.weight": (f, d), p + "feed_forward.w3.weight": (f, d),
            p + "feed_forward.w2.weight": (d, f),
            p + "attention_norm1.weight": (d,), p + "attention_norm2.weight": (d,),
            p + "ffn_norm1.weight": (d,), p + "ffn_norm2.weight": (d,),
            p + "attention_input_norm.weight": (d,), p + "attention_y_norm.weight": (cap,),
            p + "adaLN_modulation.1.weight": (4 * d, a), p + "adaLN_modulation.1.bias": (4 * d,),
            p + "y_pool_proj.weight": (d, a), p + "input_image_proj.weight": (d, cv),
            p + "in_conv.0.weight": (d,), p + "in_conv.0.bias": (d,),
            p + "in_conv.1.weight": (d, d), p + "in_conv.1.bias": (d,),
            p + "out_conv.0.weight": (d // 2, d), p + "out_conv.0.bias": (d // 2,),
            p + "out_conv.2.weight": (d // 4, d // 2), p + "out_conv.2.bias": (d // 4,),
            p + "out_conv.4.weight": (1, d // 4), p + "out_conv.4.bias": (1,),
        })
        if c["qk_norm"]:
            for n, w in (("q_norm", d), ("k_norm", kv), ("kii_norm", kv), ("ky_norm", kv)):
                e[p + f"attention.{n}.weight"] = (w,)
                e[p + f"attention.{n}.bias"] = (w,)
    return e


# ----------------------------------------------------------------------------------------------------
# Hugging Face folders


def load_hf_weights(folder: str, what: str) -> Dict[str, torch.Tensor]:
    # Hugging Face folders may hold several formats (sdxl-vae also ships the original-layout
    # sdxl_vae.safetensors): take the transformers/diffusers files first.
    files: List[str] = []
    for pattern in ("model*.safetensors", "diffusion_pytorch_model*.safetensors", "*.safetensors"):
        files = sorted(glob.glob(os.path.join(folder, pattern)))
        if files:
            break
    out: Dict[str, torch.Tensor] = {}
    if files:
        for f in files:
            out.update(load_file(f))
        return out
    files = sorted(glob.glob(os.path.join(folder, "pytorch_model*.bin")) or glob.glob(os.path.join(folder, "diffusion_pytorch_model*.bin")))
    if not files:
        raise ConversionError(f"{what}: no *.safetensors or *.bin weights in {folder}")
    for f in files:
        out.update(torch.load(f, map_location="cpu", weights_only=True))
    return out


def read_json(path: str, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as e:
        raise ConversionError(f"{what}: cannot read {path}: {e}") from e


def gemma_config(hf: dict) -> dict:
    nh = int(hf["num_attention_heads"])
    act = hf.get("hidden_activation") or hf.get("hidden_act") or "gelu_pytorch_tanh"
    if act == "gelu":  # legacy Gemma releases: transformers maps it to the tanh approximation
        act = "gelu_pytorch_tanh"
    rope = hf.get("rope_theta")
    if rope is None:
        rope = (hf.get("rope_parameters") or {}).get("rope_theta", 10000.0)
    return {
        "vocab_size": int(hf["vocab_size"]),
        "hidden_size": int(hf["hidden_size"]),
        "intermediate_size": int(hf["intermediate_size"]),
        "num_hidden_layers": int(hf["num_hidden_layers"]),
        "num_attention_heads": nh,
        "num_key_value_heads": int(hf.get("num_key_value_heads", nh)),
        "head_dim": int(hf.get("head_dim") or hf["hidden_size"] // nh),
        "rms_norm_eps": float(hf.get("rms_norm_eps", 1e-6)),
        "rope_theta": float(rope),
        "hidden_activation": act,
        "bos_token_id": int(hf.get("bos_token_id", 2)),
        "pad_token_id": int(hf.get("pad_token_id", 0)),
        # hidden_states[-2]: the input of the last decoder layer; only these layers are stored.
        "feature_layers": int(hf["num_hidden_layers"]) - 1,
        "max_length": 256,
        "pad_to_multiple_of": 8,
    }


def gemma_expected(c: dict, layers: int) -> Shapes:
    h, i, hd = c["hidden_size"], c["intermediate_size"], c["head_dim"]
    e: Shapes = {"embed_tokens.weight": (c["vocab_size"], h)}
    for n in range(layers):
        p = f"layers.{n}."
        e.update({
            p + "self_attn.q_proj.weight": (c["num_attention_heads"] * hd, h),
            p + "self_attn.k_proj.weight": (c["num_key_value_heads"] * hd, h),
            p + "self_attn.v_proj.weight": (c["num_key_value_heads"] * hd, h),
            p + "self_attn.o_proj.weight": (h, c["num_attention_heads"] * hd),
            p + "mlp.gate_proj.weight": (i, h), p + "mlp.up_proj.weight": (i, h),
            p + "mlp.down_proj.weight": (h, i),
            p + "input_layernorm.weight": (h,), p + "post_attention_layernorm.weight": (h,),
        })
    return e


def convert_gemma(folder: str) -> Tuple[dict, Dict[str, torch.Tensor]]:
    cfg = gemma_config(read_json(os.path.join(folder, "config.json"), "gemma"))
    raw = load_hf_weights(folder, "gemma")
    sd = {(k[len("model."):] if k.startswith("model.") else k): v for k, v in raw.items()}
    sd.pop("lm_head.weight", None)  # tied to embed_tokens in Gemma
    check_keys("gemma", sd, gemma_expected(cfg, cfg["num_hidden_layers"]) | {"norm.weight": (cfg["hidden_size"],)})
    keep = gemma_expected(cfg, cfg["feature_layers"])
    return cfg, {k: sd[k] for k in keep}


def clip_text_config(t: dict, projection_dim: int) -> dict:
    return {
        "vocab_size": int(t.get("vocab_size", 49408)),
        "hidden_size": int(t.get("hidden_size", 768)),
        "intermediate_size": int(t.get("intermediate_size", 3072)),
        "num_hidden_layers": int(t.get("num_hidden_layers", 12)),
        "num_attention_heads": int(t.get("num_attention_heads", 12)),
        "max_position_embeddings": int(t.get("max_position_embeddings", 77)),
        "layer_norm_eps": float(t.get("layer_norm_eps", 1e-5)),
        "hidden_act": t.get("hidden_act", "quick_gelu"),
        "eos_token_id": int(t.get("eos_token_id", 49407)),
        "pad_token_id": int(t.get("pad_token_id", 49407)) if t.get("pad_token_id") is not None else 49407,
        "projection_dim": int(projection_dim),
    }


def clip_vision_config(v: dict) -> dict:
    return {
        "hidden_size": int(v.get("hidden_size", 1024)),
        "intermediate_size": int(v.get("intermediate_size", 4096)),
        "num_hidden_layers": int(v.get("num_hidden_layers", 24)),
        "num_attention_heads": int(v.get("num_attention_heads", 16)),
        "image_size": int(v.get("image_size", 336)),
        "patch_size": int(v.get("patch_size", 14)),
        "num_channels": int(v.get("num_channels", 3)),
        "layer_norm_eps": float(v.get("layer_norm_eps", 1e-5)),
        "hidden_act": v.get("hidden_act", "quick_gelu"),
        "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711],
    }


def clip_layers_expected(prefix: str, h: int, i: int, n: int) -> Shapes:
    e: Shapes = {}
    for L in range(n):
        p = f"{prefix}encoder.layers.{L}."
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            e[p + f"self_attn.{proj}.weight"] = (h, h)
            e[p + f"self_attn.{proj}.bias"] = (h,)
        e.update({
            p + "layer_norm1.weight": (h,), p + "layer_norm1.bias": (h,),
            p + "layer_norm2.weight": (h,), p + "layer_norm2.bias": (h,),
            p + "mlp.fc1.weight": (i, h), p + "mlp.fc1.bias": (i,),
            p + "mlp.fc2.weight": (h, i), p + "mlp.fc2.bias": (h,),
        })
    return e


def clip_text_expected(c: dict) -> Shapes:
    h = c["hidden_size"]
    e = clip_layers_expected("text_model.", h, c["intermediate_size"], c["num_hidden_layers"])
    e.update({
        "text_model.embeddings.token_embedding.weight": (c["vocab_size"], h),
        "text_model.embeddings.position_embedding.weight": (c["max_position_embeddings"], h),
        "text_model.final_layer_norm.weight": (h,), "text_model.final_layer_norm.bias": (h,),
        "text_projection.weight": (c["projection_dim"], h),
    })
    return e


def clip_vision_expected(c: dict) -> Shapes:
    h, p = c["hidden_size"], c["patch_size"]
    n_pos = (c["image_size"] // p) ** 2 + 1
    e = clip_layers_expected("vision_model.", h, c["intermediate_size"], c["num_hidden_layers"])
    e.update({
        "vision_model.embeddings.class_embedding": (h,),
        "vision_model.embeddings.patch_embedding.weight": (h, c["num_channels"], p, p),
        "vision_model.embeddings.position_embedding.weight": (n_pos, h),
        "vision_model.pre_layrnorm.weight": (h,), "vision_model.pre_layrnorm.bias": (h,),
    })
    return e


def convert_clip(folder: str) -> Tuple[dict, dict, Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
    hf = read_json(os.path.join(folder, "config.json"), "clip")
    proj = int(hf.get("projection_dim", 768))
    tc = clip_text_config(hf.get("text_config") or {}, proj)
    vc = clip_vision_config(hf.get("vision_config") or {})
    sd = load_hf_weights(folder, "clip")
    text_e, vis_e = clip_text_expected(tc), clip_vision_expected(vc)
    h = vc["hidden_size"]
    unused: Shapes = {
        "vision_model.post_layernorm.weight": (h,), "vision_model.post_layernorm.bias": (h,),
        "visual_projection.weight": (proj, h), "logit_scale": (),
    }
    # Some exports keep the non-persistent position_ids buffers; they are derived, not learned.
    for k in ("text_model.embeddings.position_ids", "vision_model.embeddings.position_ids"):
        if k in sd:
            unused[k] = tuple(sd[k].shape)
    check_keys("clip", sd, text_e | vis_e | unused)
    return tc, vc, {k: sd[k] for k in text_e}, {k: sd[k] for k in vis_e}


def vae_config(hf: dict) -> dict:
    return {
        "in_channels": int(hf.get("in_channels", 3)),
        "out_channels": int(hf.get("out_channels", 3)),
        "latent_channels": int(hf.get("latent_channels", 4)),
        "block_out_channels": [int(x) for x in hf.get("block_out_channels", [128, 256, 512, 512])],
        "layers_per_block": int(hf.get("layers_per_block", 2)),
        "norm_num_groups": int(hf.get("norm_num_groups", 32)),
        "scaling_factor": float(hf.get("scaling_factor", 0.13025)),
        "shift_factor": float(hf.get("shift_factor") or 0.0),
        "use_quant_conv": bool(hf.get("use_quant_conv", True)),
        "use_post_quant_conv": bool(hf.get("use_post_quant_conv", True)),
        "mid_block_add_attention": bool(hf.get("mid_block_add_attention", True)),
    }


def vae_expected(c: dict) -> Shapes:
    e: Shapes = {}

    def conv(name: str, o: int, i: int, k: int) -> None:
        e[name + ".weight"] = (o, i, k, k)
        e[name + ".bias"] = (o,)

    def norm(name: str, ch: int) -> None:
        e[name + ".weight"] = (ch,)
        e[name + ".bias"] = (ch,)

    def resnet(name: str, i: int, o: int) -> None:
        norm(name + ".norm1", i); conv(name + ".conv1", o, i, 3)
        norm(name + ".norm2", o); conv(name + ".conv2", o, o, 3)
        if i != o:
            conv(name + ".conv_shortcut", o, i, 1)

    def mid(name: str, ch: int) -> None:
        resnet(name + ".resnets.0", ch, ch)
        if c["mid_block_add_attention"]:
            a = name + ".attentions.0"
            norm(a + ".group_norm", ch)
            for p in ("to_q", "to_k", "to_v", "to_out.0"):
                e[f"{a}.{p}.weight"] = (ch, ch)
                e[f"{a}.{p}.bias"] = (ch,)
        resnet(name + ".resnets.1", ch, ch)

    ch, lat, L = c["block_out_channels"], c["latent_channels"], c["layers_per_block"]
    conv("encoder.conv_in", ch[0], c["in_channels"], 3)
    prev = ch[0]
    for b, o in enumerate(ch):
        for r in range(L):
            resnet(f"encoder.down_blocks.{b}.resnets.{r}", prev if r == 0 else o, o)
        prev = o
        if b != len(ch) - 1:
            conv(f"encoder.down_blocks.{b}.downsamplers.0.conv", o, o, 3)
    mid("encoder.mid_block", ch[-1])
    norm("encoder.conv_norm_out", ch[-1])
    conv("encoder.conv_out", 2 * lat, ch[-1], 3)
    conv("decoder.conv_in", ch[-1], lat, 3)
    mid("decoder.mid_block", ch[-1])
    rev = list(reversed(ch))
    prev = rev[0]
    for b, o in enumerate(rev):
        for r in range(L + 1):
            resnet(f"decoder.up_blocks.{b}.resnets.{r}", prev if r == 0 else o, o)
        prev = o
        if b != len(ch) - 1:
            conv(f"decoder.up_blocks.{b}.upsamplers.0.conv", o, o, 3)
    norm("decoder.conv_norm_out", ch[0])
    conv("decoder.conv_out", c["out_channels"], ch[0], 3)
    if c["use_quant_conv"]:
        conv("quant_conv", 2 * lat, 2 * lat, 1)
    if c["use_post_quant_conv"]:
        conv("post_quant_conv", lat, lat, 1)
    return e


def convert_vae(folder: str) -> Tuple[dict, Dict[str, torch.Tensor]]:
    cfg = vae_config(read_json(os.path.join(folder, "config.json"), "vae"))
    sd = load_hf_weights(folder, "vae")
    # Old exports name the mid-block attention query/key/value/proj_attn; map them to to_q/to_k/to_v/to_out.0.
    legacy = {"query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"}
    fixed = {}
    for k, v in sd.items():
        parts = k.split(".")
        if len(parts) >= 2 and "attentions" in parts and parts[-2] in legacy:
            k = ".".join(parts[:-2] + [legacy[parts[-2]], parts[-1]])
        if v.dim() == 4 and k.endswith(".weight") and ".attentions." in k:
            v = v[:, :, 0, 0]  # 1x1 conv attention weights in very old exports
        fixed[k] = v
    check_keys("vae", fixed, vae_expected(cfg))
    return cfg, fixed


# ----------------------------------------------------------------------------------------------------
# Driver


def cast_all(sd: Mapping[str, torch.Tensor], dtype: torch.dtype) -> Dict[str, torch.Tensor]:
    return {k: v.detach().to(dtype).contiguous() for k, v in sd.items()}


def copy_tokenizers(gemma: str, clip: str, out: str) -> None:
    g = os.path.join(out, "tokenizer", "gemma")
    c = os.path.join(out, "tokenizer", "clip")
    os.makedirs(g, exist_ok=True)
    os.makedirs(c, exist_ok=True)
    found = False
    for name in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json"):
        src = os.path.join(gemma, name)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(g, name))
            found = found or name != "tokenizer_config.json"
    if not found:
        raise ConversionError(f"gemma: no tokenizer.json or tokenizer.model in {gemma}")
    for name in ("vocab.json", "merges.txt"):
        src = os.path.join(clip, name)
        if not os.path.exists(src):
            raise ConversionError(f"clip: missing {name} in {clip}")
        shutil.copyfile(src, os.path.join(c, name))


def load_official(ckpt: str, model_args_path: str) -> Tuple[Dict[str, torch.Tensor], object]:
    torch.serialization.add_safe_globals([argparse.Namespace])
    try:
        args = torch.load(model_args_path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a bad input file
        raise ConversionError(f"model_args: cannot load {model_args_path}: {e}") from e
    try:
        sd = torch.load(ckpt, map_location="cpu", weights_only=True, mmap=True)
    except Exception as e:  # noqa: BLE001
        raise ConversionError(f"dit: cannot load {ckpt}: {e}") from e
    if not isinstance(sd, dict):
        raise ConversionError(f"dit: {ckpt} does not hold a state dict")
    # FSDP/DDP exports sometimes prefix keys; the official file does not, but accept "module."/"model.".
    for pre in ("module.", "_orig_mod."):
        if sd and all(k.startswith(pre) for k in sd):
            sd = {k[len(pre):]: v for k, v in sd.items()}
    return sd, args


def convert(ckpt: str, model_args: str, gemma: str, clip: str, vae: str, out: str, dtype: str,
            name: str = "pixwizard-official") -> dict:
    if dtype not in DTYPES:
        raise ConversionError(f"dtype must be one of {sorted(DTYPES)}, not {dtype}")
    td = DTYPES[dtype]
    vcfg, vsd = convert_vae(vae)
    tcfg, vscfg, tsd, vssd = convert_clip(clip)
    gcfg, gsd = convert_gemma(gemma)
    dsd, args = load_official(ckpt, model_args)
    n_tok = (vscfg["image_size"] // vscfg["patch_size"]) ** 2
    dcfg = dit_config_from(dsd, args, vcfg["latent_channels"], n_tok)
    dcfg["sample_tokens"] = min(dcfg["sample_tokens"], n_tok)
    check_keys("dit", dsd, dit_expected(dcfg))
    for what, got, want in (("cap_feat_dim", dcfg["cap_feat_dim"], gcfg["hidden_size"]),
                            ("clip_text_dim", dcfg["clip_text_dim"], tcfg["projection_dim"]),
                            ("image_feat_dim", dcfg["image_feat_dim"], vscfg["hidden_size"])):
        if got != want:
            raise ConversionError(f"dit: {what} {got} does not match the encoder ({want})")
    vae_mode = str(getattr(args, "vae", "sdxl"))
    if vae_mode != "sdxl":
        raise ConversionError(f"model_args.vae is {vae_mode!r}; only the SDXL VAE release is supported")

    os.makedirs(out, exist_ok=True)
    save_file(cast_all(vsd, td), os.path.join(out, "vae.safetensors"))
    save_file(cast_all(tsd, td), os.path.join(out, "clip_text.safetensors"))
    save_file(cast_all(vssd, td), os.path.join(out, "clip_vision.safetensors"))
    save_file(cast_all(gsd, td), os.path.join(out, "gemma.safetensors"))
    del gsd
    save_file(cast_all(dsd, td), os.path.join(out, "dit.safetensors"))
    copy_tokenizers(gemma, clip, out)
    config = {
        "family": "pixwizard-official",
        "name": name,
        "dtype": dtype,
        "dit": dcfg,
        "gemma": gcfg,
        "clip_text": tcfg,
        "clip_vision": vscfg,
        "vae": vcfg,
        "defaults": {"steps": 59, "text_guidance": 4.0, "image_guidance": 1.0, "time_shift": 1.0,
                     "resolution": 768, "resolutions": [512, 768, 1024], "seed": 3400},
    }
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as fh:
        json.dump(config, fh, indent=1)
    return config


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--model-args", required=True)
    ap.add_argument("--gemma", required=True)
    ap.add_argument("--clip", required=True)
    ap.add_argument("--vae", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="bf16", choices=sorted(DTYPES))
    ap.add_argument("--name", default="pixwizard-official")
    a = ap.parse_args(argv)
    try:
        cfg = convert(a.ckpt, a.model_args, a.gemma, a.clip, a.vae, a.out, a.dtype, a.name)
    except ConversionError as e:
        print(f"convert_official: error: {e}", file=sys.stderr)
        return 2
    d = cfg["dit"]
    print(f"convert_official: wrote {a.out} ({a.dtype}): dit dim={d['dim']} layers={d['n_layers']} "
          f"heads={d['n_heads']}/{d['n_kv_heads']}, gemma layers={cfg['gemma']['feature_layers']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
