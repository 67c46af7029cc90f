/// Nearest-neighbour ×2 upsampling (torch F.interpolate(scale_factor=2, mode="nearest")), batch 1:
///   out[c, y, x] = in[c, y/2, x/2].  x: [C, H, W]; out: [C, 2H, 2W] (must not alias x). No allocation.
public func upsampleNearest2x(_ x: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                              out: UnsafeMutablePointer<Float>) {
    let w2 = 2 * width
    for c in 0..<channels {
        let src = x + c * height * width
        let dst = out + c * 4 * height * width
        for y in 0..<height {
            let s = src + y * width
            let d = dst + 2 * y * w2
            for xx in 0..<width { let v = s[xx]; d[2 * xx] = v; d[2 * xx + 1] = v }
            (d + w2).update(from: d, count: w2)
        }
    }
}
