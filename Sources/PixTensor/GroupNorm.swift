/// Group normalisation (torch.nn.GroupNorm), batch 1:
///   for each group g of C/G channels: out = (x − mean_g)/sqrt(var_g + eps) · weight[c] + bias[c]
/// mean/var (biased) over (C/G)·HW values, accumulated in Double (two-pass).
/// x, out: [C, HW]; out may equal x. weight/bias: [C] or nil. C must be a multiple of `groups`. No allocation.
public func groupNorm(_ x: UnsafePointer<Float>, channels: Int, spatial hw: Int, groups: Int, eps: Float,
                      weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>) {
    precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels in \(groups) groups")
    let cpg = channels / groups
    let n = cpg * hw
    for g in 0..<groups {
        let base = x + g * n
        var s = 0.0
        var i = 0
        while i + 8 <= n {
            var acc = SIMD8<Float>()
            var j = 0
            // Blocks of up to 1024 floats summed in Float, then added in Double.
            while j < 128 && i + 8 <= n {
                acc += UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self); i += 8; j += 1
            }
            s += Double(acc.sum())
        }
        while i < n { s += Double(base[i]); i += 1 }
        let mean = Float(s / Double(n))
        var ss = 0.0
        i = 0
        while i + 8 <= n {
            var acc = SIMD8<Float>()
            var j = 0
            while j < 128 && i + 8 <= n {
                let d = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self) - mean
                acc += d * d; i += 8; j += 1
            }
            ss += Double(acc.sum())
        }
        while i < n { let d = base[i] - mean; ss += Double(d * d); i += 1 }
        let inv = Float(1.0 / (ss / Double(n) + Double(eps)).squareRoot())
        for cc in 0..<cpg {
            let c = g * cpg + cc
            let a = inv * (weight?[c] ?? 1)
            let b = (bias?[c] ?? 0) - mean * a
            let src = x + c * hw, dst = out + c * hw
            var p = 0
            let va = SIMD8<Float>(repeating: a), vb = SIMD8<Float>(repeating: b)
            while p + 8 <= hw {
                let v = UnsafeRawPointer(src + p).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(dst + p).storeBytes(of: v * va + vb, as: SIMD8<Float>.self)
                p += 8
            }
            while p < hw { dst[p] = src[p] * a + b; p += 1 }
        }
    }
}
