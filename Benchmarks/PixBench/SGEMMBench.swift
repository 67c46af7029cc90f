import PixTensor

/// sgemm peak: C[n,n] = A[n,n]·B[n,n]ᵀ, best of `--reps` after a warm-up, at `--threads`.
enum SGEMMBench {
    static func peak(n: Int, reps: Int) -> Double {
        let a = Tensor(shape: [n, n]), b = Tensor(shape: [n, n]), c = Tensor(shape: [n, n])
        var rng = SeededRandom(seed: 1)
        rng.fillGaussian(a.pointer, count: a.count); rng.fillGaussian(b.pointer, count: b.count)
        var best = Double.infinity
        for r in 0...reps {
            let t0 = nowSeconds()
            sgemm(transB: true, m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
            let dt = nowSeconds() - t0
            if r > 0 { best = min(best, dt) }
        }
        return 2 * Double(n * n) * Double(n) / best / 1e9
    }

    static func main(_ args: [String]) throws {
        let o = try BenchOptions(args, known: ["n", "reps", "threads"])
        BLASThreads.set(try o.int("threads", BLASThreads.count))
        let n = try o.int("n", 1024)
        printFlushed("sgemm n=\(n) threads=\(BLASThreads.count) gflops=\(String(format: "%.1f", peak(n: n, reps: try o.int("reps", 5))))")
    }
}
