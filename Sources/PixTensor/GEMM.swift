import CBLAS

/// Single-precision matrix multiply through OpenBLAS (row-major):
///   C[m, n] = alpha * op(A)[m, k] · op(B)[k, n] + beta * C
/// op(X) = X or Xᵀ. Leading dimensions are the row strides of the matrices as stored.
/// Contract: no allocation; C must not alias A or B.
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        else if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
}

/// A linear layer: out[rows, outDim] = x[rows, inDim] · W[outDim, inDim]ᵀ (+ bias[outDim]) (+ out if accumulate).
/// `x` rows may be strided (ldx ≥ inDim); `out` rows may be strided (ldo ≥ outDim).
public func linear(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, ldx: Int? = nil,
                   weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outDim: Int,
                   out: UnsafeMutablePointer<Float>, ldo: Int? = nil, accumulate: Bool = false) {
    let ldo = ldo ?? outDim
    if let bias, !accumulate {
        for r in 0..<rows { (out + r * ldo).update(from: bias, count: outDim) }
        sgemm(transB: true, m: rows, n: outDim, k: inDim, a: x, lda: ldx ?? inDim, b: weight, ldb: inDim,
              beta: 1, c: out, ldc: ldo)
    } else {
        sgemm(transB: true, m: rows, n: outDim, k: inDim, a: x, lda: ldx ?? inDim, b: weight, ldb: inDim,
              beta: accumulate ? 1 : 0, c: out, ldc: ldo)
        if let bias, accumulate { addBias(out, rows: rows, dim: outDim, ld: ldo, bias: bias) }
    }
}

/// out[r, :] += bias for each row.
public func addBias(_ out: UnsafeMutablePointer<Float>, rows: Int, dim: Int, ld: Int, bias: UnsafePointer<Float>) {
    for r in 0..<rows { add(out + r * ld, bias, count: dim) }
}

/// BLAS thread control (OpenBLAS).
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
