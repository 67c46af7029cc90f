import Foundation
import Testing
@testable import PixTensor

/// Deterministic pseudo-random values in [-r, r] (splitmix64).
struct TestRNG {
    var state: UInt64
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(Double(z >> 40) / Double(1 << 24)) * 2 - 1
    }
    mutating func tensor(_ shape: [Int], range: Float = 1) -> Tensor {
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = next() * range }
        return t
    }
}

func maxErr(_ a: [Float], _ b: [Double]) -> Double {
    var m = 0.0, r = 0.0
    for i in 0..<a.count { m = max(m, abs(Double(a[i]) - b[i])); r = max(r, abs(b[i])) }
    return r > 0 ? m / r : m
}

@Suite struct KernelTests {
    @Test func sgemmAllTransposes() {
        var rng = TestRNG(state: 1)
        let (m, n, k) = (7, 13, 29)
        for ta in [false, true] {
            for tb in [false, true] {
                let a = rng.tensor(ta ? [k, m] : [m, k]), b = rng.tensor(tb ? [n, k] : [k, n])
                let c = rng.tensor([m, n])
                var ref = [Double](repeating: 0, count: m * n)
                for i in 0..<m { for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k {
                        let av = ta ? a[p * m + i] : a[i * k + p]
                        let bv = tb ? b[j * k + p] : b[p * n + j]
                        s += Double(av) * Double(bv)
                    }
                    ref[i * n + j] = 0.5 * s + 2 * Double(c[i * n + j])
                } }
                sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.pointer, lda: ta ? m : k,
                      b: b.pointer, ldb: tb ? k : n, beta: 2, c: c.pointer, ldc: n)
                let e = maxErr(c.array, ref)
                print("sgemm transA=\(ta) transB=\(tb) normalised error \(e)")
                #expect(e < 1e-6)
            }
        }
    }

    @Test func linearWithBiasAndStride() {
        var rng = TestRNG(state: 2)
        let (rows, inD, outD) = (5, 11, 9)
        let x = rng.tensor([rows, inD + 3]), w = rng.tensor([outD, inD]), b = rng.tensor([outD])
        let out = Tensor(shape: [rows, outD])
        linear(x.pointer, rows: rows, inDim: inD, ldx: inD + 3, weight: w.pointer, bias: b.pointer, outDim: outD, out: out.pointer)
        var ref = [Double](repeating: 0, count: rows * outD)
        for r in 0..<rows { for o in 0..<outD {
            var s = Double(b[o])
            for i in 0..<inD { s += Double(x[r * (inD + 3) + i]) * Double(w[o * inD + i]) }
            ref[r * outD + o] = s
        } }
        #expect(maxErr(out.array, ref) < 1e-6)
    }

    @Test func transcendentals() {
        let xs = (0..<2920).map { Float($0) * 0.0137 - 20 }
        let e = Tensor(shape: [xs.count]), er = Tensor(shape: [xs.count]), th = Tensor(shape: [xs.count])
        xs.withUnsafeBufferPointer { b in
            PixTensor.exp(b.baseAddress!, e.pointer, count: xs.count)
            PixTensor.erf(b.baseAddress!, er.pointer, count: xs.count)
            PixTensor.tanh(b.baseAddress!, th.pointer, count: xs.count)
        }
        var worstExp = 0.0, worstErf = 0.0, worstTanh = 0.0
        for (i, x) in xs.enumerated() {
            let d = Double(x)
            worstExp = max(worstExp, abs(Double(e[i]) - Foundation.exp(d)) / Foundation.exp(d))
            worstErf = max(worstErf, abs(Double(er[i]) - Foundation.erf(d)))
            worstTanh = max(worstTanh, abs(Double(th[i]) - Foundation.tanh(d)))
        }
        print("exp rel \(worstExp) erf abs \(worstErf) tanh abs \(worstTanh)")
        #expect(worstExp < 3e-7 && worstErf < 1e-6 && worstTanh < 3e-7)
    }

    @Test func activations() {
        var rng = TestRNG(state: 3)
        let n = 37
        let x = rng.tensor([n], range: 6), b = rng.tensor([n], range: 2)
        let xs = x.array.map(Double.init), bs = b.array.map(Double.init)
        func check(_ name: String, _ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, _ ref: (Double) -> Double) {
            let out = Tensor(shape: [n])
            f(x.pointer, out.pointer, n)
            let e = maxErr(out.array, xs.map(ref))
            print("\(name) normalised error \(e)")
            #expect(e < 1e-6)
        }
        check("silu", { silu($0, $1, count: $2) }) { $0 / (1 + Foundation.exp(-$0)) }
        check("geluErf", { geluErf($0, $1, count: $2) }) { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        check("geluTanh", { geluTanh($0, $1, count: $2) }) { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
        check("tanh", { PixTensor.tanh($0, $1, count: $2) }) { Foundation.tanh($0) }
        let out = Tensor(shape: [n])
        swiglu(x.pointer, b.pointer, out.pointer, count: n)
        let ref = (0..<n).map { xs[$0] / (1 + Foundation.exp(-xs[$0])) * bs[$0] }
        #expect(maxErr(out.array, ref) < 1e-6)
    }

    @Test func norms() {
        var rng = TestRNG(state: 4)
        let (rows, dim) = (3, 43)
        let x = rng.tensor([rows, dim], range: 3), w = rng.tensor([dim]), b = rng.tensor([dim])
        var refR = [Double](), refL = [Double](), refL0 = [Double]()
        for r in 0..<rows {
            let row = (0..<dim).map { Double(x[r * dim + $0]) }
            let ms = row.map { $0 * $0 }.reduce(0, +) / Double(dim)
            refR += (0..<dim).map { row[$0] / (ms + 1e-5).squareRoot() * Double(w[$0]) }
            let mean = row.reduce(0, +) / Double(dim)
            let v = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dim)
            refL += (0..<dim).map { (row[$0] - mean) / (v + 1e-6).squareRoot() * Double(w[$0]) + Double(b[$0]) }
            refL0 += (0..<dim).map { (row[$0] - mean) / (v + 1e-6).squareRoot() }
        }
        let o = Tensor(shape: [rows, dim])
        rmsNorm(x.pointer, rows: rows, dim: dim, weight: w.pointer, eps: 1e-5, out: o.pointer)
        let e1 = maxErr(o.array, refR)
        layerNorm(x.pointer, rows: rows, dim: dim, weight: w.pointer, bias: b.pointer, eps: 1e-6, out: o.pointer)
        let e2 = maxErr(o.array, refL)
        layerNorm(x.pointer, rows: rows, dim: dim, weight: nil, bias: nil, eps: 1e-6, out: o.pointer)
        let e3 = maxErr(o.array, refL0)
        print("rmsNorm \(e1) layerNorm(affine) \(e2) layerNorm(no affine) \(e3)")
        #expect(e1 < 1e-6 && e2 < 1e-6 && e3 < 1e-6)
    }

    @Test func softmaxMasked() {
        var rng = TestRNG(state: 5)
        let (rows, n) = (4, 19)
        let x = rng.tensor([rows, n], range: 5)
        var mask = [Bool](repeating: true, count: n)
        mask[3] = false; mask[18] = false
        var ref = [Double]()
        for r in 0..<rows {
            let row = (0..<n).map { Double(x[r * n + $0]) * 0.7 }
            let m = (0..<n).filter { mask[$0] }.map { row[$0] }.max() ?? 0
            let e = (0..<n).map { mask[$0] ? Foundation.exp(row[$0] - m) : 0 }
            let s = e.reduce(0, +)
            ref += e.map { $0 / s }
        }
        mask.withUnsafeBufferPointer { softmax(x.pointer, rows: rows, n: n, scale: 0.7, mask: $0.baseAddress) }
        let e = maxErr(x.array, ref)
        print("softmax(masked, scaled) normalised error \(e)")
        #expect(e < 1e-6)
    }

    @Test func rope2D() {
        var rng = TestRNG(state: 6)
        let (rows, cols, heads, hd) = (3, 5, 3, 12)
        let n = rows * cols
        let x = rng.tensor([n, heads * hd])
        let orig = x.array
        let table = RoPE2DTable(headDim: hd, rows: rows, cols: cols, theta: 10000)
        applyRoPE2D(x.pointer, tokens: n, heads: heads, table: table)
        var ref = [Double](repeating: 0, count: orig.count)
        for i in 0..<rows { for j in 0..<cols { for h in 0..<heads { for p in 0..<(hd / 2) {
            let kf = p / 2
            let f = 1 / Foundation.pow(10000.0, Double(4 * kf) / Double(hd))
            let ang = Double(p % 2 == 0 ? i : j) * f
            let base = (i * cols + j) * heads * hd + h * hd + 2 * p
            let a = Double(orig[base]), b = Double(orig[base + 1])
            ref[base] = a * Foundation.cos(ang) - b * Foundation.sin(ang)
            ref[base + 1] = a * Foundation.sin(ang) + b * Foundation.cos(ang)
        } } } }
        let e = maxErr(x.array, ref)
        print("rope2D normalised error \(e)")
        #expect(e < 1e-6)
    }

    @Test func attentionGQAMaskGates() {
        var rng = TestRNG(state: 7)
        let (nq, m, heads, kvh, hd) = (300, 23, 6, 2, 8)   // 300 queries: two score blocks
        let q = rng.tensor([nq, heads * hd], range: 2), k = rng.tensor([m, kvh * hd], range: 2), v = rng.tensor([m, kvh * hd])
        let out = rng.tensor([nq, heads * hd])
        let before = out.array
        var mask = [Bool](repeating: true, count: m); mask[0] = false; mask[22] = false
        let gates: [Float] = [0.5, -1, 0.25, 2, 0, 1]
        let shape = AttentionShape(queries: nq, keys: m, heads: heads, kvHeads: kvh, headDim: hd)
        let scratch = Tensor(shape: [shape.scratchCount])
        let scale: Float = 0.3
        mask.withUnsafeBufferPointer { mb in
            gates.withUnsafeBufferPointer { gb in
                attention(q: q.pointer, k: k.pointer, v: v.pointer, out: out.pointer, shape: shape, scale: scale,
                          keyMask: mb.baseAddress, gates: gb.baseAddress, accumulate: true, scratch: scratch.pointer)
            }
        }
        var ref = before.map(Double.init)
        let rep = heads / kvh
        for n in 0..<nq { for h in 0..<heads {
            let kv = h / rep
            var sc = [Double](repeating: -Double.infinity, count: m)
            for j in 0..<m where mask[j] {
                var s = 0.0
                for d in 0..<hd { s += Double(q[n * heads * hd + h * hd + d]) * Double(k[j * kvh * hd + kv * hd + d]) }
                sc[j] = s * Double(scale)
            }
            let mx = sc.max()!
            let e = sc.map { Foundation.exp($0 - mx) }
            let tot = e.reduce(0, +)
            for d in 0..<hd {
                var o = 0.0
                for j in 0..<m { o += e[j] / tot * Double(v[j * kvh * hd + kv * hd + d]) }
                ref[n * heads * hd + h * hd + d] += Double(gates[h]) * o
            }
        } }
        let e = maxErr(out.array, ref)
        print("attention(GQA, mask, gates, accumulate) normalised error \(e)")
        #expect(e < 1e-5)
    }
}

@Suite struct ElementwiseTests {
    @Test func modulateGatedAddAxpy() {
        var rng = TestRNG(state: 8)
        let (rows, dim) = (3, 21)
        let x = rng.tensor([rows, dim]), s = rng.tensor([dim]), g = rng.tensor([dim]), y = rng.tensor([rows, dim])
        let x0 = x.array, y0 = y.array
        modulate(x.pointer, scale: s.pointer, rows: rows, dim: dim)
        let refM = (0..<(rows * dim)).map { Double(x0[$0]) * (1 + Double(s[$0 % dim])) }
        #expect(maxErr(x.array, refM) < 1e-6)
        gatedAdd(y.pointer, gate: g.pointer, x.pointer, rows: rows, dim: dim)
        let refG = (0..<(rows * dim)).map { Double(y0[$0]) + Double(g[$0 % dim]) * Double(x[$0]) }
        #expect(maxErr(y.array, refG) < 1e-6)
        let before = y.array
        axpy(y.pointer, 0.5, x.pointer, count: rows * dim)
        #expect(maxErr(y.array, (0..<(rows * dim)).map { Double(before[$0]) + 0.5 * Double(x[$0]) }) < 1e-6)
        let q = Tensor(shape: [5]); PixTensor.scale(x.pointer, 3, q.pointer, count: 5)
        #expect(maxErr(q.array, (0..<5).map { 3 * Double(x[$0]) }) < 1e-6)
    }
}
