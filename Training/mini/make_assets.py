"""Builds the torch-loadable training assets under Training/data/ (git-ignored):
  photos.pt  {"train": uint8 [P,3,256,256], "eval": uint8 [Q,3,256,256], "train_names", "eval_names"}
  text.pt    {"strings": [...], "feats": fp16 [T,384] packed token features, "offsets": [N+1],
              "pooled": fp32 [N,384]} — MiniLM last hidden state and masked-mean + L2 sentence embedding
for every instruction string the trainer and the evaluation can produce (instructions.all_strings()).
Photos come from scikit-image, scikit-learn and matplotlib; coffee, rocket and chelsea are held out.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from instructions import all_strings  # noqa: E402
from minilm import MiniLM  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(ROOT, "Training", "data")
EVAL_PHOTOS = ["coffee", "rocket", "chelsea"]


def load_photos() -> dict[str, np.ndarray]:
    import skimage.data as sd
    from sklearn.datasets import load_sample_images
    from matplotlib import cbook
    from PIL import Image
    out = {}
    for n in ["astronaut", "immunohistochemistry", "hubble_deep_field", "coffee", "rocket", "chelsea",
              "brick", "grass", "gravel", "camera", "retina"]:
        out[n] = getattr(sd, n)()
    out["motorcycle"] = sd.stereo_motorcycle()[0]
    imgs = load_sample_images()
    for name, im in zip(imgs.filenames, imgs.images):
        out[os.path.splitext(os.path.basename(name))[0]] = im
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        out["grace_hopper"] = np.asarray(Image.open(f).convert("RGB"))
    return out


def to_square(im: np.ndarray, side=256) -> torch.Tensor:
    if im.ndim == 2:
        im = np.stack([im] * 3, -1)
    im = im[..., :3]
    h, w = im.shape[:2]
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    t = torch.from_numpy(np.ascontiguousarray(im[y0:y0 + s, x0:x0 + s])).permute(2, 0, 1)[None].float()
    t = F.interpolate(t, size=(side, side), mode="bilinear", antialias=True, align_corners=False)
    return t[0].round().clamp(0, 255).to(torch.uint8)


def main():
    os.makedirs(DATA, exist_ok=True)
    torch.set_num_threads(1)
    ph = load_photos()
    train_names = sorted(n for n in ph if n not in EVAL_PHOTOS)
    photos = {
        "train": torch.stack([to_square(ph[n]) for n in train_names]),
        "eval": torch.stack([to_square(ph[n]) for n in EVAL_PHOTOS]),
        "train_names": train_names, "eval_names": EVAL_PHOTOS,
    }
    torch.save(photos, os.path.join(DATA, "photos.pt"))
    print("photos:", train_names, "eval:", EVAL_PHOTOS)

    enc = MiniLM(os.path.join(ROOT, "Models", ".cache", "all-MiniLM-L6-v2"))
    strings = all_strings()
    feats, offsets, pooled = [], [0], []
    with torch.no_grad():
        for i in range(0, len(strings), 64):
            chunk = strings[i:i + 64]
            h, mask, p = enc.encode(chunk)
            for j in range(len(chunk)):
                n = int(mask[j].sum())
                feats.append(h[j, :n].half())
                offsets.append(offsets[-1] + n)
            pooled.append(p)
    text = {"strings": strings, "feats": torch.cat(feats), "offsets": torch.tensor(offsets),
            "pooled": torch.cat(pooled), "max_tokens": enc.max_tokens}
    torch.save(text, os.path.join(DATA, "text.pt"))
    lens = torch.tensor(offsets).diff()
    print(f"text: {len(strings)} strings, tokens max {int(lens.max())} mean {float(lens.float().mean()):.1f}, "
          f"{text['feats'].numel() * 2 / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
