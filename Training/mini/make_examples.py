"""Writes the demo's example images to Examples/ (64x64 PNGs, the mini model's resolution), made from
the held-out photos (never seen in training) and one procedural scene, with fixed seeds:
  rainy-coffee.png  (derain)   noisy-rocket.png (denoise, sigma 25/255)
  hazy-chelsea.png  (dehaze)   shapes.png       (grounding / editing / dense prediction)"""
from __future__ import annotations

import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import taskworld as tw  # noqa: E402
from make_assets import load_photos, to_square  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def crop(photo: torch.Tensor, y: int, x: int, side: int) -> torch.Tensor:
    """uint8 [3,256,256] -> float [1,3,64,64] crop of side px at (y, x), antialiased."""
    c = photo[:, y:y + side, x:x + side][None].float() / 255
    return torch.nn.functional.interpolate(c, size=(64, 64), mode="bilinear", antialias=True, align_corners=False)


def save(t: torch.Tensor, name: str) -> None:
    a = (t[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    Image.fromarray(a).save(os.path.join(ROOT, "Examples", name), optimize=True)


def main():
    torch.manual_seed(0)
    os.makedirs(os.path.join(ROOT, "Examples"), exist_ok=True)
    ph = load_photos()
    g = torch.Generator().manual_seed(1234)
    coffee = crop(to_square(ph["coffee"]), 60, 60, 128)
    save(tw.rain(coffee, g), "rainy-coffee.png")
    rocket = crop(to_square(ph["rocket"]), 100, 60, 128)
    save(tw.add_noise(rocket, torch.tensor([25 / 255]), g), "noisy-rocket.png")
    chelsea = crop(to_square(ph["chelsea"]), 50, 60, 128)
    save(tw.haze(chelsea, (0.3 + 0.7 * tw.smooth_field(1, g, "cpu")), g), "hazy-chelsea.png")
    sc = tw.sample_scene(1, g, "cpu", n_min=4, n_max=4)
    tw.set_object(sc, 0, torch.tensor([0]), torch.tensor([0]))  # guarantees "the red circle"
    save(tw.render(sc)["image"], "shapes.png")


if __name__ == "__main__":
    main()
