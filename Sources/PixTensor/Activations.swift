import CPixKernels

// Activation kernels, n elements, in place allowed (out == x). The bodies are C (CPixKernels) so that
// clang vectorises the transcendental approximations.

/// SiLU: x·σ(x)
public func silu(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { pix_silu(x, out, n) }
/// GELU, exact (erf) form: 0.5·x·(1 + erf(x/√2)) (torch nn.GELU() default)
public func geluErf(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { pix_gelu_erf(x, out, n) }
/// GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) (torch approximate="tanh")
public func geluTanh(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { pix_gelu_tanh(x, out, n) }
/// tanh
public func tanh(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { pix_tanh(x, out, n) }
/// erf
public func erf(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { pix_erf(x, out, n) }
/// e^x
public func exp(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) { pix_exp(x, out, n) }

/// SwiGLU gating: out[i] = silu(a[i]) * b[i]  (out may alias a or b).
public func swiglu(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) {
    pix_swiglu(a, b, out, n)
}

/// SwiGLU on a fused [rows, 2*hidden] buffer laid out as [w1 x | w3 x] per row: out[r, :hidden] = silu(first)*second.
/// Writes into the first half in place (row stride 2*hidden).
public func swigluFused(_ x: UnsafeMutablePointer<Float>, rows: Int, hidden: Int) {
    for r in 0..<rows {
        let row = x + r * 2 * hidden
        pix_swiglu(row, row + hidden, row, hidden)
    }
}
