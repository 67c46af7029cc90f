import PixImage
import PixTensor

/// A cheap latent → RGB preview of the predicted final latent x̂₁ (no VAE decode): a fixed linear map of
/// the 4 SDXL latent channels to RGB plus a bias, then (v + 1)/2 clamped, at latent resolution, Lanczos-
/// resized to the preview size. The coefficients are the widely used least-squares fit for SDXL latents
/// (scaled latent space, as the DiT sees it); they give colours and layout, not detail.
public enum LatentPreview {
    // factors[c][rgb]
    static let factors: [[Float]] = [[0.3651, 0.4232, 0.4341], [-0.2533, -0.0042, 0.1068],
                                     [0.1076, 0.1111, -0.0362], [-0.3165, -0.2492, -0.2188]]
    static let bias: [Float] = [0.1084, -0.0175, -0.0011]

    /// latent [C, h, w] (C ≥ 4 uses the first 4) → RGB at latent size.
    public static func rgb(_ latent: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int) -> RGBImage {
        var px = [UInt8](repeating: 0, count: h * w * 3)
        let plane = h * w
        for p in 0..<plane {
            for k in 0..<3 {
                var v = bias[k]
                for c in 0..<min(channels, 4) { v += latent[c * plane + p] * factors[c][k] }
                px[3 * p + k] = UInt8(min(max((v + 1) / 2, 0), 1) * 255)
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    /// Preview at `maxSide` (longest side; 0 = `outWidth` × `outHeight`).
    public static func image(_ latent: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int,
                             outWidth: Int, outHeight: Int, maxSide: Int) -> RGBImage {
        let small = rgb(latent, channels: channels, height: h, width: w)
        var tw = outWidth, th = outHeight
        if maxSide > 0 && max(tw, th) > maxSide {
            if tw >= th { th = max(1, th * maxSide / tw); tw = maxSide } else { tw = max(1, tw * maxSide / th); th = maxSide }
        }
        return lanczosResize(small, width: tw, height: th)
    }
}
