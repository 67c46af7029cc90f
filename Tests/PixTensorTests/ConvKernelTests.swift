import Testing
@testable import PixTensor

/// conv2d / groupNorm / upsampleNearest2x against naive loops on odd shapes.
@Suite struct ConvKernelTests {
    struct LCG {
        var s: UInt64
        mutating func next() -> Float {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: s >> 11) % 2001 - 1000) / 1000
        }
        mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
    }

    func naiveConv(_ x: [Float], _ s: Conv2DShape, _ w: [Float], _ b: [Float]?) -> [Float] {
        let ho = s.outHeight, wo = s.outWidth, k = s.kernel
        var out = [Float](repeating: 0, count: s.outChannels * ho * wo)
        for o in 0..<s.outChannels {
            for y in 0..<ho {
                for xx in 0..<wo {
                    var acc = Double(b?[o] ?? 0)
                    for c in 0..<s.inChannels {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = y * s.stride + ky - s.padTop, ix = xx * s.stride + kx - s.padLeft
                                if iy < 0 || iy >= s.height || ix < 0 || ix >= s.width { continue }
                                acc += Double(w[((o * s.inChannels + c) * k + ky) * k + kx])
                                    * Double(x[(c * s.height + iy) * s.width + ix])
                            }
                        }
                    }
                    out[(o * ho + y) * wo + xx] = Float(acc)
                }
            }
        }
        return out
    }

    func maxErr(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var m: Float = 0, r: Float = 0
        for i in a.indices { m = max(m, abs(a[i] - b[i])); r = max(r, abs(b[i])) }
        return r > 0 ? m / r : m
    }

    @Test(arguments: [
        Conv2DShape(inChannels: 3, outChannels: 5, kernel: 3, pad: 1, height: 7, width: 9),
        Conv2DShape(inChannels: 4, outChannels: 6, kernel: 3, stride: 2, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1,
                    height: 10, width: 13),
        Conv2DShape(inChannels: 5, outChannels: 3, kernel: 1, pad: 0, height: 6, width: 11),
        Conv2DShape(inChannels: 2, outChannels: 7, kernel: 3, stride: 1, padTop: 2, padLeft: 0, padBottom: 0, padRight: 1,
                    height: 5, width: 4),
        Conv2DShape(inChannels: 3, outChannels: 4, kernel: 5, stride: 3, pad: 2, height: 17, width: 8),
    ])
    func conv2dMatchesNaive(shape s: Conv2DShape) {
        var g = LCG(s: UInt64(s.inChannels * 131 + s.height))
        let x = g.array(s.inChannels * s.height * s.width)
        let w = g.array(s.outChannels * s.patchSize)
        let b = g.array(s.outChannels)
        for useBias in [true, false] {
            let ref = naiveConv(x, s, w, useBias ? b : nil)
            // A small column budget forces several bands.
            for budget in [8 << 20, s.patchSize * s.outWidth] {
                var out = [Float](repeating: .nan, count: ref.count)
                x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in b.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { op in
                        conv2d(xp.baseAddress!, shape: s, weight: wp.baseAddress!, bias: useBias ? bp.baseAddress! : nil,
                               out: op.baseAddress!, maxColumnFloats: budget)
                    }
                } } }
                let e = maxErr(out, ref)
                print("conv2d \(s.inChannels)->\(s.outChannels) k\(s.kernel) s\(s.stride) \(s.height)x\(s.width) bias=\(useBias) budget=\(budget): err \(e)")
                #expect(e < 1e-5)
            }
        }
    }

    @Test func groupNormMatchesNaive() {
        var g = LCG(s: 99)
        for (c, hw, groups) in [(8, 15, 4), (6, 1, 3), (12, 37, 12), (16, 300, 1)] {
            let x = g.array(c * hw).map { $0 * 3 + 0.5 }
            let w = g.array(c), b = g.array(c)
            var ref = [Float](repeating: 0, count: c * hw)
            let cpg = c / groups
            for gi in 0..<groups {
                let vals = (gi * cpg * hw..<(gi + 1) * cpg * hw).map { Double(x[$0]) }
                let mean = vals.reduce(0, +) / Double(vals.count)
                let v = vals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(vals.count)
                for cc in 0..<cpg {
                    let ch = gi * cpg + cc
                    for p in 0..<hw {
                        ref[ch * hw + p] = Float((Double(x[ch * hw + p]) - mean) / (v + 1e-6).squareRoot()) * w[ch] + b[ch]
                    }
                }
            }
            var out = x   // in place
            out.withUnsafeMutableBufferPointer { op in
                groupNorm(op.baseAddress!, channels: c, spatial: hw, groups: groups, eps: 1e-6, weight: w, bias: b, out: op.baseAddress!)
            }
            let e = maxErr(out, ref)
            print("groupNorm C=\(c) HW=\(hw) G=\(groups): err \(e)")
            #expect(e < 1e-5)
        }
    }

    @Test func upsampleNearest() {
        let c = 2, h = 3, w = 5
        let x = (0..<(c * h * w)).map(Float.init)
        var out = [Float](repeating: -1, count: c * 4 * h * w)
        out.withUnsafeMutableBufferPointer { upsampleNearest2x(x, channels: c, height: h, width: w, out: $0.baseAddress!) }
        for ch in 0..<c { for y in 0..<(2 * h) { for xx in 0..<(2 * w) {
            #expect(out[(ch * 2 * h + y) * 2 * w + xx] == x[(ch * h + y / 2) * w + xx / 2])
        } } }
    }
}
