/// Row softmax with a scale and an optional key mask, in place:
///   x[r, j] = exp(scale·x[r, j] − m) / Σ  over kept j (mask[j] == true), 0 where mask[j] == false.
/// scale must be > 0. x: [rows, n] with row stride ld. A row with no kept key becomes all zeros (torch would give NaN).
public func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int, n: Int, ld: Int? = nil, scale: Float = 1,
                    mask: UnsafePointer<Bool>? = nil) {
    let ld = ld ?? n
    for r in 0..<rows {
        let row = x + r * ld
        if let mask { for j in 0..<n where !mask[j] { row[j] = -.infinity } }
        var mx = V8(repeating: -.infinity)
        var i = 0
        while i + 8 <= n { mx = pointwiseMax(mx, vload(row + i)); i += 8 }
        var m = mx.max()
        while i < n { m = Swift.max(m, row[i]); i += 1 }
        if m == -.infinity { row.update(repeating: 0, count: n); continue }
        let ms = m * scale
        var acc = V8()
        i = 0
        while i + 8 <= n { let e = vexp(vload(row + i) * scale - ms); vstore(e, row + i); acc += e; i += 8 }
        var s = acc.sum()
        while i < n { let e = sexp(row[i] * scale - ms); row[i] = e; s += e; i += 1 }
        let inv = 1 / s
        i = 0
        while i + 8 <= n { vstore(vload(row + i) * inv, row + i); i += 8 }
        while i < n { row[i] *= inv; i += 1 }
    }
}
