"""Classical (non-learned) anchors of EVALUATION.md and the task metrics, on numpy images in [0, 1]
(HxWx3 float). scikit-image / scipy / numpy only."""
from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi


# ------------------------------------------------------------------------------------------ metrics

def psnr(a, b, mask=None):
    d = (np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2
    if mask is not None:
        d = d[mask.astype(bool)]
    mse = max(float(d.mean()), 1e-10)
    return 10 * np.log10(1.0 / mse)


def ssim(a, b):
    from skimage.metrics import structural_similarity
    return float(structural_similarity(a, b, channel_axis=2, data_range=1.0))


def iou_sums(pred, gt):
    return float(np.logical_and(pred, gt).sum()), float(np.logical_or(pred, gt).sum())


def edge_f1(pred, gt, tol=1):
    """F1 of boolean edge maps with a tol-pixel matching tolerance (dilation)."""
    st = np.ones((2 * tol + 1, 2 * tol + 1), bool)
    gd = ndi.binary_dilation(gt, st)
    pd = ndi.binary_dilation(pred, st)
    tp_p = np.logical_and(pred, gd).sum()
    tp_r = np.logical_and(gt, pd).sum()
    prec = tp_p / max(pred.sum(), 1)
    rec = tp_r / max(gt.sum(), 1)
    return 0.0 if prec + rec == 0 else float(2 * prec * rec / (prec + rec))


def depth_scores(pred, gt):
    """Least-squares scale/shift alignment of pred to gt, then (delta1, AbsRel)."""
    p, g = pred.ravel().astype(np.float64), gt.ravel().astype(np.float64)
    A = np.stack([p, np.ones_like(p)], 1)
    s, t = np.linalg.lstsq(A, g, rcond=None)[0]
    q = np.clip(s * p + t, 1e-3, None)
    r = np.maximum(q / g, g / q)
    return float((r < 1.25).mean()), float((np.abs(q - g) / g).mean())


def miou(pred, gt, n):
    ious = []
    for c in range(n):
        u = np.logical_or(pred == c, gt == c).sum()
        if (gt == c).sum() == 0:
            continue
        ious.append(np.logical_and(pred == c, gt == c).sum() / u)
    return float(np.mean(ious))


def nearest_palette(img, palette):
    d = ((img[:, :, None, :] - palette[None, None]) ** 2).sum(-1)
    return d.argmin(-1)


# ------------------------------------------------------------------------------------------ anchors

def gray(x):
    return x @ np.array([0.299, 0.587, 0.114])


def denoise_nlm(x, sigma):
    from skimage.restoration import denoise_nl_means
    return np.clip(denoise_nl_means(x, h=0.8 * sigma, sigma=sigma, patch_size=5, patch_distance=6,
                                    fast_mode=True, channel_axis=2), 0, 1)


def denoise_tv(x, sigma):
    from skimage.restoration import denoise_tv_chambolle
    return np.clip(denoise_tv_chambolle(x, weight=1.2 * sigma, channel_axis=2), 0, 1)


WIENER_BALANCE = 0.0175  # chosen on training-photo crops by tune_anchors.py (best of its sweep)


def deblur_wiener(x, psf, balance=None):
    """Wiener deconvolution with the known (circular) PSF, per channel, in the Fourier domain; `balance` is the
    noise-to-signal ratio added to |H|^2 (default WIENER_BALANCE)."""
    b = WIENER_BALANCE if balance is None else balance
    H = np.fft.fft2(psf)
    out = np.empty_like(x)
    for c in range(3):
        G = np.fft.fft2(x[:, :, c])
        out[:, :, c] = np.real(np.fft.ifft2(G * np.conj(H) / (np.abs(H) ** 2 + b)))
    return np.clip(out, 0, 1)


def deblur_rl(x, psf):
    from skimage.restoration import richardson_lucy
    k = np.fft.fftshift(psf)
    c = k.shape[0] // 2
    k = k[c - 8:c + 9, c - 8:c + 9]
    k = k / k.sum()
    return np.clip(np.stack([richardson_lucy(x[:, :, i], k, num_iter=20) for i in range(3)], 2), 0, 1)


def derain_opening(x):
    """Directional grey opening: bright thin streaks are removed by the minimum over line openings."""
    outs = []
    for ang in range(0, 180, 30):
        L = 5
        fp = np.zeros((L, L), bool)
        for i in range(L):
            t = i - L // 2
            r = int(round(L // 2 + t * np.sin(np.radians(ang))))
            cc = int(round(L // 2 + t * np.cos(np.radians(ang))))
            fp[r, cc] = True
        outs.append(np.stack([ndi.grey_opening(x[:, :, c], footprint=fp) for c in range(3)], 2))
    # streaks are thin: an opening whose line runs across them removes them; keep the darkest
    return np.clip(np.min(outs, 0), 0, 1)


def derain_median(x):
    return np.stack([ndi.median_filter(x[:, :, c], size=5) for c in range(3)], 2)


def _guided(I, p, r=8, eps=1e-3):
    mean = lambda z: ndi.uniform_filter(z, 2 * r + 1, mode="reflect")  # noqa: E731
    mI, mp = mean(I), mean(p)
    a = (mean(I * p) - mI * mp) / (mean(I * I) - mI * mI + eps)
    b = mp - a * mI
    return mean(a) * I + mean(b)


def dehaze_dcp(x, patch=7, omega=0.95, t0=0.1):
    """He et al.'s dark channel prior with a guided-filter-refined transmission."""
    dark = ndi.minimum_filter(x.min(2), size=patch)
    n = max(1, dark.size // 1000)
    idx = np.argsort(dark.ravel())[-n:]
    A = x.reshape(-1, 3)[idx].max(0)
    t = 1 - omega * ndi.minimum_filter((x / A).min(2), size=patch)
    t = np.clip(_guided(gray(x), t), t0, 1)
    return np.clip((x - A) / t[:, :, None] + A, 0, 1)


def lowlight_gamma(x):
    """Blind gamma: the exponent that maps the mean luminance to 0.45."""
    m = float(np.clip(gray(x).mean(), 1e-3, 0.99))
    g = np.log(0.45) / np.log(m)
    return np.clip(x, 0, 1) ** g


def lowlight_histeq(x):
    from skimage import exposure
    return np.clip(exposure.equalize_hist(x), 0, 1)


def inpaint_biharmonic(x, mask):
    from skimage.restoration import inpaint_biharmonic
    return np.clip(inpaint_biharmonic(x, mask, channel_axis=2), 0, 1)


def sr_bicubic(lo):
    from PIL import Image
    im = Image.fromarray((np.clip(lo, 0, 1) * 255).round().astype(np.uint8))
    return np.asarray(im.resize((lo.shape[1] * 2, lo.shape[0] * 2), Image.BICUBIC), np.float64) / 255


def sr_lanczos(lo):
    from PIL import Image
    im = Image.fromarray((np.clip(lo, 0, 1) * 255).round().astype(np.uint8))
    return np.asarray(im.resize((lo.shape[1] * 2, lo.shape[0] * 2), Image.LANCZOS), np.float64) / 255


def canny(x, sigma=1.0):
    from skimage.feature import canny as sk_canny
    return sk_canny(gray(x), sigma=sigma)


# ----- rule pipeline for the shape world: palette threshold + connected components + shape test

def colour_mask(x, rgb, thr=0.2):
    return np.sqrt(((x - rgb) ** 2).sum(-1)) < thr


def foreground(x, thr=0.3):
    """Objects are saturated, backgrounds are muted: saturation threshold."""
    mx, mn = x.max(2), x.min(2)
    return (mx - mn) / np.maximum(mx, 1e-3) > thr


def shape_features(m):
    """(area / (pi * r_max^2), solidity) of a boolean component."""
    from skimage.measure import regionprops
    props = regionprops(m.astype(np.uint8))
    if not props:
        return None
    p = props[0]
    ys, xs = np.nonzero(m)
    cy, cx = ys.mean(), xs.mean()
    r = np.sqrt(((ys - cy) ** 2 + (xs - cx) ** 2).max()) + 0.5
    return np.array([p.area / (np.pi * r * r), p.solidity])


class ShapeTest:
    """Nearest-centroid shape classifier on shape_features, calibrated on rendered single shapes."""

    def __init__(self, centroids):
        self.centroids = centroids

    def classify(self, m):
        f = shape_features(m)
        if f is None:
            return -1
        return int(((self.centroids - f) ** 2).sum(1).argmin())


def components(m, min_area=12):
    lab, n = ndi.label(m)
    return [lab == i for i in range(1, n + 1) if (lab == i).sum() >= min_area]
