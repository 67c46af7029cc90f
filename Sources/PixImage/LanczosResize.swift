#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lanczos (a = 3) resampling of an 8-bit RGB image, bit-exact with Pillow's `Image.resize(size, Image.LANCZOS)`
/// (8-bit path of libImaging/Resample.c): antialiased support 3·max(1, scale), fixed-point coefficients with
/// 22 fractional bits, a horizontal pass then a vertical pass, each rounded and clamped to 0...255.
/// A pass whose size does not change is skipped, as in Pillow. Sizes must be ≥ 1.
public func lanczosResize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
    precondition(width >= 1 && height >= 1 && image.width >= 1 && image.height >= 1, "lanczosResize: empty size")
    var cur = image
    if width != cur.width {
        let k = PillowCoefficients(inSize: cur.width, outSize: width)
        var out = [UInt8](repeating: 0, count: width * cur.height * 3)
        cur.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<cur.height {
                    let row = y * cur.width * 3
                    for x in 0..<width {
                        let (lo, n) = k.bounds[x]
                        let w = x * k.ksize
                        var s0 = Int32(1 << (PillowCoefficients.precision - 1)), s1 = s0, s2 = s0
                        for i in 0..<n {
                            let p = row + (lo + i) * 3
                            let c = k.coeffs[w + i]
                            s0 &+= Int32(src[p]) &* c; s1 &+= Int32(src[p + 1]) &* c; s2 &+= Int32(src[p + 2]) &* c
                        }
                        let o = (y * width + x) * 3
                        dst[o] = clip8(s0); dst[o + 1] = clip8(s1); dst[o + 2] = clip8(s2)
                    }
                }
            }
        }
        cur = RGBImage(width: width, height: cur.height, pixels: out)
    }
    if height != cur.height {
        let k = PillowCoefficients(inSize: cur.height, outSize: height)
        var out = [UInt8](repeating: 0, count: cur.width * height * 3)
        let rowLen = cur.width * 3
        cur.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let (lo, n) = k.bounds[y]
                    let w = y * k.ksize
                    for xc in 0..<rowLen {
                        var s = Int32(1 << (PillowCoefficients.precision - 1))
                        for i in 0..<n { s &+= Int32(src[(lo + i) * rowLen + xc]) &* k.coeffs[w + i] }
                        dst[y * rowLen + xc] = clip8(s)
                    }
                }
            }
        }
        cur = RGBImage(width: cur.width, height: height, pixels: out)
    }
    return cur
}

@inline(__always)
private func clip8(_ v: Int32) -> UInt8 {
    let s = v >> Int32(PillowCoefficients.precision)
    return UInt8(clamping: min(max(s, 0), 255))
}

/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the Lanczos filter over the full box.
struct PillowCoefficients {
    static let precision = 32 - 8 - 2
    static let support = 3.0
    let ksize: Int
    let coeffs: [Int32]              // [outSize, ksize]
    let bounds: [(Int, Int)]         // first input index and tap count per output index

    init(inSize: Int, outSize: Int) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = Self.support * filterScale
        let ksize = Int(ceil(support)) * 2 + 1
        var kk = [Double](repeating: 0, count: outSize * ksize)
        var bounds = [(Int, Int)]()
        bounds.reserveCapacity(outSize)
        let ss = 1.0 / filterScale
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            var xmin = Int(center - support + 0.5)   // C (int) truncation toward zero
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            var ww = 0.0
            for x in 0..<max(xmax, 0) {
                let w = Self.lanczos((Double(x + xmin) - center + 0.5) * ss)
                kk[xx * ksize + x] = w
                ww += w
            }
            if ww != 0 { for x in 0..<max(xmax, 0) { kk[xx * ksize + x] /= ww } }
            bounds.append((xmin, max(xmax, 0)))
        }
        let one = Double(1 << Self.precision)
        coeffs = kk.map { $0 < 0 ? Int32(-0.5 + $0 * one) : Int32(0.5 + $0 * one) }
        self.ksize = ksize
        self.bounds = bounds
    }

    private static func lanczos(_ x: Double) -> Double {
        if -3.0 <= x && x < 3.0 { return sinc(x) * sinc(x / 3.0) }
        return 0
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let y = x * Double.pi
        return sin(y) / y
    }
}
