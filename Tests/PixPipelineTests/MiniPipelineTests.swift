import Foundation
import Testing
import PixImage
import PixModels
import PixTensor
import PixWeights
@testable import PixPipeline

/// The whole pixwizard-mini request path (WordPiece + BERT, patch image encoder, DiT + CFG + sampler)
/// against Training/fixtures/make_mini_pipeline.py (transformers BertModel + the PyTorch reference) on
/// the committed test-random fixture model.
@Suite struct MiniPipelineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let modelDir = root.appendingPathComponent("Tests/Fixtures/test-random").path
    static let fixtureDir = root.appendingPathComponent("Tests/Fixtures/mini")

    struct Case: Decodable {
        var instruction: String
        var steps: Int
        var solver: String
        var text_scale: Float
        var image_scale: Float
        var prediction: String?
    }
    struct Meta: Decodable { var cases: [Case] }

    @Test func parityWithReference() throws {
        let model = try MiniPipeline(directory: Self.modelDir)
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: Self.fixtureDir.appendingPathComponent("pipeline.json")))
        let store = try WeightStore(paths: [Self.fixtureDir.appendingPathComponent("pipeline.safetensors").path])
        let S = model.config.resolution
        for (k, c) in meta.cases.enumerated() {
            let input = try store.take("case\(k).input", shape: [3, S, S])
            let noise = try store.take("case\(k).noise", shape: [3, S, S])
            let final = try store.take("case\(k).final", shape: [3, S, S])
            let textRef = try #require(store.info("case\(k).text"))
            let text = try store.take("case\(k).text", shape: textRef.shape)
            let pooled = try store.take("case\(k).pooled", shape: [model.config.dit.capFeatDim])
            let image = try store.take("case\(k).image", shape: [model.config.dit.imageTokens, model.config.dit.imageFeatDim])

            // Encoders.
            let enc = TextEncoding(model.text.encode(c.instruction, maxTokens: model.config.textEncoder.maxTokens))
            #expect(enc.tokens.shape == text.shape, "token count differs from transformers' BertTokenizer")
            let eText = enc.tokens.normalisedError(reference: text)
            let ePooled = enc.pooled.normalisedError(reference: pooled)
            let imgTokens = try #require(model.imageEncoder).encode(input)
            let eImage = imgTokens.normalisedError(reference: image)

            // Whole request.
            let rgb = PixelTensor.toRGB(input)
            #expect(PixelTensor.fromRGB(rgb).normalisedError(reference: input) < 1e-6)
            let req = EditRequest(image: rgb, instruction: c.instruction, steps: c.steps,
                                  solver: Solver(rawValue: c.solver) ?? .euler,
                                  textGuidance: c.text_scale, imageGuidance: c.image_scale, previewEvery: 1)
            var previews = 0
            var progress = 0
            let out = try model.run(req, cancel: CancellationFlag(), events: { e in
                switch e {
                case .preview(_, _, _, let img): previews += 1; #expect(img.width == S && img.height == S)
                case .progress(.denoise, _, _): progress += 1
                default: break
                }
            }, noise: noise, prediction: try #require(Prediction(rawValue: c.prediction ?? "velocity")))
            let eFinal = out.sample.normalisedError(reference: final)
            print("mini_pipeline parity case=\(k) prediction=\(c.prediction ?? "velocity") solver=\(c.solver) steps=\(c.steps) s_txt=\(c.text_scale) s_img=\(c.image_scale) text=\(eText) pooled=\(ePooled) image_tokens=\(eImage) final=\(eFinal)")
            #expect(eText <= 1e-4)
            #expect(ePooled <= 1e-4)
            #expect(eImage <= 1e-4)
            #expect(eFinal <= 1e-4)
            #expect(previews == c.steps)
            #expect(progress == c.steps)
            #expect(out.image == PixelTensor.toRGB(out.sample))
        }
    }

    /// s_txt = s_img = 1 runs the conditioned branch alone; it must equal the full three-branch formula.
    @Test func unguidedRunsOneBranch() throws {
        let m = try MiniPipeline(directory: Self.modelDir)
        let S = m.config.resolution
        let cond = PixelTensor.fromRGB(RGBImage(width: S, height: S, fill: (90, 160, 30)))
        let p = TextEncoding(m.text.encode("remove the rain", maxTokens: 32)), e = TextEncoding(m.text.encode("", maxTokens: 32))
        let feats = try #require(m.imageEncoder).encode(cond)
        let inputs = GuidanceInputs(conditionLatent: cond,
                                    prompt: (features: p.tokens, mask: [Bool](repeating: true, count: p.tokens.shape[0]), task: p.pooled),
                                    emptyPrompt: (features: e.tokens, mask: [Bool](repeating: true, count: e.tokens.shape[0]), task: e.pooled),
                                    imageFeatures: feats)
        let noise = FlowSampler.noise(seed: 3, channels: 3, height: S, width: S)
        let one = ClassifierFreeGuidance(textScale: 1, imageScale: 1)
        let three = ClassifierFreeGuidance(textScale: 1, imageScale: 1, shortcut: false)
        #expect(one.branches == 1 && three.branches == 3)
        let a = try m.sampler.sample(noise: noise, inputs: inputs, options: SamplerOptions(steps: 3, guidance: one))
        let b = try m.sampler.sample(noise: noise, inputs: inputs, options: SamplerOptions(steps: 3, guidance: three))
        let err = a.normalisedError(reference: b)
        print("cfg one-branch vs three-branch (s_txt = s_img = 1): normalised error \(err)")
        #expect(err <= 1e-5)
    }

    @Test func loaderDispatchesOnFamily() throws {
        let m = try ModelLoader.load(directory: Self.modelDir)
        #expect(m.info.family == "test-random")
        #expect(m.info.defaultResolution == 32)
        #expect(throws: EngineError.self) { try ModelLoader.load(directory: "/nonexistent-model-dir") }
    }

    @Test func rejectsBadRequestsBeforeWork() throws {
        let m = try MiniPipeline(directory: Self.modelDir)
        let img = RGBImage(width: 40, height: 24, fill: (10, 20, 30))
        var events = 0
        let bad: [EditRequest] = [
            EditRequest(image: img, instruction: "   "),
            EditRequest(image: img, instruction: "x", steps: 100_000),
            EditRequest(image: img, instruction: "x", textGuidance: .nan),
            EditRequest(image: img, instruction: "x", resolution: .exact(width: 64, height: 48)),
        ]
        for r in bad {
            #expect(throws: EngineError.self) { _ = try m.edit(r, cancel: CancellationFlag()) { _ in events += 1 } }
        }
        #expect(events == 0)
    }

    @Test func seededAndCancellable() throws {
        let m = try MiniPipeline(directory: Self.modelDir)
        let img = RGBImage(width: 48, height: 40, fill: (200, 100, 50))   // resized to 32x32
        let r = EditRequest(image: img, instruction: "remove the noise", seed: 7, steps: 3)
        let a = try m.edit(r, cancel: CancellationFlag()) { _ in }
        let b = try m.edit(r, cancel: CancellationFlag()) { _ in }
        #expect(a == b)
        #expect(a.width == 32 && a.height == 32)
        var r2 = r; r2.seed = 8
        #expect(try m.edit(r2, cancel: CancellationFlag()) { _ in } != a)
        // Cancelled after the first step: no further step, no decode.
        let flag = CancellationFlag()
        var steps = 0, decoded = false
        #expect(throws: EngineError.cancelled) {
            _ = try m.edit(r, cancel: flag) { e in
                if case .progress(.denoise, _, _) = e { steps += 1; flag.cancel() }
                if case .stageStarted(.decode) = e { decoded = true }
            }
        }
        #expect(steps == 1 && !decoded)
        // Previews at the requested maximum size, every second step and at the last one.
        var sizes: [(Int, Int, Int)] = []
        var rp = r; rp.previewEvery = 2; rp.previewMaxSize = 16
        _ = try m.edit(rp, cancel: CancellationFlag()) { e in
            if case .preview(let step, _, _, let img) = e { sizes.append((step, img.width, img.height)) }
        }
        #expect(sizes.map(\.0) == [2, 3])
        #expect(sizes.allSatisfy { $0.1 == 16 && $0.2 == 16 })
    }
}
