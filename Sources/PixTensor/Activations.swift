// Activation kernels, n elements, in place allowed (out == x). SIMD with the approximations of VectorMath.

/// SiLU: x·σ(x)
public func silu(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { mapRow(x, out, n, vsilu) }
/// GELU, exact (erf) form: 0.5·x·(1 + erf(x/√2)) (torch nn.GELU() default)
public func geluErf(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { mapRow(x, out, n, vgeluErf) }
/// GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) (torch approximate="tanh")
public func geluTanh(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { mapRow(x, out, n, vgeluTanh) }
/// tanh
public func tanh(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { mapRow(x, out, n, vtanh) }

/// SwiGLU gating: out[i] = silu(a[i]) * b[i]  (out may alias a or b).
public func swiglu(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 8 <= n { vstore(vsilu(vload(a + i)) * vload(b + i), out + i); i += 8 }
    while i < n { out[i] = vsilu(V8(repeating: a[i]))[0] * b[i]; i += 1 }
}

/// SwiGLU on a fused [rows, 2*hidden] buffer laid out as [w1 x | w3 x] per row: out[r, :hidden] = silu(first)*second.
/// Writes into the first half in place (row stride 2*hidden).
public func swigluFused(_ x: UnsafeMutablePointer<Float>, rows: Int, hidden: Int) {
    for r in 0..<rows {
        let row = x + r * 2 * hidden
        swiglu(row, row + hidden, row, count: hidden)
    }
}
