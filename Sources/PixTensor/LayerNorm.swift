/// LayerNorm per row (biased variance, as torch): out = (x − mean)/sqrt(var + eps) (· weight + bias if given).
/// Either of weight/bias may be nil (no affine). x, out: [rows, dim], row strides ldx/ldo; out may equal x.
/// Statistics in Double (two-pass). No allocation.
public func layerNorm(_ x: UnsafePointer<Float>, rows: Int, dim: Int, ldx: Int? = nil, weight: UnsafePointer<Float>?,
                      bias: UnsafePointer<Float>?, eps: Float, out: UnsafeMutablePointer<Float>, ldo: Int? = nil) {
    let ldx = ldx ?? dim, ldo = ldo ?? dim
    for r in 0..<rows {
        let xr = x + r * ldx, o = out + r * ldo
        var acc = V8()
        var i = 0
        while i + 8 <= dim { acc += vload(xr + i); i += 8 }
        var s = Double(acc.sum())
        while i < dim { s += Double(xr[i]); i += 1 }
        let mean = Float(s / Double(dim))
        var acc2 = V8()
        i = 0
        while i + 8 <= dim { let d = vload(xr + i) - mean; acc2 += d * d; i += 8 }
        var ss = Double(acc2.sum())
        while i < dim { let d = xr[i] - mean; ss += Double(d * d); i += 1 }
        let inv = Float(1.0 / (ss / Double(dim) + Double(eps)).squareRoot())
        i = 0
        while i + 8 <= dim {
            var v = (vload(xr + i) - mean) * inv
            if let w = weight { v *= vload(w + i) }
            if let b = bias { v += vload(b + i) }
            vstore(v, o + i); i += 8
        }
        while i < dim {
            var v = (xr[i] - mean) * inv
            if let w = weight { v *= w[i] }
            if let b = bias { v += b[i] }
            o[i] = v; i += 1
        }
    }
}
