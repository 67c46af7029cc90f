// SIMD8 transcendental approximations used by the row kernels (the libm versions are per-lane calls).
// Accuracy (checked in the tests against Double): exp rel. error < 3e-7, erf abs. error < 1e-6,
// tanh abs. error < 3e-7.

public typealias V8 = SIMD8<Float>

@inline(__always)
func vload(_ p: UnsafePointer<Float>) -> V8 {
    UnsafeRawPointer(p).loadUnaligned(as: V8.self)
}

@inline(__always)
func vstore(_ v: V8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
}

/// e^x, Cephes-style range reduction and degree-6 polynomial; x clamped to [-87.3, 88.3].
@inline(__always)
public func vexp(_ xin: V8) -> V8 {
    var x = xin.clamped(lowerBound: V8(repeating: -87.3), upperBound: V8(repeating: 88.3))
    let fx = (x * 1.44269504088896341 + 0.5).rounded(.down)
    x = x - fx * 0.693359375
    x = x - fx * -2.12194440e-4
    var p = V8(repeating: 1.9875691500e-4)
    p = p * x + 1.3981999507e-3
    p = p * x + 8.3334519073e-3
    p = p * x + 4.1665795894e-2
    p = p * x + 1.6666665459e-1
    p = p * x + 5.0000001201e-1
    let y = p * (x * x) + x + 1
    let e = (SIMD8<Int32>(fx, rounding: .towardZero) &+ 127) &<< 23
    return y * unsafeBitCast(e, to: V8.self)
}

/// tanh(x) = sign(x)·(1 − e)/(1 + e), e = exp(−2|x|); odd Taylor series near 0 for relative accuracy.
@inline(__always)
public func vtanh(_ x: V8) -> V8 {
    let ax = pointwiseMax(x, -x)
    let e = vexp(-2 * ax)
    var r = (1 - e) / (1 + e)
    let x2 = x * x
    var poly = x2 * V8(repeating: -17.0 / 315)
    poly = x2 * (poly + V8(repeating: 2.0 / 15))
    poly = x2 * (poly + V8(repeating: -1.0 / 3))
    let small = ax * (poly + V8(repeating: 1))
    r.replace(with: small, where: ax .< 0.05)
    var out = r
    out.replace(with: -r, where: x .< 0)
    return out
}

/// erf(x): Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7).
@inline(__always)
public func verf(_ x: V8) -> V8 {
    let ax = pointwiseMax(x, -x)
    let t = 1 / (1 + 0.3275911 * ax)
    var p = V8(repeating: 1.061405429)
    p = p * t - 1.453152027
    p = p * t + 1.421413741
    p = p * t - 0.284496736
    p = p * t + 0.254829592
    let y = 1 - p * t * vexp(-ax * ax)
    var out = y
    out.replace(with: -y, where: x .< 0)
    return out
}

@inline(__always)
public func vsilu(_ x: V8) -> V8 { x / (1 + vexp(-x)) }

@inline(__always)
public func vgeluErf(_ x: V8) -> V8 {
    let e: V8 = verf(x * 0.70710678118654752)
    return 0.5 * x * (1 + e)
}

@inline(__always)
public func vgeluTanh(_ x: V8) -> V8 {
    let x3: V8 = x * x * x
    let inner: V8 = (x + x3 * 0.044715) * 0.79788456080286536
    return 0.5 * x * (1 + vtanh(inner))
}

// Scalar versions for tails (same formulas, one lane).
@inline(__always) func sexp(_ x: Float) -> Float { vexp(V8(repeating: x))[0] }
@inline(__always) func stanh(_ x: Float) -> Float { vtanh(V8(repeating: x))[0] }
@inline(__always) func serf(_ x: Float) -> Float { verf(V8(repeating: x))[0] }

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
