"""The pixwizard-mini task world: a procedural scene generator plus 17 image-to-image tasks over
PixWizard's seven domains (EVALUATION.md). Pure torch, vectorised over the batch and device-agnostic
(it runs on the GPU machine, which may lack numpy/scipy/skimage). Images are float tensors in [0, 1],
[B, 3, S, S] with S = 64.

A scene is a dict of tensors (background + K objects with shape, colour name, texture, position, size,
rotation and a random depth). `render` turns it into an image, an instance map, a class map and a depth
map. Depth is independent of the image row: objects get random depths and the background is a plane
tilted in a random direction.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

S = 64  # image side in pixels
K = 5  # max objects per scene

COLOURS = ["red", "green", "blue", "yellow", "purple", "orange"]
PALETTE = torch.tensor([  # [6, 3] RGB in [0, 1]
    [0.86, 0.10, 0.10],
    [0.10, 0.68, 0.20],
    [0.15, 0.25, 0.90],
    [0.95, 0.85, 0.10],
    [0.58, 0.18, 0.75],
    [1.00, 0.52, 0.05],
])
SHAPES = ["circle", "square", "triangle", "star", "cross"]
# semantic segmentation output colours: background + one per shape class
SEG_PALETTE = torch.tensor([  # [6, 3]
    [0.0, 0.0, 0.0],
    [1.0, 1.0, 1.0],
    [0.0, 1.0, 1.0],
    [1.0, 0.0, 1.0],
    [1.0, 1.0, 0.0],
    [0.0, 1.0, 0.0],
])
OVERLAY = {"red": (1.0, 0.0, 0.0), "green": (0.0, 1.0, 0.0), "blue": (0.0, 0.0, 1.0)}
OVERLAY_NAMES = list(OVERLAY)
POSITIONS = ["top left", "top right", "bottom left", "bottom right", "centre"]
POS_XY = torch.tensor([[16.0, 16.0], [48.0, 16.0], [16.0, 48.0], [48.0, 48.0], [32.0, 32.0]])  # [5, 2] (x, y)

TASKS = [
    "denoise", "deblur", "derain", "dehaze", "lowlight", "inpaint", "sr",
    "ground_mask", "ground_overlay",
    "depth", "edges", "segment",
    "recolour", "remove", "add",
    "edges2img", "text2img",
]
DOMAIN = {
    "denoise": "restoration", "deblur": "restoration", "derain": "restoration", "dehaze": "restoration",
    "lowlight": "restoration", "inpaint": "restoration", "sr": "restoration",
    "ground_mask": "grounding", "ground_overlay": "grounding",
    "depth": "dense", "edges": "dense", "segment": "dense",
    "recolour": "editing", "remove": "editing", "add": "editing",
    "edges2img": "controllable generation", "text2img": "text to image",
}


def _grid(device):
    c = torch.arange(S, device=device, dtype=torch.float32) + 0.5
    yy, xx = torch.meshgrid(c, c, indexing="ij")
    return xx, yy  # [S, S] each, pixel centres


def _u(gen, shape, lo, hi, device):
    return lo + (hi - lo) * torch.rand(shape, generator=gen, device=device)


# --------------------------------------------------------------------------------------------- scenes

def sample_scene(B: int, gen: torch.Generator, device, n_min: int = 3, n_max: int = 5) -> dict:
    """Random scenes. Objects sit in distinct cells of a jittered 3x3 grid (little overlap), so every
    object stays mostly visible; (colour, shape) pairs are made unique within a scene."""
    cells = torch.rand(B, 9, generator=gen, device=device).argsort(dim=1)[:, :K]  # [B, K]
    cx = (cells % 3).float() * (S / 3) + S / 6 + _u(gen, (B, K), -5, 5, device)
    cy = (cells // 3).float() * (S / 3) + S / 6 + _u(gen, (B, K), -5, 5, device)
    n = torch.randint(n_min, n_max + 1, (B, 1), generator=gen, device=device)
    present = torch.arange(K, device=device)[None, :] < n  # [B, K]
    shape = torch.randint(0, len(SHAPES), (B, K), generator=gen, device=device)
    colour = torch.randint(0, len(COLOURS), (B, K), generator=gen, device=device)
    sc = {
        "present": present,
        "shape": shape,
        "colour": colour,
        "cx": cx, "cy": cy,
        "r": _u(gen, (B, K), 7.0, 10.5, device),
        "rot": _u(gen, (B, K), 0, 2 * math.pi, device),
        "depth": _u(gen, (B, K), 0.1, 0.6, device),
        "tex": torch.randint(0, 4, (B, K), generator=gen, device=device),
        "tex_f": _u(gen, (B, K), 0.5, 1.2, device),
        "tex_a": _u(gen, (B, K), 0, math.pi, device),
        "jit": _u(gen, (B, K, 3), -0.06, 0.06, device),
        # background: two muted colours blended along a random direction, plus a soft texture
        "bg1": _u(gen, (B, 3), 0.25, 0.8, device),
        "bg2": _u(gen, (B, 3), 0.25, 0.8, device),
        "bg_dir": _u(gen, (B,), 0, 2 * math.pi, device),
        "bg_tex": torch.randint(0, 3, (B,), generator=gen, device=device),
        "bg_f": _u(gen, (B,), 0.15, 0.5, device),
        "bg_ph": _u(gen, (B,), 0, 2 * math.pi, device),
        # background depth plane tilted in a random direction (not tied to rows)
        "d0": _u(gen, (B,), 0.7, 0.85, device),
        "d_dir": _u(gen, (B,), 0, 2 * math.pi, device),
        "d_amp": _u(gen, (B,), 0.0, 0.15, device),
    }
    # desaturate backgrounds towards grey so that named colours stay salient
    g = 0.5 * (sc["bg1"] + sc["bg2"]).mean(1, keepdim=True)
    sc["bg1"] = g + 0.45 * (sc["bg1"] - g)
    sc["bg2"] = g + 0.45 * (sc["bg2"] - g)
    _make_unique(sc)
    return sc


def _make_unique(sc: dict) -> None:
    """Re-colour later objects whose (colour, shape) repeats an earlier present object's."""
    B = sc["shape"].shape[0]
    for k in range(1, K):
        for j in range(k):
            same = (sc["shape"][:, k] == sc["shape"][:, j]) & (sc["colour"][:, k] == sc["colour"][:, j])
            same = same & sc["present"][:, j]
            sc["colour"][:, k] = torch.where(same, (sc["colour"][:, k] + 1 + j) % len(COLOURS), sc["colour"][:, k])
    # a second pass cannot create new clashes often; drop any that remain (object k hidden)
    for k in range(1, K):
        for j in range(k):
            same = (sc["shape"][:, k] == sc["shape"][:, j]) & (sc["colour"][:, k] == sc["colour"][:, j])
            sc["present"][:, k] &= ~(same & sc["present"][:, j])
    del B


def set_object(sc: dict, k: int, colour: torch.Tensor, shape: torch.Tensor) -> None:
    """Force object k to (colour, shape) [B] and make every other object differ from it."""
    sc["present"][:, k] = True
    sc["colour"][:, k] = colour
    sc["shape"][:, k] = shape
    for j in range(K):
        if j == k:
            continue
        same = (sc["shape"][:, j] == shape) & (sc["colour"][:, j] == colour)
        sc["colour"][:, j] = torch.where(same, (colour + 1 + j % 5) % len(COLOURS), sc["colour"][:, j])
    # other objects may now clash among themselves; hide later duplicates (never object k)
    for a in range(K):
        for b in range(a):
            if a == k:
                continue
            same = (sc["shape"][:, a] == sc["shape"][:, b]) & (sc["colour"][:, a] == sc["colour"][:, b])
            sc["present"][:, a] &= ~(same & sc["present"][:, b])


def shape_mask(shape: torch.Tensor, cx, cy, r, rot, xx, yy) -> torch.Tensor:
    """Contract: shape/cx/cy/r/rot [B]; xx, yy [S, S] pixel centres -> bool mask [B, S, S]."""
    dx = xx[None] - cx[:, None, None]  # [B, S, S]
    dy = yy[None] - cy[:, None, None]
    c, s = torch.cos(rot)[:, None, None], torch.sin(rot)[:, None, None]
    u = dx * c + dy * s
    v = -dx * s + dy * c
    R = r[:, None, None]
    rho = torch.sqrt(u * u + v * v)
    phi = torch.atan2(v, u)
    circle = rho < R
    square = torch.maximum(u.abs(), v.abs()) < 0.8 * R
    tri = torch.ones_like(circle)
    for i in range(3):
        a = math.pi / 2 + i * 2 * math.pi / 3
        tri = tri & (u * math.cos(a) + v * math.sin(a) < 0.55 * R)
    fr = torch.frac(phi * 5 / (2 * math.pi) + 10.0)  # position inside one of 5 star sectors
    star = rho < R * (0.45 + 0.6 * (2 * (fr - 0.5).abs()))
    cross = ((u.abs() < 0.33 * R) & (v.abs() < R)) | ((v.abs() < 0.33 * R) & (u.abs() < R))
    allm = torch.stack([circle, square, tri, star, cross], 0)  # [5, B, S, S]
    return allm.gather(0, shape[None, :, None, None].expand(1, -1, S, S))[0]


def _texture(kind, f, a, ph, xx, yy):
    """kind/f/a/ph [B] -> pattern in [0, 1], [B, S, S]: 0 flat, 1 stripes, 2 checker, 3 dots."""
    t = xx[None] * torch.cos(a)[:, None, None] + yy[None] * torch.sin(a)[:, None, None]
    o = -xx[None] * torch.sin(a)[:, None, None] + yy[None] * torch.cos(a)[:, None, None]
    ff = f[:, None, None]
    stripes = 0.5 + 0.5 * torch.sin(t * ff + ph[:, None, None])
    checker = ((torch.sin(t * ff) * torch.sin(o * ff)) > 0).float()
    dots = ((torch.cos(t * ff * 1.4) + torch.cos(o * ff * 1.4)) > 1.0).float()
    flat = torch.full_like(stripes, 0.5)
    allp = torch.stack([flat, stripes, checker, dots], 0)  # [4, B, S, S]
    return allp.gather(0, kind[None, :, None, None].expand(1, -1, S, S))[0]


def render(sc: dict) -> dict:
    """Scene -> {"image" [B,3,S,S] in [0,1], "inst" [B,S,S] long (0 = background, k+1 = object k),
    "cls" [B,S,S] long (0 = background, shape+1), "depth" [B,S,S] in [0,1] (0 = near)}."""
    device = sc["cx"].device
    B = sc["cx"].shape[0]
    xx, yy = _grid(device)
    # background
    d = torch.stack([torch.cos(sc["bg_dir"]), torch.sin(sc["bg_dir"])], 1)  # [B, 2]
    w = ((xx[None] / S - 0.5) * d[:, 0, None, None] + (yy[None] / S - 0.5) * d[:, 1, None, None]) + 0.5
    img = sc["bg1"][:, :, None, None] * (1 - w[:, None]) + sc["bg2"][:, :, None, None] * w[:, None]
    bt = _texture(sc["bg_tex"] * 1, sc["bg_f"], sc["bg_dir"], sc["bg_ph"], xx, yy)
    img = img * (0.9 + 0.2 * bt[:, None])
    dd = torch.stack([torch.cos(sc["d_dir"]), torch.sin(sc["d_dir"])], 1)
    zbuf = sc["d0"][:, None, None] + sc["d_amp"][:, None, None] * 2 * (
        (xx[None] / S - 0.5) * dd[:, 0, None, None] + (yy[None] / S - 0.5) * dd[:, 1, None, None])
    inst = torch.zeros(B, S, S, dtype=torch.long, device=device)
    cls = torch.zeros(B, S, S, dtype=torch.long, device=device)
    pal = PALETTE.to(device)
    for k in range(K):
        m = shape_mask(sc["shape"][:, k], sc["cx"][:, k], sc["cy"][:, k], sc["r"][:, k], sc["rot"][:, k], xx, yy)
        m = m & sc["present"][:, k, None, None] & (sc["depth"][:, k, None, None] < zbuf)  # [B, S, S]
        col = (pal[sc["colour"][:, k]] + sc["jit"][:, k]).clamp(0, 1)  # [B, 3]
        pat = _texture(sc["tex"][:, k], sc["tex_f"][:, k], sc["tex_a"][:, k], sc["tex_a"][:, k] * 2, xx, yy)
        oc = col[:, :, None, None] * (0.82 + 0.3 * pat[:, None])  # [B, 3, S, S]
        img = torch.where(m[:, None], oc.clamp(0, 1), img)
        zbuf = torch.where(m, sc["depth"][:, k, None, None].expand_as(zbuf), zbuf)
        inst = torch.where(m, torch.full_like(inst, k + 1), inst)
        cls = torch.where(m, (sc["shape"][:, k] + 1)[:, None, None].expand_as(cls), cls)
    return {"image": img.clamp(0, 1), "inst": inst, "cls": cls, "depth": zbuf.clamp(0, 1)}


def boundaries(inst: torch.Tensor) -> torch.Tensor:
    """inst [B,S,S] -> bool [B,S,S]: pixels whose right or lower neighbour has another label."""
    e = torch.zeros_like(inst, dtype=torch.bool)
    e[:, :, :-1] |= inst[:, :, :-1] != inst[:, :, 1:]
    e[:, :-1, :] |= inst[:, :-1, :] != inst[:, 1:, :]
    return e


def copy_scene(sc: dict) -> dict:
    return {k: v.clone() for k, v in sc.items()}


# --------------------------------------------------------------------------------------------- photos

class PhotoBank:
    """Square photos [P, 3, 256, 256] uint8 (made by make_assets.py) -> random 64x64 crops."""

    def __init__(self, photos: torch.Tensor, device="cpu"):
        self.photos = photos.to(device)

    def crops(self, B: int, gen: torch.Generator, device) -> torch.Tensor:
        P, _, H, W = self.photos.shape
        idx = torch.randint(0, P, (B,), generator=gen, device=device)
        src = self.photos[idx].float() / 255.0  # [B, 3, 256, 256]
        scale = _u(gen, (B,), 64 / H, 128 / H, device)  # crop side / photo side
        tx = _u(gen, (B,), -1, 1, device) * (1 - scale)
        ty = _u(gen, (B,), -1, 1, device) * (1 - scale)
        flip = torch.where(torch.rand(B, generator=gen, device=device) < 0.5, -1.0, 1.0)
        theta = torch.zeros(B, 2, 3, device=device)
        theta[:, 0, 0] = scale * flip
        theta[:, 1, 1] = scale
        theta[:, 0, 2] = tx
        theta[:, 1, 2] = ty
        grid = F.affine_grid(theta, (B, 3, S, S), align_corners=False)
        return F.grid_sample(src, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


# --------------------------------------------------------------------------------------------- degradations

def _wrapped_grid(device):
    c = torch.arange(S, device=device, dtype=torch.float32)
    c = torch.where(c >= S // 2, c - S, c)
    yy, xx = torch.meshgrid(c, c, indexing="ij")
    return xx, yy


def line_kernel(length, angle, device, width=1.0):
    """Periodic [B, S, S] kernel of a centred line segment (length px, angle rad), sum 1."""
    xx, yy = _wrapped_grid(device)
    ca, sa = torch.cos(angle)[:, None, None], torch.sin(angle)[:, None, None]
    along = xx[None] * ca + yy[None] * sa
    across = -xx[None] * sa + yy[None] * ca
    half = (length / 2)[:, None, None]
    da = (along.abs() - half).clamp(min=0)
    dist = torch.sqrt(da * da + across * across)
    k = (width - dist).clamp(min=0)
    return k / k.sum(dim=(1, 2), keepdim=True)


def circ_conv(img, ker):
    """Circular convolution: img [B, C, S, S], ker [B, S, S] (origin at [0, 0])."""
    return torch.fft.irfft2(torch.fft.rfft2(img) * torch.fft.rfft2(ker)[:, None], s=(S, S))


def smooth_field(B, gen, device, res=4):
    """Random smooth field in [0, 1], [B, S, S]."""
    z = torch.rand(B, 1, res, res, generator=gen, device=device)
    f = F.interpolate(z, size=(S, S), mode="bicubic", align_corners=False)[:, 0]
    lo = f.amin(dim=(1, 2), keepdim=True)
    hi = f.amax(dim=(1, 2), keepdim=True)
    return (f - lo) / (hi - lo + 1e-6)


def add_noise(x, sigma, gen):
    return (x + sigma[:, None, None, None] * torch.randn(x.shape, generator=gen, device=x.device)).clamp(0, 1)


def motion_blur(x, gen, length=None, angle=None):
    B, dev = x.shape[0], x.device
    length = _u(gen, (B,), 7, 15, dev) if length is None else length
    angle = _u(gen, (B,), 0, math.pi, dev) if angle is None else angle
    ker = line_kernel(length, angle, dev)
    y = circ_conv(x, ker)
    return add_noise(y, torch.full((B,), 0.01, device=dev), gen), ker


def rain(x, gen):
    B, dev = x.shape[0], x.device
    dens = _u(gen, (B, 1, 1, 1), 0.004, 0.012, dev)
    seeds = (torch.rand(B, 1, S, S, generator=gen, device=dev) < dens).float()
    seeds = seeds * _u(gen, (B, 1, S, S), 0.5, 1.0, dev)
    angle = math.pi / 2 + _u(gen, (B,), -0.5, 0.5, dev)
    length = _u(gen, (B,), 8, 20, dev)
    ker = line_kernel(length, angle, dev, width=0.8)
    st = circ_conv(seeds, ker) * length[:, None, None, None] * 0.9
    st = F.avg_pool2d(F.pad(st, (1, 1, 1, 1), mode="circular"), 3, stride=1) * 1.3
    a = (st * _u(gen, (B, 1, 1, 1), 0.7, 1.0, dev)).clamp(0, 1)
    return 1 - (1 - x) * (1 - a)  # screen blend of bright streaks


def haze(x, depth, gen):
    B, dev = x.shape[0], x.device
    beta = _u(gen, (B, 1, 1, 1), 1.0, 2.5, dev)
    A = _u(gen, (B, 1, 1, 1), 0.75, 0.95, dev) + _u(gen, (B, 3, 1, 1), -0.03, 0.03, dev)
    t = torch.exp(-beta * depth[:, None])
    return (x * t + A * (1 - t)).clamp(0, 1)


def low_light(x, gen):
    B, dev = x.shape[0], x.device
    k = _u(gen, (B, 1, 1, 1), 0.12, 0.4, dev)
    g = _u(gen, (B, 1, 1, 1), 1.3, 2.2, dev)
    y = k * x.clamp(min=1e-4) ** g
    return add_noise(y, _u(gen, (B,), 0.005, 0.02, dev), gen)


def seg_dist(xx, yy, ax, ay, bx, by):
    """Distance from pixel centres [S,S] to segments a->b ([B] each) -> [B, S, S]."""
    px = xx[None] - ax[:, None, None]
    py = yy[None] - ay[:, None, None]
    vx = (bx - ax)[:, None, None]
    vy = (by - ay)[:, None, None]
    t = ((px * vx + py * vy) / (vx * vx + vy * vy + 1e-6)).clamp(0, 1)
    dx, dy = px - t * vx, py - t * vy
    return torch.sqrt(dx * dx + dy * dy)


def inpaint_mask(B, gen, device):
    """Free-form strokes plus boxes; roughly 20-50 % of the image. bool [B, S, S]."""
    xx, yy = _grid(device)
    m = torch.zeros(B, S, S, dtype=torch.bool, device=device)
    x = _u(gen, (B,), 8, 56, device)
    y = _u(gen, (B,), 8, 56, device)
    w = _u(gen, (B,), 3.0, 6.5, device)
    for _ in range(5):
        nx = (x + _u(gen, (B,), -22, 22, device)).clamp(2, 62)
        ny = (y + _u(gen, (B,), -22, 22, device)).clamp(2, 62)
        m |= seg_dist(xx, yy, x, y, nx, ny) < w[:, None, None]
        x, y = nx, ny
    for _ in range(2):
        bx, by = _u(gen, (B,), 0, 48, device), _u(gen, (B,), 0, 48, device)
        bw, bh = _u(gen, (B,), 8, 24, device), _u(gen, (B,), 8, 24, device)
        use = torch.rand(B, generator=gen, device=device) < 0.6
        m |= use[:, None, None] & (xx[None] >= bx[:, None, None]) & (xx[None] < (bx + bw)[:, None, None]) \
            & (yy[None] >= by[:, None, None]) & (yy[None] < (by + bh)[:, None, None])
    return m


def sr_degrade(x):
    lo = F.interpolate(x, size=(S // 2, S // 2), mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)
    return F.interpolate(lo, size=(S, S), mode="nearest"), lo


# --------------------------------------------------------------------------------------------- tasks

def _sources(B, gen, device, photos: PhotoBank | None, p_photo=0.75):
    """Clean restoration sources: photo crops and scenes, plus a depth map for haze."""
    sc = sample_scene(B, gen, device)
    r = render(sc)
    img, depth = r["image"], r["depth"]
    if photos is not None:
        ph = photos.crops(B, gen, device)
        use = torch.rand(B, generator=gen, device=device) < p_photo
        pd = (0.3 + 0.7 * smooth_field(B, gen, device)).clamp(0, 1)
        img = torch.where(use[:, None, None, None], ph, img)
        depth = torch.where(use[:, None, None], pd, depth)
    return img, depth


def make_task(task: str, params: dict, B: int, gen: torch.Generator, device, photos: PhotoBank | None = None,
              sources: torch.Tensor | None = None, extra: dict | None = None):
    """One task batch -> (input [B,3,S,S], target [B,3,S,S], info dict).
    params: per-sample instruction parameters as long tensors [B] (colour, shape, new, overlay, pos, sigma).
    sources: optional clean images for restoration tasks (evaluation uses held-out photos)."""
    info: dict = {}
    if task in ("denoise", "deblur", "derain", "dehaze", "lowlight", "inpaint", "sr"):
        if sources is None:
            clean, depth = _sources(B, gen, device, photos)
        else:
            clean = sources
            depth = (0.3 + 0.7 * smooth_field(B, gen, device)).clamp(0, 1)
        if task == "denoise":
            sig = params.get("sigma")
            sig = _u(gen, (B,), 10, 55, device) / 255 if sig is None else sig
            x = add_noise(clean, sig, gen)
            info["sigma"] = sig
        elif task == "deblur":
            x, ker = motion_blur(clean, gen)
            info["psf"] = ker
        elif task == "derain":
            x = rain(clean, gen)
        elif task == "dehaze":
            x = haze(clean, depth, gen)
        elif task == "lowlight":
            x = low_light(clean, gen)
        elif task == "inpaint":
            m = inpaint_mask(B, gen, device)
            fill = (torch.rand(B, generator=gen, device=device) < 0.5).float()[:, None, None, None]
            x = torch.where(m[:, None], fill.expand(-1, 3, S, S), clean)
            info["mask"] = m
        else:  # sr
            x, lo = sr_degrade(clean)
            info["lowres"] = lo
        return x, clean, info

    if task == "text2img":
        canvas = (torch.rand(B, generator=gen, device=device) < 0.5).float()[:, None, None, None]
        x = canvas.expand(-1, 3, S, S).clone()
        xx, yy = _grid(device)
        z = torch.zeros(B, device=device)
        m = shape_mask(params["shape"], z + 32, z + 32, z + 16, z, xx, yy)  # upright, centred, r = 16
        col = PALETTE.to(device)[params["colour"]]
        y = torch.where(m[:, None], col[:, :, None, None].expand(-1, 3, S, S), x)
        info["mask"] = m
        return x, y, info

    sc = sample_scene(B, gen, device)
    ref = "colour" in params and task in ("ground_mask", "ground_overlay", "recolour", "remove")
    if ref:
        k = torch.zeros(B, dtype=torch.long, device=device)
        set_object(sc, 0, params["colour"], params["shape"])
    r = render(sc)
    img = r["image"]
    info["scene"] = sc
    info["render"] = r
    if task == "ground_mask":
        m = r["inst"] == 1
        info["mask"] = m
        return img, m[:, None].float().expand(-1, 3, S, S), info
    if task == "ground_overlay":
        oc = torch.tensor([OVERLAY[n] for n in OVERLAY_NAMES], device=device)[params["overlay"]]
        m = r["inst"] == 1
        y = torch.where(m[:, None], 0.5 * img + 0.5 * oc[:, :, None, None], img)
        info["mask"] = m
        return img, y, info
    if task == "depth":
        d = 1 - r["depth"]  # near = bright
        return img, d[:, None].expand(-1, 3, S, S).contiguous(), info
    if task == "edges":
        noisy = torch.rand(B, generator=gen, device=device) < 0.5
        sig = torch.where(noisy, _u(gen, (B,), 10, 25, device) / 255, torch.zeros(B, device=device))
        x = add_noise(img, sig, gen)
        e = boundaries(r["inst"]).float()
        return x, e[:, None].expand(-1, 3, S, S).contiguous(), info
    if task == "segment":
        y = SEG_PALETTE.to(device)[r["cls"]].permute(0, 3, 1, 2).contiguous()
        return img, y, info
    if task == "recolour":
        sc2 = copy_scene(sc)
        sc2["colour"][:, 0] = params["new"]
        y = render(sc2)["image"]
        info["mask"] = (r["inst"] == 1) | (render(sc2)["inst"] == 1)
        return img, y, info
    if task == "remove":
        sc2 = copy_scene(sc)
        sc2["present"][:, 0] = False
        r2 = render(sc2)
        info["mask"] = r["inst"] == 1
        info["after"] = r2
        return img, r2["image"], info
    if task == "add":
        sc2 = copy_scene(sc)
        # the new object replaces slot K-1 (dropped from the input scene) and sits in front of everything
        sc["present"][:, K - 1] = False
        img = render(sc)["image"]
        info["render"] = render(sc)
        xy = POS_XY.to(device)[params["pos"]]
        sc2["present"][:, K - 1] = True
        sc2["colour"][:, K - 1] = params["colour"]
        sc2["shape"][:, K - 1] = params["shape"]
        sc2["cx"][:, K - 1], sc2["cy"][:, K - 1] = xy[:, 0], xy[:, 1]
        sc2["r"][:, K - 1] = 9.0
        sc2["rot"][:, K - 1] = 0.0
        sc2["tex"][:, K - 1] = 0
        sc2["depth"][:, K - 1] = 0.05
        sc2["jit"][:, K - 1] = 0.0
        r2 = render(sc2)
        info["mask"] = r2["inst"] == K
        info["after"] = r2
        return img, r2["image"], info
    if task == "edges2img":
        e = boundaries(r["inst"]).float()
        return e[:, None].expand(-1, 3, S, S).contiguous(), img, info
    raise ValueError(f"unknown task {task}")
