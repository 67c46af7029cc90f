import CPixKernels

// SIMD8 helpers of the Swift row kernels (arithmetic only: the generic SIMD conversions, rounding and
// min/max of the standard library are not inlined and are slow; transcendentals live in CPixKernels).

public typealias V8 = SIMD8<Float>

@inline(__always)
func vload(_ p: UnsafePointer<Float>) -> V8 {
    UnsafeRawPointer(p).loadUnaligned(as: V8.self)
}

@inline(__always)
func vstore(_ v: V8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
}

/// Applies `vf` to n elements (in place allowed), SIMD body and padded tail.
@inline(__always)
func mapRow(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, _ vf: (V8) -> V8) {
    var i = 0
    while i + 8 <= n { vstore(vf(vload(x + i)), out + i); i += 8 }
    if i < n {
        var tmp = V8()
        for j in 0..<(n - i) { tmp[j] = x[i + j] }
        let r = vf(tmp)
        for j in 0..<(n - i) { out[i + j] = r[j] }
    }
}

/// e^x on 8 lanes through the C kernel (CPixKernels.pix_exp; relative error < 3e-7).
@inline(__always)
public func vexp(_ x: V8) -> V8 {
    var v = x
    withUnsafeMutablePointer(to: &v) { p in
        p.withMemoryRebound(to: Float.self, capacity: 8) { pix_exp($0, $0, 8) }
    }
    return v
}
