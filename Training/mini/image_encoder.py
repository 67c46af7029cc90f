"""The pixwizard-mini semantic image encoder (trained jointly with the DiT), kept tiny so that the
Swift port is a few lines. Exact forward, for an input image x [B, 3, 64, 64] in [-1, 1]:

    p   = patchify(x, 8)          # [B, 64, 192]: tokens row-major over the 8x8 grid of 8x8 patches,
                                  #   each patch flattened in (c, ph, pw) order (index c*64 + ph*8 + pw)
    h   = p @ proj.weight^T + proj.bias + pos        # proj: Linear(192 -> E); pos: [64, E]
    out = LayerNorm(h; norm.weight, norm.bias, eps=1e-5)                      # [B, 64, E]

Keys in image_encoder.safetensors: proj.weight [E, 192], proj.bias [E], pos [64, E], norm.weight [E],
norm.bias [E]. The output feeds the DiT's `image_feats` (image_feat_dim = E, image_tokens = 64).
"""
from __future__ import annotations

import torch
import torch.nn as nn


class TinyImageEncoder(nn.Module):
    def __init__(self, dim: int = 256, patch: int = 8, size: int = 64, eps: float = 1e-5):
        super().__init__()
        self.patch, self.size = patch, size
        self.tokens = (size // patch) ** 2
        self.proj = nn.Linear(3 * patch * patch, dim)
        self.pos = nn.Parameter(torch.randn(self.tokens, dim) * 0.02)
        self.norm = nn.LayerNorm(dim, eps=eps)

    def patchify(self, x: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] -> [B, (H/p)*(W/p), 3*p*p] in (c, ph, pw) order, tokens row-major."""
        B, C, H, W = x.shape
        p = self.patch
        x = x.view(B, C, H // p, p, W // p, p).permute(0, 2, 4, 1, 3, 5)
        return x.reshape(B, (H // p) * (W // p), C * p * p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.proj(self.patchify(x)) + self.pos)  # [B, 64, E]

    def describe(self) -> dict:
        return {"kind": "patch_linear", "patch_size": self.patch, "image_size": self.size,
                "dim": self.proj.out_features, "tokens": self.tokens, "norm": "layernorm", "norm_eps": self.norm.eps,
                "patch_order": "c,ph,pw", "token_order": "row-major",
                "input": "image in [-1, 1], [3, 64, 64]", "weights": "image_encoder.safetensors",
                "forward": "LayerNorm(patchify(x) @ proj.weight^T + proj.bias + pos)"}
