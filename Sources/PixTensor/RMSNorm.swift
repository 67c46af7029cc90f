/// RMSNorm per row: out = x · rsqrt(mean(x²) + eps) (· weight if given). Sums in Double for accuracy.
/// x, out: [rows, dim] with row strides ldx/ldo (default dim); out may equal x. No allocation.
public func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, dim: Int, ldx: Int? = nil, weight: UnsafePointer<Float>?,
                    eps: Float, out: UnsafeMutablePointer<Float>, ldo: Int? = nil) {
    let ldx = ldx ?? dim, ldo = ldo ?? dim
    for r in 0..<rows {
        let xr = x + r * ldx, o = out + r * ldo
        var acc = V8()
        var i = 0
        while i + 8 <= dim { let v = vload(xr + i); acc += v * v; i += 8 }
        var ss = Double(acc.sum())
        while i < dim { ss += Double(xr[i] * xr[i]); i += 1 }
        let inv = Float(1.0 / (ss / Double(dim) + Double(eps)).squareRoot())
        i = 0
        if let w = weight {
            while i + 8 <= dim { vstore(vload(xr + i) * inv * vload(w + i), o + i); i += 8 }
            while i < dim { o[i] = xr[i] * inv * w[i]; i += 1 }
        } else {
            while i + 8 <= dim { vstore(vload(xr + i) * inv, o + i); i += 8 }
            while i < dim { o[i] = xr[i] * inv; i += 1 }
        }
    }
}
