"""pixwizard-mini = the project's PixWizard DiT (Training/reference/pixwizard_ref.py, no fork) in pixel
space at 64x64 + the tiny jointly trained image encoder + frozen MiniLM text features.
Shared by the trainer, the exporter and the evaluation harness."""
from __future__ import annotations

import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
for p in (HERE, os.path.join(HERE, "..", "reference")):
    if p not in sys.path:
        sys.path.insert(0, p)

from image_encoder import TinyImageEncoder  # noqa: E402
from instructions import all_strings, entries  # noqa: E402
from pixwizard_ref import PixWizardDiT  # noqa: E402
import taskworld as tw  # noqa: E402

# The shipped configuration (chosen by measurement, see docs/MODELS.md).
DIT_CONFIG = dict(
    patch_size=4, in_channels=3, dim=256, n_layers=8, n_heads=4, n_kv_heads=2, multiple_of=64,
    ffn_dim_multiplier=None, norm_eps=1e-5, learn_sigma=False, qk_norm=True, cap_feat_dim=384,
    clip_text_dim=384, image_feat_dim=256, image_tokens=64, sample_tokens=32, rope_theta=10000.0,
    cfg_channels=3,
)


def dit_config(sample_tokens: int) -> dict:
    return dict(DIT_CONFIG, sample_tokens=sample_tokens)


class MiniModel(nn.Module):
    """DiT + optional image encoder. Images in [-1, 1]. With no encoder (sample_tokens == 0) the
    DiT's image_feats are zeros (its global semantic embedder then contributes a constant)."""

    def __init__(self, cfg: dict):
        super().__init__()
        self.cfg = dict(cfg)
        # "prediction" (velocity | residual) is how the output is read, not a DiT hyper-parameter
        self.dit = PixWizardDiT(**{k: v for k, v in cfg.items() if k != "prediction"})
        self.enc = TinyImageEncoder(int(cfg["image_feat_dim"])) if int(cfg["sample_tokens"]) > 0 else None

    def image_feats(self, cond: torch.Tensor, drop: torch.Tensor | None = None) -> torch.Tensor:
        B = cond.shape[0]
        if self.enc is None:
            return cond.new_zeros(B, int(self.cfg["image_tokens"]), int(self.cfg["image_feat_dim"]))
        f = self.enc(cond)  # [B, 64, E]
        if drop is not None:
            f = torch.where(drop[:, None, None], torch.zeros_like(f), f)
        return f

    @property
    def prediction(self) -> str:
        return str(self.cfg.get("prediction", "velocity"))

    def forward(self, x_t, t, cond, text, mask, pooled, feats):
        return self.dit(x_t, t, cond, text, mask, pooled, feats)  # [B, 3, 64, 64] velocity or residual


class TextTable:
    """Precomputed MiniLM features for every instruction string (Training/data/text.pt)."""

    def __init__(self, path: str, device):
        d = torch.load(path, map_location="cpu")
        self.strings: list[str] = d["strings"]
        self.index = {s: i for i, s in enumerate(self.strings)}
        missing = [s for s in all_strings() if s not in self.index]
        if missing:
            raise RuntimeError(f"{path} was built from other instruction templates ({len(missing)} strings missing, "
                               f"e.g. {missing[0]!r}); rebuild it: python3 Training/mini/make_assets.py")
        off = d["offsets"]
        lens = off.diff()
        N, L = len(self.strings), int(lens.max())
        feats = torch.zeros(N, L, 384, dtype=torch.float32)
        mask = torch.zeros(N, L, dtype=torch.bool)
        for i in range(N):
            n = int(lens[i])
            feats[i, :n] = d["feats"][int(off[i]):int(off[i]) + n].float()
            mask[i, :n] = True
        self.feats, self.mask = feats.to(device), mask.to(device)  # [N, L, 384], [N, L]
        self.pooled = d["pooled"].float().to(device)  # [N, 384]
        self.empty = self.index[""]

    def get(self, idx: torch.Tensor):
        return self.feats[idx], self.mask[idx], self.pooled[idx]


class TaskSampler:
    """Draws mixed-task batches from the task world with instruction entries of one split."""

    def __init__(self, text: TextTable, split: str, device, photos: tw.PhotoBank | None):
        self.device, self.photos, self.text = device, photos, text
        self.tasks = list(tw.TASKS)
        self.ent = {}
        for t in self.tasks:
            es = entries(t, split)
            keys = sorted(es[0][1].keys())
            ids = torch.tensor([text.index[s] for s, _ in es], device=device)
            params = {k: torch.tensor([p[k] for _, p in es], device=device) for k in keys}
            self.ent[t] = (ids, params)

    def task_batch(self, task: str, n: int, gen: torch.Generator, sources=None, sigma=None):
        ids, params = self.ent[task]
        j = torch.randint(0, len(ids), (n,), generator=gen, device=self.device)
        p = {k: v[j] for k, v in params.items()}
        if sigma is not None:
            p["sigma"] = torch.full((n,), sigma, device=self.device)
        x, y, info = tw.make_task(task, p, n, gen, self.device, self.photos, sources=sources)
        return x, y, ids[j], info

    def batch(self, n_per_task: int, gen: torch.Generator, extra: dict[str, int] | None = None):
        """n_per_task samples of every task, plus extra[task] more of the named tasks."""
        xs, ys, ts, tids = [], [], [], []
        for k, t in enumerate(self.tasks):
            n = n_per_task + (extra or {}).get(t, 0)
            x, y, tid, _ = self.task_batch(t, n, gen)
            xs.append(x); ys.append(y); tids.append(tid)
            ts.append(torch.full((n,), k, device=self.device))
        return torch.cat(xs), torch.cat(ys), torch.cat(tids), torch.cat(ts)
