/// QuickGELU (CLIP's "quick_gelu"): out = x · σ(1.702·x), n elements, out may equal x. No allocation.
public func quickGelu(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int) {
    mapRow(x, out, n) { v in v / (1 + vexp(-1.702 * v)) }
}
