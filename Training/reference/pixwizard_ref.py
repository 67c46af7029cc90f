"""PyTorch reference of PixWizard's DiT and its rectified-flow sampler.

Written by this project from ../../shared/design/pixwizard-reference.md (§1.4-§1.9, §2) and checked,
read-only, against the official `models/model.py` of github AFeng-x/PixWizard (HEAD cb39454): the
module tree and state-dict key names, patchify (c, ph, pw) / unpatchify (ph, pw, c) orders, the 2D RoPE
table (interleaved row/col pairs, f_k = theta^(-4k/head_dim)), the LayerNorm qk-norm over the whole
projection, the dynamic sampler (in_conv / local-global split / out_conv, Gumbel top-k), the gated
image and text cross-attentions (SDPA default scale, no RoPE on their keys, the rotated q reused), the
scale-only tanh-gated adaLN, the final layer (LayerNorm eps 1e-6 without affine) and the three-branch
CFG on the first three channels.

It is a proper batched, differentiable nn.Module (the pixwizard-mini trainer trains it) and the source
of the Swift engine's parity fixtures (Training/fixtures/make_dit.py).

Config keys (also the `dit` object of every model's config.json and the Swift `DiTConfig`):
    patch_size, in_channels, dim, n_layers, n_heads, n_kv_heads, multiple_of, ffn_dim_multiplier,
    norm_eps, learn_sigma, qk_norm, cap_feat_dim, clip_text_dim, image_feat_dim, image_tokens,
    sample_tokens, rope_theta, cfg_channels
`sample_tokens == 0` removes the image cross-attention and the dynamic sampler modules (and their
keys) from every block; the global semantic embedder stays.

Deviations from the official code, all deliberate:
- dynamic-sampler selection defaults to "topk" of the scorer logits (deterministic); "gumbel" adds
  the official Gumbel(0,1) noise drawn from a caller-supplied torch.Generator.
- an image-dropped element is recognised per batch element (all its semantic tokens are exactly 0),
  as the official code does, but without a Python loop over the batch for the other elements.
- in training mode the kept tokens carry the official straight-through factor
  (y_hard - y_soft.detach() + y_soft); in eval mode they are gathered with factor exactly 1.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Tuple, cast

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG_KEYS = (
    "patch_size", "in_channels", "dim", "n_layers", "n_heads", "n_kv_heads", "multiple_of",
    "ffn_dim_multiplier", "norm_eps", "learn_sigma", "qk_norm", "cap_feat_dim", "clip_text_dim",
    "image_feat_dim", "image_tokens", "sample_tokens", "rope_theta", "cfg_channels",
)

# The official release: PixWizard_2B_GQA_patch2 (reference §2.1).
OFFICIAL_2B: Dict[str, Any] = dict(
    patch_size=2, in_channels=4, dim=2304, n_layers=24, n_heads=32, n_kv_heads=8, multiple_of=256,
    ffn_dim_multiplier=None, norm_eps=1e-5, learn_sigma=True, qk_norm=True, cap_feat_dim=2048,
    clip_text_dim=768, image_feat_dim=1024, image_tokens=576, sample_tokens=256, rope_theta=10000.0,
    cfg_channels=3,
)


def ffn_hidden_dim(dim: int, multiple_of: int, ffn_dim_multiplier: Optional[float]) -> int:
    """SwiGLU hidden size exactly as the official FeedForward: int(2*4*dim/3), multiplier, round up."""
    hidden = int(2 * (4 * dim) / 3)
    if ffn_dim_multiplier is not None:
        hidden = int(ffn_dim_multiplier * hidden)
    return multiple_of * ((hidden + multiple_of - 1) // multiple_of)


class RMSNorm(nn.Module):
    """x * rsqrt(mean(x^2) + eps) * weight, computed in fp32 (official vanilla RMSNorm)."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xf = x.float()
        out = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return out.type_as(x) * self.weight


def timestep_embedding(t: torch.Tensor, dim: int = 256, max_period: float = 10000.0) -> torch.Tensor:
    """[B] raw t in [0,1] -> [B, dim] as [cos, sin] (GLIDE/DiT order), freqs exp(-ln(P)*k/half)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None].to(t.device)
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


class TimestepEmbedder(nn.Module):
    def __init__(self, hidden: int, freq_dim: int = 256):
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.mlp(timestep_embedding(t, self.freq_dim))


def rope_angles(head_dim: int, rows: int, cols: int, theta: float = 10000.0) -> Tuple[torch.Tensor, torch.Tensor]:
    """cos/sin tables [rows*cols, head_dim/2] for the official 2D RoPE.

    Complex pair p = 2k is rotated by row*f_k, pair 2k+1 by col*f_k, f_k = 1/theta^(4k/head_dim),
    k = 0..head_dim/4-1; tokens in row-major (row, col) order. Angles are fp32 products as in torch.polar.
    """
    assert head_dim % 4 == 0, "2D RoPE needs head_dim divisible by 4"
    freqs = 1.0 / (theta ** (torch.arange(0, head_dim, 4)[: head_dim // 4].float() / head_dim))  # [hd/4]
    r = torch.arange(rows, dtype=torch.float32)
    c = torch.arange(cols, dtype=torch.float32)
    ang_r = torch.outer(r, freqs)  # [rows, hd/4]
    ang_c = torch.outer(c, freqs)  # [cols, hd/4]
    ang = torch.stack([ang_r[:, None, :].expand(rows, cols, -1), ang_c[None, :, :].expand(rows, cols, -1)], dim=-1)
    ang = ang.reshape(rows * cols, head_dim // 2)  # [N, hd/2] interleaved (row f0, col f0, row f1, ...)
    return torch.cos(ang), torch.sin(ang)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x [B, N, H, hd]; pairs (x[2p], x[2p+1]) times e^{i*angle[n, p]}."""
    xf = x.float().reshape(*x.shape[:-1], -1, 2)
    a, b = xf[..., 0], xf[..., 1]  # [B, N, H, hd/2]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    out = torch.stack([a * c - b * s, a * s + b * c], dim=-1).flatten(-2)
    return out.type_as(x)


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, n_rep: int, scale: float,
            key_mask: Optional[torch.Tensor]) -> torch.Tensor:
    """q [B, N, H, hd], k/v [B, M, Hkv, hd] (kv head j serves q heads j*n_rep..), key_mask [B, M] bool.

    Returns [B, N, H, hd]. Every row of key_mask must keep at least one key.
    """
    if n_rep > 1:
        k = k.repeat_interleave(n_rep, dim=2)
        v = v.repeat_interleave(n_rep, dim=2)
    mask = None
    if key_mask is not None:
        mask = key_mask[:, None, None, :]  # [B, 1, 1, M]
    out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                         attn_mask=mask, scale=scale)
    return out.transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim: int, n_heads: int, n_kv_heads: int, qk_norm: bool, y_dim: int, image_xattn: bool):
        super().__init__()
        self.n_heads, self.n_kv_heads = n_heads, n_kv_heads
        self.n_rep = n_heads // n_kv_heads
        self.head_dim = dim // n_heads
        kv = n_kv_heads * self.head_dim
        self.wq = nn.Linear(dim, n_heads * self.head_dim, bias=False)
        self.wk = nn.Linear(dim, kv, bias=False)
        self.wv = nn.Linear(dim, kv, bias=False)
        self.image_xattn = image_xattn
        if image_xattn:
            self.wk_ii = nn.Linear(dim, kv, bias=False)
            self.wv_ii = nn.Linear(dim, kv, bias=False)
            self.gate_for_ii = nn.Parameter(torch.zeros(n_heads))
        self.wk_y = nn.Linear(y_dim, kv, bias=False)
        self.wv_y = nn.Linear(y_dim, kv, bias=False)
        self.gate = nn.Parameter(torch.zeros(n_heads))
        self.wo = nn.Linear(n_heads * self.head_dim, dim, bias=False)
        self.q_norm: nn.Module
        self.k_norm: nn.Module
        self.ky_norm: nn.Module
        self.kii_norm: nn.Module
        if qk_norm:
            self.q_norm = nn.LayerNorm(n_heads * self.head_dim)
            self.k_norm = nn.LayerNorm(kv)
            if image_xattn:
                self.kii_norm = nn.LayerNorm(kv)
            self.ky_norm = nn.LayerNorm(kv)
        else:
            self.q_norm = self.k_norm = self.ky_norm = nn.Identity()
            if image_xattn:
                self.kii_norm = nn.Identity()

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, scale: float,
                y: torch.Tensor, y_mask: torch.Tensor, img: Optional[torch.Tensor],
                taps: Optional[Dict[str, torch.Tensor]] = None, prefix: str = "") -> torch.Tensor:
        """x [B, N, dim] (modulated), y [B, L, y_dim] (RMS-normed text), img [B, S, dim] (normed tokens)."""
        B, N, _ = x.shape
        hd = self.head_dim
        q = self.q_norm(self.wq(x)).view(B, N, self.n_heads, hd)      # [B, N, H, hd]
        k = self.k_norm(self.wk(x)).view(B, N, self.n_kv_heads, hd)   # [B, N, Hkv, hd]
        v = self.wv(x).view(B, N, self.n_kv_heads, hd)                # [B, N, Hkv, hd]
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        out = _attend(q, k, v, self.n_rep, scale, None)               # [B, N, H, hd]
        if taps is not None:
            taps[prefix + "q_rope"] = q.flatten(2)
            taps[prefix + "k_rope"] = k.flatten(2)
            taps[prefix + "self_out"] = out.flatten(2)
        xscale = 1.0 / math.sqrt(hd)
        if self.image_xattn and img is not None:
            ki = self.kii_norm(self.wk_ii(img)).view(B, -1, self.n_kv_heads, hd)  # [B, S, Hkv, hd]
            vi = self.wv_ii(img).view(B, -1, self.n_kv_heads, hd)
            oi = _attend(q, ki, vi, self.n_rep, xscale, None)
            if taps is not None:
                taps[prefix + "img_out"] = oi.flatten(2)
            out = out + oi * torch.tanh(self.gate_for_ii).view(1, 1, -1, 1)
        ky = self.ky_norm(self.wk_y(y)).view(B, -1, self.n_kv_heads, hd)    # [B, L, Hkv, hd]
        vy = self.wv_y(y).view(B, -1, self.n_kv_heads, hd)
        oy = _attend(q, ky, vy, self.n_rep, xscale, y_mask)
        if taps is not None:
            taps[prefix + "txt_out"] = oy.flatten(2)
        out = out + oy * torch.tanh(self.gate).view(1, 1, -1, 1)
        return self.wo(out.flatten(2))


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class TransformerBlock(nn.Module):
    def __init__(self, cfg: Dict[str, Any]):
        super().__init__()
        dim = int(cfg["dim"]); eps = float(cfg["norm_eps"])
        ada = min(dim, 1024)
        self.dim = dim
        self.sample_tokens = int(cfg["sample_tokens"])
        self.image_xattn = self.sample_tokens > 0
        self.attention = Attention(dim, int(cfg["n_heads"]), int(cfg["n_kv_heads"]), bool(cfg["qk_norm"]),
                                   int(cfg["cap_feat_dim"]), self.image_xattn)
        self.feed_forward = FeedForward(dim, ffn_hidden_dim(dim, int(cfg["multiple_of"]), cfg["ffn_dim_multiplier"]))
        self.attention_norm1 = RMSNorm(dim, eps)
        self.ffn_norm1 = RMSNorm(dim, eps)
        self.attention_norm2 = RMSNorm(dim, eps)
        self.ffn_norm2 = RMSNorm(dim, eps)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(ada, 4 * dim))
        self.attention_y_norm = RMSNorm(int(cfg["cap_feat_dim"]), eps)
        if self.image_xattn:
            self.y_pool_proj = nn.Linear(ada, dim, bias=False)
            self.input_image_proj = nn.Linear(int(cfg["image_feat_dim"]), dim, bias=False)
            self.attention_input_norm = RMSNorm(dim, eps)
            self.in_conv = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU())
            self.out_conv = nn.Sequential(nn.Linear(dim, dim // 2), nn.GELU(), nn.Linear(dim // 2, dim // 4), nn.GELU(),
                                          nn.Linear(dim // 4, 1))

    def select_tokens(self, feats: torch.Tensor, task_emb: torch.Tensor, dropped: torch.Tensor,
                      selection: str, generator: Optional[torch.Generator],
                      taps: Optional[Dict[str, torch.Tensor]] = None, prefix: str = "") -> torch.Tensor:
        """Task-aware dynamic sampler. feats [B, T, image_feat_dim], task_emb [B, ada], dropped [B] bool.

        Returns the normed kept tokens [B, S, dim] in original token order (zeros for dropped elements).
        """
        xp = self.input_image_proj(feats)                                   # [B, T, dim]
        z = self.in_conv(xp + self.y_pool_proj(task_emb)[:, None, :])      # [B, T, dim]
        h = self.dim // 2
        z = torch.cat([z[..., :h], z[..., h:].mean(dim=1, keepdim=True).expand(-1, z.shape[1], -1)], dim=-1)
        s = self.out_conv(z).squeeze(-1)                                    # [B, T] scorer logits
        T = s.shape[1]
        S = min(self.sample_tokens, T)
        noisy = s
        if selection == "gumbel":
            e = torch.empty(s.shape, dtype=s.dtype).exponential_(generator=generator).to(s.device)
            noisy = s + (-e.log())
        elif selection != "topk":
            raise ValueError(f"selection must be 'topk' or 'gumbel', got {selection!r}")
        idx = noisy.topk(S, dim=1).indices.sort(dim=1).values                # [B, S] kept, original order
        sel = xp.gather(1, idx[:, :, None].expand(-1, -1, self.dim))        # [B, S, dim]
        if self.training and torch.is_grad_enabled():
            y_soft = (noisy / 5.0).softmax(dim=1).gather(1, idx)           # [B, S], tau = 5 (official)
            sel = sel * (1.0 - y_soft.detach() + y_soft)[:, :, None]
        sel = torch.where(dropped[:, None, None], torch.zeros_like(sel), sel)
        if taps is not None:
            taps[prefix + "scores"] = s
            taps[prefix + "selected_idx"] = idx
        return self.attention_input_norm(sel)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, scale: float, y: torch.Tensor,
                y_mask: torch.Tensor, adaln: torch.Tensor, task_emb: torch.Tensor, feats: torch.Tensor,
                dropped: torch.Tensor, selection: str, generator: Optional[torch.Generator],
                taps: Optional[Dict[str, torch.Tensor]] = None, prefix: str = "") -> torch.Tensor:
        scale_msa, gate_msa, scale_mlp, gate_mlp = self.adaLN_modulation(adaln).chunk(4, dim=1)  # [B, dim] x4
        img = None
        if self.image_xattn:
            img = self.select_tokens(feats, task_emb, dropped, selection, generator, taps, prefix)
        a_in = self.attention_norm1(x) * (1 + scale_msa[:, None, :])
        a = self.attention(a_in, cos, sin, scale, self.attention_y_norm(y), y_mask, img, taps, prefix + "attn.")
        x = x + torch.tanh(gate_msa)[:, None, :] * self.attention_norm2(a)
        if taps is not None:
            taps[prefix + "attn_out"] = a
            taps[prefix + "after_attn"] = x
        f = self.feed_forward(self.ffn_norm1(x) * (1 + scale_mlp[:, None, :]))
        x = x + torch.tanh(gate_mlp)[:, None, :] * self.ffn_norm2(f)
        if taps is not None:
            taps[prefix + "out"] = x
        return x


class FinalLayer(nn.Module):
    def __init__(self, dim: int, out_dim: int):
        super().__init__()
        self.norm_final = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(dim, out_dim)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(min(dim, 1024), dim))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        scale = self.adaLN_modulation(c)
        return self.linear(self.norm_final(x) * (1 + scale[:, None, :]))


class PixWizardDiT(nn.Module):
    """PixWizard's DiT. forward(...) -> [B, C*(2 if learn_sigma else 1), H, W]; callers keep [:, :C]."""

    def __init__(self, **config: Any):
        super().__init__()
        unknown = set(config) - set(CONFIG_KEYS)
        missing = set(CONFIG_KEYS) - set(config)
        if unknown or missing:
            raise ValueError(f"DiT config: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
        self.config = dict(config)
        c = self.config
        self.patch_size = int(c["patch_size"]); self.in_channels = int(c["in_channels"])
        self.dim = int(c["dim"]); self.n_heads = int(c["n_heads"]); self.n_kv_heads = int(c["n_kv_heads"])
        self.head_dim = self.dim // self.n_heads
        if self.dim % self.n_heads or self.n_heads % self.n_kv_heads or self.head_dim % 4:
            raise ValueError("dim % n_heads, n_heads % n_kv_heads and head_dim % 4 must be 0")
        self.learn_sigma = bool(c["learn_sigma"])
        self.out_channels = self.in_channels * (2 if self.learn_sigma else 1)
        self.sample_tokens = int(c["sample_tokens"])
        self.rope_theta = float(c["rope_theta"])
        self.cfg_channels = int(c["cfg_channels"])
        ada = min(self.dim, 1024)
        p = self.patch_size
        self.x_embedder = nn.Linear(p * p * self.in_channels * 2, self.dim)
        self.t_embedder = TimestepEmbedder(ada)
        self.task_embedder = nn.Sequential(nn.LayerNorm(int(c["clip_text_dim"])), nn.Linear(int(c["clip_text_dim"]), ada))
        self.global_semantic_embedder = nn.Sequential(nn.LayerNorm(int(c["image_feat_dim"])),
                                                      nn.Linear(int(c["image_feat_dim"]), ada))
        self.layers = nn.ModuleList([TransformerBlock(c) for _ in range(int(c["n_layers"]))])
        self.final_layer = FinalLayer(self.dim, p * p * self.out_channels)
        self.pad_token = nn.Parameter(torch.zeros(self.dim))
        self.init_weights("official")

    def blocks(self) -> List[TransformerBlock]:
        return [cast(TransformerBlock, l) for l in self.layers]

    # ---- initialisation -------------------------------------------------------------------------
    @torch.no_grad()
    def init_weights(self, mode: str = "official", generator: Optional[torch.Generator] = None,
                     std: float = 0.02) -> None:
        """'official': the official init (xavier linears, zero adaLN / embedder-out / gates / final).
        'live': seeded N(0, std) for every weight with norms near 1 and non-zero gates, so that every
        conditioning path is live (fixtures)."""
        if mode == "official":
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight, generator=generator)
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
                elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
                    nn.init.ones_(m.weight); nn.init.zeros_(m.bias)
                elif isinstance(m, RMSNorm):
                    nn.init.ones_(m.weight)
            for lin in [self.task_embedder[1], self.global_semantic_embedder[1], self.final_layer.linear,
                        self.final_layer.adaLN_modulation[1]] + [l.adaLN_modulation[1] for l in self.blocks()]:
                lin = cast(nn.Linear, lin)
                nn.init.zeros_(lin.weight); nn.init.zeros_(lin.bias)
            for l in self.blocks():
                nn.init.zeros_(l.attention.gate)
                if l.image_xattn:
                    nn.init.zeros_(cast(torch.Tensor, l.attention.gate_for_ii))
            for mlp_lin in (self.t_embedder.mlp[0], self.t_embedder.mlp[2]):
                nn.init.normal_(cast(nn.Linear, mlp_lin).weight, std=0.02, generator=generator)
            nn.init.normal_(self.pad_token, std=0.02, generator=generator)
        elif mode == "live":
            for name, prm in self.named_parameters():
                leaf = name.split(".")[-1]
                if leaf in ("gate", "gate_for_ii"):
                    prm.copy_(0.5 + 0.3 * torch.randn(prm.shape, generator=generator))
                elif prm.dim() == 2:
                    prm.copy_(torch.randn(prm.shape, generator=generator) / math.sqrt(prm.shape[1]))
                elif leaf == "weight":  # norm weights
                    prm.copy_(1.0 + 0.1 * torch.randn(prm.shape, generator=generator))
                else:  # biases, pad_token
                    prm.copy_(5 * std * torch.randn(prm.shape, generator=generator))
        else:
            raise ValueError(f"unknown init mode {mode!r}")

    # ---- embedding --------------------------------------------------------------------------------
    def patchify(self, x_t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W] x2 -> [B, N, p*p*2C] in (c, ph, pw) order, tokens row-major."""
        B, C, H, W = x_t.shape
        p = self.patch_size
        x = torch.cat([x_t, cond], dim=1)
        x = x.view(B, 2 * C, H // p, p, W // p, p).permute(0, 2, 4, 1, 3, 5)
        return x.reshape(B, (H // p) * (W // p), 2 * C * p * p)

    def unpatchify(self, x: torch.Tensor, H: int, W: int) -> torch.Tensor:
        """[B, N, p*p*Cout] in (ph, pw, c) order -> [B, Cout, H, W]."""
        B = x.shape[0]
        p = self.patch_size
        x = x.view(B, H // p, W // p, p, p, self.out_channels).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(B, self.out_channels, H, W)

    def adaln_input(self, t: torch.Tensor, task_emb_in: torch.Tensor, image_feats: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns (adaln [B, ada], task_emb [B, ada])."""
        task = self.task_embedder(task_emb_in)
        glob = self.global_semantic_embedder(image_feats.mean(dim=1))
        return self.t_embedder(t) + task + glob, task

    def attention_scale(self, n_tokens: int, base_tokens: Optional[int]) -> float:
        """Proportional attention: sqrt(log_base(N)/head_dim); base = N (default) gives 1/sqrt(head_dim)."""
        if base_tokens is None or base_tokens == n_tokens:
            return math.sqrt(1.0 / self.head_dim)
        if base_tokens <= 1:
            raise ValueError("base_tokens must be > 1")
        return math.sqrt(math.log(n_tokens, base_tokens) / self.head_dim)

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, cond: torch.Tensor, text_feats: torch.Tensor,
                text_mask: torch.Tensor, task_emb: torch.Tensor, image_feats: torch.Tensor,
                base_tokens: Optional[int] = None, selection: str = "topk",
                generator: Optional[torch.Generator] = None,
                taps: Optional[Dict[str, torch.Tensor]] = None) -> torch.Tensor:
        """x_t, cond [B, C, H, W]; t [B]; text_feats [B, L, cap_feat_dim]; text_mask [B, L] bool;
        task_emb [B, clip_text_dim]; image_feats [B, T, image_feat_dim] (all-zero element = dropped).
        taps: optional dict filled with named intermediates (fixtures / debugging)."""
        B, C, H, W = x_t.shape
        p = self.patch_size
        if C != self.in_channels or H % p or W % p:
            raise ValueError(f"x_t {tuple(x_t.shape)} does not fit in_channels {self.in_channels}, patch {p}")
        tok = self.patchify(x_t, cond)                                  # [B, N, p*p*2C]
        h = self.x_embedder(tok)                                        # [B, N, dim]
        N = h.shape[1]
        cos, sin = rope_angles(self.head_dim, H // p, W // p, self.rope_theta)
        cos, sin = cos.to(h.device), sin.to(h.device)
        scale = self.attention_scale(N, base_tokens)
        adaln, task = self.adaln_input(t, task_emb, image_feats)       # [B, ada] x2
        dropped = (image_feats == 0).flatten(1).all(dim=1)              # [B]
        if taps is not None:
            taps["x_embed"] = h
            taps["adaln"] = adaln
            taps["task_emb"] = task
            taps["t_emb"] = self.t_embedder(t)
        text_mask = text_mask.bool()
        for i, layer in enumerate(self.layers):
            h = layer(h, cos, sin, scale, text_feats, text_mask, adaln, task, image_feats, dropped, selection,
                      generator, taps, f"layers.{i}.")
        out = self.final_layer(h, adaln)                                # [B, N, p*p*Cout]
        if taps is not None:
            taps["final"] = out
        return self.unpatchify(out, H, W)                               # [B, Cout, H, W]


# ---- sampler reference ---------------------------------------------------------------------------

def timesteps(steps: int, shift: float = 1.0) -> torch.Tensor:
    """fp32 torch.linspace(0, 1, steps + 1), then t <- t / (t + s - s*t) when shift s != 1."""
    t = torch.linspace(0.0, 1.0, steps + 1, dtype=torch.float32)
    if shift != 1.0:
        t = t / (t + shift - shift * t)
    return t


def predicted_final(x_t: torch.Tensor, t: float | torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """x̂₁ = x_t + (1 - t) * v (the preview of the final sample)."""
    return x_t + (1.0 - t) * v


class Conditioning:
    """Per-request conditioning of the conditional branch (batch 1) plus the empty-prompt branch.

    cond [1, C, H, W] (structure latent), text/text_mask/task for the prompt and for "" (the
    empty-prompt features may have a different length L), image_feats [1, T, image_feat_dim]."""

    def __init__(self, cond: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor, task: torch.Tensor,
                 empty_text: torch.Tensor, empty_text_mask: torch.Tensor, empty_task: torch.Tensor,
                 image_feats: torch.Tensor):
        self.cond, self.text, self.text_mask, self.task = cond, text, text_mask, task
        self.empty_text, self.empty_text_mask, self.empty_task = empty_text, empty_text_mask, empty_task
        self.image_feats = image_feats


def _pad_text(a: torch.Tensor, am: torch.Tensor, L: int) -> Tuple[torch.Tensor, torch.Tensor]:
    if a.shape[1] == L:
        return a, am
    pad = L - a.shape[1]
    return (torch.cat([a, a.new_zeros(a.shape[0], pad, a.shape[2])], dim=1),
            torch.cat([am.bool(), am.new_zeros(am.shape[0], pad).bool()], dim=1))


def guided_velocity(model: PixWizardDiT, x: torch.Tensor, t: float | torch.Tensor, c: Conditioning, noise: torch.Tensor,
                    text_scale: float, image_scale: float, shortcut: bool = True,
                    base_tokens: Optional[int] = None, prediction: str = "velocity") -> torch.Tensor:
    """The official three-branch CFG, branches batched into one forward.

    prediction "velocity" (the official model): the DiT output is the velocity. "residual" (pixwizard-mini):
    the DiT output o is the clean sample's difference from a base — the condition latent in the branches
    that see the image, 0 in the uncond branch — and each branch's velocity is (base + o - x_t) / (1 - t)
    before guidance, so that an Euler step to t = 1 lands on base + o.

    Branches: cond = (prompt, image, cond latent), ii = ("", image, cond latent), uncond = ("", zero image,
    the initial noise as cond latent). v = u + s_img(i - u) + s_txt(c - i) on channels [0, cfg_channels);
    the other channels come from the cond branch. With image_scale == 1 and shortcut, the uncond branch
    cancels exactly and only two branches run: v = i + s_txt(c - i)."""
    C = model.in_channels
    nb = 2 if (shortcut and image_scale == 1.0) else 3
    L = max(c.text.shape[1], c.empty_text.shape[1])
    tx, tm = _pad_text(c.text, c.text_mask, L)
    ex, em = _pad_text(c.empty_text, c.empty_text_mask, L)
    xs = x.expand(nb, -1, -1, -1)
    conds = [c.cond, c.cond, noise][:nb]
    texts = [tx, ex, ex][:nb]
    masks = [tm, em, em][:nb]
    tasks = [c.task, c.empty_task, c.empty_task][:nb]
    imgs = [c.image_feats, c.image_feats, torch.zeros_like(c.image_feats)][:nb]
    tt = torch.full((nb,), float(t), dtype=torch.float32)
    out = model(xs, tt, torch.cat(conds), torch.cat(texts), torch.cat(masks), torch.cat(tasks), torch.cat(imgs),
                base_tokens=base_tokens)[:, :C]                          # [nb, C, H, W]
    if prediction == "residual":
        bases = torch.cat([c.cond, c.cond, torch.zeros_like(noise)][:nb])
        out = (bases + out - x) / (1 - float(t))
    elif prediction != "velocity":
        raise ValueError(f"unknown prediction {prediction!r}")
    k = model.cfg_channels
    if nb == 2:
        vc, vi = out[0:1], out[1:2]
        g = vi[:, :k] + text_scale * (vc[:, :k] - vi[:, :k])
    else:
        vc, vi, vu = out[0:1], out[1:2], out[2:3]
        g = vu[:, :k] + image_scale * (vi[:, :k] - vu[:, :k]) + text_scale * (vc[:, :k] - vi[:, :k])
    return torch.cat([g, vc[:, k:]], dim=1)


StepCallback = Callable[[int, float, torch.Tensor, torch.Tensor, torch.Tensor], None]


@torch.no_grad()
def sample(model: PixWizardDiT, noise: torch.Tensor, c: Conditioning, steps: int, text_scale: float = 4.0,
           image_scale: float = 1.0, solver: str = "euler", shift: float = 1.0, shortcut: bool = True,
           base_tokens: Optional[int] = None, callback: Optional[StepCallback] = None,
           prediction: str = "velocity") -> torch.Tensor:
    """Rectified flow from t=0 (noise) to t=1 (data) on timesteps(steps, shift). `prediction`: see
    guided_velocity.

    euler:    x <- x + dt * v(x, t_k)
    midpoint: x_mid = x + dt/2 * v(x, t_k);  x <- x + dt * v(x_mid, t_k + dt/2)   (torchdiffeq's midpoint)
    callback(step (1-based), t_k, x_t, v, x̂₁) after each step, with x_t and v the state and the first
    velocity of that step (x̂₁ = x_t + (1 - t_k) v)."""
    ts = timesteps(steps, shift)
    x = noise.clone()
    for k in range(steps):
        t0, t1 = ts[k], ts[k + 1]
        dt = t1 - t0
        v = guided_velocity(model, x, t0, c, noise, text_scale, image_scale, shortcut, base_tokens, prediction)
        if callback is not None:
            callback(k + 1, float(t0), x, v, predicted_final(x, t0, v))
        if solver == "euler":
            x = x + dt * v
        elif solver == "midpoint":
            half = 0.5 * dt
            xm = x + half * v
            vm = guided_velocity(model, xm, t0 + half, c, noise, text_scale, image_scale, shortcut, base_tokens,
                                 prediction)
            x = x + dt * vm
        else:
            raise ValueError(f"unknown solver {solver!r}")
    return x


def count_parameters(config: Dict[str, Any]) -> int:
    """Parameter count of a config without allocating its weights (meta device)."""
    with torch.device("meta"):
        m = PixWizardDiT(**config)
    return sum(p.numel() for p in m.parameters())


__all__: List[str] = ["PixWizardDiT", "OFFICIAL_2B", "CONFIG_KEYS", "ffn_hidden_dim", "timesteps", "sample",
                      "guided_velocity", "predicted_final", "Conditioning", "count_parameters", "rope_angles",
                      "apply_rope", "timestep_embedding"]
