#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// PixWizard's 2D rotary table for a rows × cols token grid (tokens row-major).
/// For head_dim D there are D/2 complex pairs; pair 2k rotates by row·f_k, pair 2k+1 by col·f_k,
/// f_k = 1/θ^(4k/D), k = 0..D/4−1 (the official interleaved row/col layout). Angles are fp32 products
/// (as torch.outer in fp32); cos/sin are evaluated in Double and rounded.
public struct RoPE2DTable: Sendable {
    public let headDim: Int
    public let tokens: Int
    /// [tokens, headDim/2] each
    public let cos: [Float]
    public let sin: [Float]

    public init(headDim: Int, rows: Int, cols: Int, theta: Float = 10000) {
        precondition(headDim % 4 == 0, "2D RoPE needs head_dim divisible by 4")
        self.headDim = headDim
        tokens = rows * cols
        let q = headDim / 4
        var freqs = [Float](repeating: 0, count: q)
        for k in 0..<q {
            // torch: 1.0 / (theta ** (arange(0, D, 4).float() / D)), in fp32
            let e = Float(4 * k) / Float(headDim)
            freqs[k] = 1 / Float(pow(Double(theta), Double(e)))
        }
        var c = [Float](repeating: 0, count: tokens * headDim / 2)
        var s = c
        for r in 0..<rows {
            for col in 0..<cols {
                let base = (r * cols + col) * headDim / 2
                for k in 0..<q {
                    let ar = Float(r) * freqs[k], ac = Float(col) * freqs[k]
                    c[base + 2 * k] = Float(_cosD(Double(ar))); s[base + 2 * k] = Float(_sinD(Double(ar)))
                    c[base + 2 * k + 1] = Float(_cosD(Double(ac))); s[base + 2 * k + 1] = Float(_sinD(Double(ac)))
                }
            }
        }
        cos = c
        sin = s
    }
}

/// Applies the rotary table in place to x: [tokens, heads·headDim] (row stride ld): for each head and
/// pair p, (x[2p], x[2p+1]) ← (a·cos − b·sin, a·sin + b·cos). No allocation.
public func applyRoPE2D(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, ld: Int? = nil, table: RoPE2DTable) {
    precondition(tokens <= table.tokens, "RoPE table has \(table.tokens) tokens, need \(tokens)")
    let hd = table.headDim, half = hd / 2
    let ld = ld ?? heads * hd
    table.cos.withUnsafeBufferPointer { cb in
        table.sin.withUnsafeBufferPointer { sb in
            guard let cbase = cb.baseAddress, let sbase = sb.baseAddress else { return }
            for n in 0..<tokens {
                let cr = cbase + n * half, sr = sbase + n * half
                for h in 0..<heads {
                    let p = x + n * ld + h * hd
                    for i in 0..<half {
                        let a = p[2 * i], b = p[2 * i + 1]
                        p[2 * i] = a * cr[i] - b * sr[i]
                        p[2 * i + 1] = a * sr[i] + b * cr[i]
                    }
                }
            }
        }
    }
}

@inline(__always) private func _cosD(_ x: Double) -> Double { cos(x) }
@inline(__always) private func _sinD(_ x: Double) -> Double { sin(x) }
