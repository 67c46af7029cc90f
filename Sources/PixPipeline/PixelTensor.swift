import PixImage
import PixTensor

/// RGB8 ↔ planar fp32 in [-1, 1] (ToTensor + Normalize(0.5, 0.5), as the official pipeline).
public enum PixelTensor {
    /// [3, H, W] in [-1, 1].
    public static func fromRGB(_ image: RGBImage) -> Tensor {
        let W = image.width, H = image.height, plane = W * H
        let t = Tensor(shape: [3, H, W])
        let p = t.pointer
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<plane {
                p[i] = Float(px[3 * i]) / 127.5 - 1
                p[plane + i] = Float(px[3 * i + 1]) / 127.5 - 1
                p[2 * plane + i] = Float(px[3 * i + 2]) / 127.5 - 1
            }
        }
        return t
    }

    /// [3, H, W] in [-1, 1] → RGB8: clamp((x + 1)/2, 0, 1)·255, rounded.
    public static func toRGB(_ t: Tensor) -> RGBImage {
        precondition(t.rank == 3 && t.shape[0] == 3, "toRGB expects [3, H, W], got \(t.shape)")
        let H = t.shape[1], W = t.shape[2], plane = W * H
        var out = [UInt8](repeating: 0, count: plane * 3)
        let p = t.pointer
        out.withUnsafeMutableBufferPointer { o in
            for c in 0..<3 {
                for i in 0..<plane {
                    var v = (p[c * plane + i] + 1) * 127.5 + 0.5
                    if !(v > 0) { v = 0 } else if v > 255 { v = 255 }   // NaN → 0
                    o[3 * i + c] = UInt8(v)
                }
            }
        }
        return RGBImage(width: W, height: H, pixels: out)
    }
}
