extension RGBImage {
    /// A copy whose longest side is at most `maxSide` (aspect kept, each side >= 1), made by area
    /// averaging: each output pixel is the mean of the source pixels its box covers. Returns self
    /// when already small enough or `maxSide <= 0`. Used for preview frames; not a quality resampler.
    public func downscaled(toFit maxSide: Int) -> RGBImage {
        let longest = Swift.max(width, height)
        guard maxSide > 0, longest > maxSide, width > 0, height > 0 else { return self }
        let ow = Swift.max(1, (width * maxSide + longest / 2) / longest)
        let oh = Swift.max(1, (height * maxSide + longest / 2) / longest)
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        pixels.withUnsafeBufferPointer { src in
            for oy in 0..<oh {
                let y0 = oy * height / oh, y1 = Swift.max(y0 + 1, (oy + 1) * height / oh)
                for ox in 0..<ow {
                    let x0 = ox * width / ow, x1 = Swift.max(x0 + 1, (ox + 1) * width / ow)
                    var r = 0, g = 0, b = 0
                    for y in y0..<y1 {
                        var i = (y * width + x0) * 3
                        for _ in x0..<x1 { r += Int(src[i]); g += Int(src[i + 1]); b += Int(src[i + 2]); i += 3 }
                    }
                    let n = (y1 - y0) * (x1 - x0), o = (oy * ow + ox) * 3
                    out[o] = UInt8((r + n / 2) / n); out[o + 1] = UInt8((g + n / 2) / n); out[o + 2] = UInt8((b + n / 2) / n)
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
