import CBLAS

/// Geometry of one 2-D convolution (batch 1, NCHW, square kernel, zero padding that may be asymmetric).
public struct Conv2DShape: Sendable, Equatable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var height: Int   // input H
    public var width: Int    // input W

    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
                padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, height: Int, width: Int) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel; self.stride = stride
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
        self.height = height; self.width = width
    }

    /// Symmetric padding `pad` on every side.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, pad: Int, height: Int, width: Int) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                  padTop: pad, padLeft: pad, padBottom: pad, padRight: pad, height: height, width: width)
    }

    public var outHeight: Int { (height + padTop + padBottom - kernel) / stride + 1 }
    public var outWidth: Int { (width + padLeft + padRight - kernel) / stride + 1 }
    /// Reduction length of the GEMM: C·k·k.
    public var patchSize: Int { inChannels * kernel * kernel }
}

/// 2-D convolution (cross-correlation, as torch.nn.Conv2d), batch 1:
///   out[o, y, x] = bias[o] + Σ_{c,ky,kx} w[o, c, ky, kx] · in[c, y·s + ky − padTop, x·s + kx − padLeft]
/// with zeros outside the input.
/// x: [C, H, W]; weight: [O, C, k, k] (torch layout); bias: [O] or nil; out: [O, Ho, Wo] (must not alias x).
/// Method: 1×1/stride-1/no-pad convolutions are one sgemm; others go through im2col over bands of
/// output rows so that the column buffer stays under `maxColumnFloats` (default 8 Mi floats = 32 MiB).
/// Allocates only that band buffer.
public func conv2d(_ x: UnsafePointer<Float>, shape s: Conv2DShape, weight: UnsafePointer<Float>,
                   bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>, maxColumnFloats: Int = 8 << 20) {
    let ho = s.outHeight, wo = s.outWidth
    let nOut = ho * wo
    let kk = s.patchSize
    precondition(ho > 0 && wo > 0 && s.kernel > 0 && s.stride > 0, "conv2d: empty output for \(s)")
    if let bias {
        for o in 0..<s.outChannels { (out + o * nOut).update(repeating: bias[o], count: nOut) }
    }
    let beta: Float = bias == nil ? 0 : 1
    if s.kernel == 1 && s.stride == 1 && s.padTop == 0 && s.padLeft == 0 && s.padBottom == 0 && s.padRight == 0 {
        // out[O, HW] = W[O, C] · x[C, HW]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(s.outChannels), blasint(nOut),
                    blasint(s.inChannels), 1, weight, blasint(s.inChannels), x, blasint(nOut), beta, out, blasint(nOut))
        return
    }
    let bandRows = max(1, min(ho, maxColumnFloats / max(1, kk * wo)))
    let col = UnsafeMutablePointer<Float>.allocate(capacity: kk * bandRows * wo)   // [C·k·k, bandRows·Wo]
    defer { col.deallocate() }
    var y0 = 0
    while y0 < ho {
        let rows = min(bandRows, ho - y0)
        let n = rows * wo
        im2colBand(x, shape: s, firstRow: y0, rows: rows, col: col)
        // out[:, y0·Wo ..< (y0+rows)·Wo] (+)= W[O, K] · col[K, n]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(s.outChannels), blasint(n), blasint(kk),
                    1, weight, blasint(kk), col, blasint(n), beta, out + y0 * wo, blasint(nOut))
        y0 += rows
    }
}

/// im2col for output rows [firstRow, firstRow + rows): col[(c·k + ky)·k + kx, r·Wo + x] = in[c, iy, ix] or 0.
@inline(__always)
func im2colBand(_ x: UnsafePointer<Float>, shape s: Conv2DShape, firstRow: Int, rows: Int,
                col: UnsafeMutablePointer<Float>) {
    let wo = s.outWidth, k = s.kernel, st = s.stride
    let n = rows * wo
    for c in 0..<s.inChannels {
        let plane = x + c * s.height * s.width
        for ky in 0..<k {
            for kx in 0..<k {
                let dst = col + ((c * k + ky) * k + kx) * n
                // Valid output columns: 0 <= ox·st + kx − padLeft < W.
                let off = kx - s.padLeft
                var xLo = 0
                while xLo < wo && xLo * st + off < 0 { xLo += 1 }
                var xHi = wo
                while xHi > xLo && (xHi - 1) * st + off >= s.width { xHi -= 1 }
                for r in 0..<rows {
                    let iy = (firstRow + r) * st + ky - s.padTop
                    let d = dst + r * wo
                    if iy < 0 || iy >= s.height || xLo >= xHi {
                        d.update(repeating: 0, count: wo)
                        continue
                    }
                    if xLo > 0 { d.update(repeating: 0, count: xLo) }
                    if xHi < wo { (d + xHi).update(repeating: 0, count: wo - xHi) }
                    let src = plane + iy * s.width
                    if st == 1 {
                        (d + xLo).update(from: src + xLo + off, count: xHi - xLo)
                    } else {
                        for ox in xLo..<xHi { d[ox] = src[ox * st + off] }
                    }
                }
            }
        }
    }
}
