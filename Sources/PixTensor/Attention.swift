/// Sizes and row strides of one attention call (one batch element).
public struct AttentionShape: Sendable {
    public var queries: Int      // N
    public var keys: Int         // M
    public var heads: Int        // query heads H
    public var kvHeads: Int      // key/value heads (H % kvHeads == 0); kv head j serves q heads j·rep ..< (j+1)·rep
    public var headDim: Int
    public var ldq: Int          // row strides (elements)
    public var ldk: Int
    public var ldv: Int
    public var ldo: Int

    public init(queries: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int,
                ldq: Int? = nil, ldk: Int? = nil, ldv: Int? = nil, ldo: Int? = nil) {
        self.queries = queries; self.keys = keys; self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
        self.ldq = ldq ?? heads * headDim
        self.ldk = ldk ?? kvHeads * headDim
        self.ldv = ldv ?? kvHeads * headDim
        self.ldo = ldo ?? heads * headDim
    }

    /// Query rows processed per score block; the scratch needs `scratchCount` floats.
    public static let blockRows = 256
    public var scratchCount: Int { Swift.min(queries, AttentionShape.blockRows) * Swift.max(keys, 1) }
}

/// Multi-head attention with grouped KV heads, an optional key mask and optional per-head output gates:
///   O[:, h] (+)= g[h] · softmax(scale · Q_h K_{h/rep}ᵀ, keys where mask) · V_{h/rep}
/// q: [N, H·hd], k, v: [M, Hkv·hd], out: [N, H·hd] (strides in `shape`). With `accumulate` the result is
/// added to `out` (beta = 1), else it overwrites it; `gates` (length H) multiply each head's result.
/// Scratch: `shape.scratchCount` floats. A query row with no kept key contributes 0. No allocation.
public func attention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                      out: UnsafeMutablePointer<Float>, shape s: AttentionShape, scale: Float,
                      keyMask: UnsafePointer<Bool>? = nil, gates: UnsafePointer<Float>? = nil,
                      accumulate: Bool = false, scratch: UnsafeMutablePointer<Float>) {
    precondition(s.heads % s.kvHeads == 0, "heads must be a multiple of kvHeads")
    let rep = s.heads / s.kvHeads
    let hd = s.headDim
    if s.keys == 0 {
        if !accumulate { for n in 0..<s.queries { (out + n * s.ldo).update(repeating: 0, count: s.heads * hd) } }
        return
    }
    for h in 0..<s.heads {
        let kv = h / rep
        let alpha: Float = gates?[h] ?? 1
        var r0 = 0
        while r0 < s.queries {
            let rows = Swift.min(AttentionShape.blockRows, s.queries - r0)
            // scores[rows, M] = Q_h[r0..] · K_kvᵀ
            sgemm(transB: true, m: rows, n: s.keys, k: hd, a: q + r0 * s.ldq + h * hd, lda: s.ldq,
                  b: k + kv * hd, ldb: s.ldk, c: scratch, ldc: s.keys)
            softmax(scratch, rows: rows, n: s.keys, scale: scale, mask: keyMask)
            // out[r0.., h] (+)= alpha · P · V_kv
            sgemm(m: rows, n: hd, k: s.keys, alpha: alpha, a: scratch, lda: s.keys, b: v + kv * hd, ldb: s.ldv,
                  beta: accumulate ? 1 : 0, c: out + r0 * s.ldo + h * hd, ldc: s.ldo)
            r0 += rows
        }
    }
}
