import Foundation
import Testing
@testable import PixModels
@testable import PixTensor
@testable import PixWeights

/// Tests/Fixtures/dit, made by Training/fixtures/make_dit.py from the PyTorch reference.
let ditFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/dit").path

func loadFixtureDiT() throws -> PixWizardDiT {
    let config = try DiTConfig.load(path: ditFixtures + "/config.json")
    let weights = try DiTWeights(config: config, paths: [ditFixtures + "/weights.safetensors"])
    return PixWizardDiT(weights: weights)
}

/// Row b of a [B, ...] tensor as a new tensor of shape `shape`.
func row(_ t: Tensor, _ b: Int, _ shape: [Int]) -> Tensor {
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, values: Array(t.array[(b * n)..<((b + 1) * n)]))
}

@Suite struct DiTParityTests {
    @Test func forwardAndEveryLayerMatchReference() throws {
        let dit = try loadFixtureDiT()
        let c = dit.config
        let f = try SafeTensorsFile(path: ditFixtures + "/forward.safetensors")
        let x = try f.tensor("x_t"), cond = try f.tensor("cond"), text = try f.tensor("text")
        let mask = try f.tensor("text_mask"), task = try f.tensor("task"), image = try f.tensor("image"), t = try f.tensor("t")
        let B = x.shape[0], L = text.shape[1], T = image.shape[1], H = x.shape[2], W = x.shape[3]
        var branches: [DiTBranchInput] = []
        for b in 0..<B {
            branches.append(DiTBranchInput(textFeatures: row(text, b, [L, c.capFeatDim]),
                                           textMask: (0..<L).map { mask[b * L + $0] != 0 },
                                           taskEmbedding: row(task, b, [c.clipTextDim]),
                                           imageFeatures: row(image, b, [T, c.imageFeatDim])))
        }
        var taps: [String: Tensor] = [:]
        let cd = try dit.prepare(branches, tap: { taps[$0] = $1 })
        let scratch = dit.makeScratch(conditioning: cd, height: H, width: W)
        try dit.forward(xt: x.pointer, cond: cond.pointer, t: t[0], conditioning: cd, scratch: scratch, tap: { taps[$0] = $1 })
        var worst: Float = 0
        func check(_ name: String, _ got: Tensor, _ ref: Tensor, _ tol: Float = 1e-4) {
            let e = got.normalisedError(reference: ref)
            worst = max(worst, e)
            print("dit parity \(name): normalised error \(e)")
            #expect(e <= tol, "\(name)")
        }
        for name in ["task_emb", "x_embed", "adaln", "final"] {
            guard let got = taps[name] else { Issue.record("no tap \(name)"); continue }
            check(name, got, try f.tensor(name))
        }
        for i in 0..<c.nLayers {
            for n in ["attn.q_rope", "attn_out", "after_attn", "out"] {
                let name = "layers.\(i).\(n)"
                guard let got = taps[name] else { Issue.record("no tap \(name)"); continue }
                check(name, got, try f.tensor(name))
            }
            // scorer logits and selection of the two branches that have an image (branch 2 is dropped)
            let refScores = try f.tensor("layers.\(i).scores"), refIdx = try f.tensor("layers.\(i).selected_idx")
            if let got = taps["layers.\(i).scores"] {
                check("layers.\(i).scores", row(got, 0, [2, T]), row(refScores, 0, [2, T]))
            } else { Issue.record("no scores tap") }
            for b in 0..<2 {
                let S = c.sampleTokens
                #expect(cd.selected[i][b] == (0..<S).map { Int(refIdx[b * S + $0]) }, "layer \(i) branch \(b) selection")
            }
            #expect(cd.selected[i][2].isEmpty && cd.imageK[i][2] == nil, "branch 2 is image-dropped")
        }
        check("forward output", scratch.output, try f.tensor("out"))
        // proportional attention with base 40 tokens
        try dit.forward(xt: x.pointer, cond: cond.pointer, t: t[0], conditioning: cd, scratch: scratch, baseTokens: 40)
        check("forward output (base_tokens 40)", scratch.output, try f.tensor("out_base40"))
        print("dit parity worst normalised error \(worst)")
    }

    @Test func strictLoadingNamesTheKey() throws {
        let config = try DiTConfig.load(path: ditFixtures + "/config.json")
        let src = try SafeTensorsFile(path: ditFixtures + "/weights.safetensors")
        var items: [(String, Tensor)] = []
        for k in src.tensors.keys.sorted() { items.append((k, try src.tensor(k))) }
        let dir = NSTemporaryDirectory() + "dit-strict-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func expectFailure(_ its: [(String, Tensor)], _ needle: String) throws {
            try SafeTensorsFile.write(its, to: dir + "/w.safetensors")
            do { _ = try DiTWeights(config: config, paths: [dir + "/w.safetensors"]); Issue.record("loaded; expected \(needle)") } catch {
                #expect(error.description.contains(needle), "\(error.description)")
            }
        }
        try expectFailure(items.filter { $0.0 != "layers.1.attention.wk_ii.weight" }, "missing weight layers.1.attention.wk_ii.weight")
        try expectFailure(items + [("layers.0.extra", Tensor(shape: [1]))], "layers.0.extra")
        try expectFailure(items.map { $0.0 == "layers.0.attention.gate" ? ($0.0, Tensor(shape: [5])) : $0 }, "layers.0.attention.gate")
        // the same weights stored as BF16 load
        try SafeTensorsFile.write(items, dtype: .bf16, to: dir + "/w.safetensors")
        _ = try DiTWeights(config: config, paths: [dir + "/w.safetensors"])
    }

    @Test func configValidation() throws {
        var c = DiTConfig.official2B
        #expect(c.ffnHidden == 6144 && c.headDim == 72 && c.kvDim == 576 && c.adaDim == 1024 && c.patchInputs == 32)
        c.nKVHeads = 5
        #expect(throws: ModelError.self) { try c.validate() }
        #expect(throws: ModelError.self) { _ = try DiTConfig.load(json: Data("{\"dit\": {\"dim\": 3}}".utf8)) }
    }
}
