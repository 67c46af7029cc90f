// Elementwise kernels on contiguous fp32 rows. All allow out == input (in place); none allocate.

/// out[i] += x[i]
@inline(__always)
public func add(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) {
    var i = 0
    while i + 8 <= n { vstore(vload(out + i) + vload(x + i), out + i); i += 8 }
    while i < n { out[i] += x[i]; i += 1 }
}

/// out[i] += a * x[i]
@inline(__always)
public func axpy(_ out: UnsafeMutablePointer<Float>, _ a: Float, _ x: UnsafePointer<Float>, count n: Int) {
    var i = 0
    while i + 8 <= n { vstore(vload(out + i) + a * vload(x + i), out + i); i += 8 }
    while i < n { out[i] += a * x[i]; i += 1 }
}

/// out[r, c] += g[c] * x[r, c] (a per-column gate, e.g. tanh(gate_msa) for one batch element).
public func gatedAdd(_ out: UnsafeMutablePointer<Float>, gate g: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                     rows: Int, dim: Int) {
    for r in 0..<rows {
        let o = out + r * dim, xr = x + r * dim
        var i = 0
        while i + 8 <= dim { vstore(vload(o + i) + vload(g + i) * vload(xr + i), o + i); i += 8 }
        while i < dim { o[i] += g[i] * xr[i]; i += 1 }
    }
}

/// x[r, c] *= (1 + scale[c]) (adaLN "modulate", scale only).
public func modulate(_ x: UnsafeMutablePointer<Float>, scale s: UnsafePointer<Float>, rows: Int, dim: Int) {
    for r in 0..<rows {
        let xr = x + r * dim
        var i = 0
        while i + 8 <= dim { vstore(vload(xr + i) * (1 + vload(s + i)), xr + i); i += 8 }
        while i < dim { xr[i] *= 1 + s[i]; i += 1 }
    }
}

/// out[i] = x[i] * a
public func scale(_ x: UnsafePointer<Float>, _ a: Float, _ out: UnsafeMutablePointer<Float>, count n: Int) {
    mapRow(x, out, n) { $0 * a }
}
