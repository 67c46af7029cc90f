import CAllocCounter
import Foundation
import PixModels
import PixTensor
import PixWeights

/// The Swift side of `make bench-dit`: loads a DiT (config + safetensors, any dtype), prepares one
/// request's conditioning, then runs forwards. With --serve it reads commands from stdin so that a
/// driver can alternate it with the PyTorch reference in one run:
///   run    → one forward; prints "forward_ms=<ms> allocs=<heap allocations during it>"
///   quit
/// Without --serve: --iters forwards and a summary line. Inputs are seeded random (SeededRandom).
enum DiTBench {
    static func main(_ args: [String]) throws {
        let o = try BenchOptions(args, known: ["config", "weights", "latent", "branches", "text-len", "threads", "iters"],
                                 flags: ["serve"])
        guard let cfgPath = o.string("config"), let wPath = o.string("weights") else {
            throw BenchError.usage("dit needs --config <config.json> --weights <a.safetensors[,b.safetensors]>")
        }
        BLASThreads.set(try o.int("threads", 1))
        let config = try DiTConfig.load(path: cfgPath)
        var t0 = nowSeconds()
        let weights = try DiTWeights(config: config, paths: wPath.split(separator: ",").map(String.init))
        let dit = PixWizardDiT(weights: weights)
        let loadMs = (nowSeconds() - t0) * 1000
        let latent = try o.int("latent", 32), B = try o.int("branches", 1), L = try o.int("text-len", 32)
        var rng = SeededRandom(seed: 7)
        func rand(_ shape: [Int]) -> Tensor { let t = Tensor(shape: shape); rng.fillGaussian(t.pointer, count: t.count); return t }
        let branches = (0..<B).map { _ in
            DiTBranchInput(textFeatures: rand([L, config.capFeatDim]), textMask: [Bool](repeating: true, count: L),
                           taskEmbedding: rand([config.clipTextDim]), imageFeatures: rand([config.imageTokens, config.imageFeatDim]))
        }
        t0 = nowSeconds()
        let prepAllocs0 = pix_alloc_count()
        let cond = try dit.prepare(branches)
        let prepMs = (nowSeconds() - t0) * 1000
        let prepAllocs = pix_alloc_count() - prepAllocs0
        let scratch = dit.makeScratch(conditioning: cond, height: latent, width: latent)
        let x = rand([B, config.inChannels, latent, latent]), c = rand([B, config.inChannels, latent, latent])
        let N = scratch.tokens
        let flops = forwardFlops(config, tokens: N, textLen: L) * Double(B)
        printFlushed("ready tokens=\(N) branches=\(B) threads=\(BLASThreads.count) load_ms=\(Int(loadMs)) prepare_ms=\(String(format: "%.1f", prepMs)) prepare_allocs=\(prepAllocs) gflop=\(String(format: "%.2f", flops / 1e9))")

        var step = 0
        func forwardOnce() throws -> (Double, UInt64) {
            let a0 = pix_alloc_count()
            let s0 = nowSeconds()
            step += 1
            try dit.forward(xt: x.pointer, cond: c.pointer, t: Float(step % 50) / 50, conditioning: cond, scratch: scratch)
            let ms = (nowSeconds() - s0) * 1000
            return (ms, pix_alloc_count() - a0)
        }
        if o.flags.contains("serve") {
            while let line = readLine() {
                switch line.trimmingCharacters(in: .whitespaces) {
                case "run":
                    let (ms, allocs) = try forwardOnce()
                    printFlushed("forward_ms=\(String(format: "%.3f", ms)) allocs=\(allocs)")
                case "quit", "": return
                default: printFlushed("error unknown command \(line)")
                }
            }
            return
        }
        let iters = try o.int("iters", 5)
        var times: [Double] = [], allocsAfterFirst: UInt64 = 0
        for i in 0..<iters {
            let (ms, a) = try forwardOnce()
            times.append(ms)
            if i > 0 { allocsAfterFirst += a }
        }
        let best = times.dropFirst().min() ?? times[0]
        printFlushed("dit_forward swift_ms=\(String(format: "%.2f", best)) gflops=\(String(format: "%.1f", flops / best / 1e6)) allocs_per_step_after_first=\(iters > 1 ? Double(allocsAfterFirst) / Double(iters - 1) : 0)")
    }

    /// Matmul FLOPs of one forward for one branch (linears and attention products; row kernels ignored).
    static func forwardFlops(_ c: DiTConfig, tokens n: Int, textLen l: Int) -> Double {
        let N = Double(n), d = Double(c.dim), kv = Double(c.kvDim), h = Double(c.ffnHidden)
        var perLayer = 2 * N * d * (d + 2 * kv) + 2 * N * d * d + 2 * N * d * 2 * h + 2 * N * h * d
        perLayer += 4 * N * N * d + 4 * N * Double(l) * d
        if c.hasImageCrossAttention { perLayer += 4 * N * Double(min(c.sampleTokens, c.imageTokens)) * d }
        let outer = 2 * N * Double(c.patchInputs) * d + 2 * N * d * Double(c.patchOutputs)
        return perLayer * Double(c.nLayers) + outer
    }
}
