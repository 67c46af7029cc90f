/// Planar fp32 image data: `channels` planes of height × width, row-major (CHW).
public struct PlanarImage: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var values: [Float]   // [C, H, W]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width, "PlanarImage: \(values.count) values for \(channels)x\(height)x\(width)")
        self.channels = channels; self.height = height; self.width = width; self.values = values
    }

    /// [-1, 1] CHW pixels of an 8-bit image (ToTensor then Normalize(0.5, 0.5)): v/255·2 − 1.
    public init(signedPixelsOf image: RGBImage) {
        let hw = image.width * image.height
        var v = [Float](repeating: 0, count: 3 * hw)
        for i in 0..<hw {
            for c in 0..<3 { v[c * hw + i] = (Float(image.pixels[3 * i + c]) / 255) * 2 - 1 }
        }
        self.init(channels: 3, height: image.height, width: image.width, values: v)
    }
}

/// Bicubic resampling as torch `F.interpolate(mode="bicubic", align_corners=True, antialias=False)`
/// (also what kornia.geometry.resize(..., align_corners=True, antialias=False) runs):
/// source coordinate = dst · (in − 1)/(out − 1) (0 when out == 1), Keys cubic with A = −0.75, 4×4 taps with
/// indices clamped to the border; interpolate along x for 4 rows, then along y. Computed in fp32.
public func bicubicResizeAlignCorners(_ src: PlanarImage, height oh: Int, width ow: Int) -> PlanarImage {
    precondition(oh >= 1 && ow >= 1, "bicubicResizeAlignCorners: empty size")
    let (ix, wx) = cubicTaps(inSize: src.width, outSize: ow)
    let (iy, wy) = cubicTaps(inSize: src.height, outSize: oh)
    var out = [Float](repeating: 0, count: src.channels * oh * ow)
    src.values.withUnsafeBufferPointer { s in
        out.withUnsafeMutableBufferPointer { d in
            for c in 0..<src.channels {
                let plane = c * src.height * src.width
                for y in 0..<oh {
                    for x in 0..<ow {
                        var acc: Float = 0
                        for j in 0..<4 {
                            let row = plane + iy[4 * y + j] * src.width
                            var r: Float = 0
                            for i in 0..<4 { r += s[row + ix[4 * x + i]] * wx[4 * x + i] }
                            acc += r * wy[4 * y + j]
                        }
                        d[(c * oh + y) * ow + x] = acc
                    }
                }
            }
        }
    }
    return PlanarImage(channels: src.channels, height: oh, width: ow, values: out)
}

/// Per output index: 4 clamped source indices and 4 weights (torch `get_cubic_upsample_coefficients`).
private func cubicTaps(inSize: Int, outSize: Int) -> ([Int], [Float]) {
    let a: Float = -0.75
    let scale: Float = outSize > 1 ? Float(inSize - 1) / Float(outSize - 1) : 0
    var idx = [Int](repeating: 0, count: 4 * outSize)
    var w = [Float](repeating: 0, count: 4 * outSize)
    func cc1(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
    func cc2(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
    for o in 0..<outSize {
        let real = scale * Float(o)
        let i0 = Int(real.rounded(.down))
        let t = real - Float(i0)
        w[4 * o] = cc2(t + 1); w[4 * o + 1] = cc1(t); w[4 * o + 2] = cc1(1 - t); w[4 * o + 3] = cc2(2 - t)
        for k in 0..<4 { idx[4 * o + k] = min(max(i0 - 1 + k, 0), inSize - 1) }
    }
    return (idx, w)
}
