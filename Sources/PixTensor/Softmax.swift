import CPixKernels

/// Row softmax with a scale and an optional key mask, in place:
///   x[r, j] = exp(scale·x[r, j] − m) / Σ  over kept j (mask[j] == true), 0 where mask[j] == false.
/// scale must be > 0. x: [rows, n] with row stride ld. A row with no kept key becomes all zeros (torch
/// would give NaN). Body in C (CPixKernels).
public func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int, n: Int, ld: Int? = nil, scale: Float = 1,
                    mask: UnsafePointer<Bool>? = nil) {
    let ld = ld ?? n
    for r in 0..<rows { pix_softmax_row(x + r * ld, n, scale, mask) }
}
