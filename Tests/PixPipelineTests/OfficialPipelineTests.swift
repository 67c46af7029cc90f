import Foundation
import Testing
@testable import PixPipeline
import PixImage
import PixModels
import PixTensor
import PixText
import PixWeights

/// The whole official pipeline on the converted FAKE official release (tiny random weights; test fixture)
/// against a PyTorch composition of transformers/diffusers/reference modules (Training/fixtures/make_official.py).
@Suite struct OfficialPipelineTests {
    static let dir: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("Tests/Fixtures/official").path
    }()

    struct Meta: Decodable {
        var prompt: String; var width: Int; var height: Int; var steps: Int
        var text_guidance: Float; var image_guidance: Float; var base_tokens: Int
        var gemma_ids: [[Int32]]; var gemma_mask: [[Int32]]; var clip_ids: [[Int32]]
    }

    let meta: Meta
    let io: SafeTensorsFile
    let model: OfficialPipeline

    init() throws {
        meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/pipeline.json")))
        io = try SafeTensorsFile(path: Self.dir + "/pipeline.safetensors")
        model = try OfficialPipeline(directory: Self.dir + "/model")
    }

    func ref(_ k: String) throws -> Tensor { try io.tensor(k) }
    func err(_ a: Tensor, _ b: Tensor) -> Float { Tensor.normalisedError(a.pointer, b.pointer, count: b.count) }

    func sourceImage() throws -> RGBImage {
        let s = try ref("src")   // [H, W, 3]
        return RGBImage(width: s.shape[1], height: s.shape[0], pixels: s.array.map { UInt8($0) })
    }

    @Test func wholeTinyPipelineMatchesPyTorch() throws {
        #expect(model.info.family == "pixwizard-official")
        let resized = lanczosResize(try sourceImage(), width: meta.width, height: meta.height)
        #expect(resized.pixels.map(Float.init) == (try ref("resized")).array)

        let text = try model.encodeText(gemmaIds: meta.gemma_ids, gemmaMask: meta.gemma_mask, clipIds: meta.clip_ids)
        let gf = try ref("gemma_features"), te = try ref("text_embeds")   // [2, L, 32], [2, 24]
        let eG = max(err(text.prompt.features, gf.slice(0, 1)), err(text.empty.features, gf.slice(1, 1)))
        let eT = max(err(text.prompt.task, te.slice(0, 1)), err(text.empty.task, te.slice(1, 1)))

        let img = try model.encodeImage(PlanarImage(signedPixelsOf: resized))
        let eC = err(img.tokens, try ref("clip_tokens"))
        let eL = err(img.latent, try ref("cond_latent"))

        let noise = try ref("noise").reshaped([4, meta.height / 8, meta.width / 8])
        let inputs = GuidanceInputs(conditionLatent: img.latent, prompt: text.prompt, emptyPrompt: text.empty, imageFeatures: img.tokens)
        var seen = 0
        let final = try model.denoise(noise: noise, inputs: inputs, steps: meta.steps, textGuidance: meta.text_guidance,
                                      imageGuidance: meta.image_guidance, baseTokens: meta.base_tokens) { _ in seen += 1 }
        let eF = err(final, try ref("final_latent"))
        let dec = try model.decode(latent: final)
        let eD = err(dec.pixels, try ref("decoded"))
        let u8 = try ref("output_u8").array
        let maxByte = zip(dec.image.pixels, u8).map { abs(Float($0) - $1) }.max() ?? 0
        print("official pipeline (tiny fake release, fp16 storage): gemma \(eG), clip text \(eT), clip vision \(eC), "
              + "vae latent \(eL), final latent after \(meta.steps) CFG steps \(eF), decoded \(eD), max |Δbyte| \(maxByte)")
        #expect(seen == meta.steps)
        for e in [eG, eT, eC, eL] { #expect(e <= 1e-4) }
        #expect(eF <= 1e-4)
        #expect(eD <= 1e-4)
        #expect(maxByte <= 1)
    }

    @Test func tokenizersGiveTheFixtureIds() throws {
        let gt = try GemmaTokenizer(directory: Self.dir + "/model/tokenizer/gemma")
        let g = gt.encodeBatch([meta.prompt, ""], maxLength: 256, multipleOf: 8)
        #expect(g.ids == meta.gemma_ids)
        #expect(g.mask == meta.gemma_mask)
        let ct = try CLIPTokenizer(directory: Self.dir + "/model/tokenizer/clip")
        #expect([ct.encodeForCLIP(meta.prompt).ids, ct.encodeForCLIP("").ids] == meta.clip_ids)
    }

    @Test func editRunsEndToEndWithEventsAndPreviews() throws {
        var events: [PipelineEvent] = []
        let req = EditRequest(image: try sourceImage(), instruction: meta.prompt, seed: 7, steps: 3,
                              resolution: .exact(width: 64, height: 48), previewEvery: 2, previewMaxSize: 32)
        let out = try model.edit(req, cancel: CancellationFlag()) { events.append($0) }
        #expect(out.width == 64 && out.height == 48)
        var previews = 0, progress = 0
        for e in events {
            if case let .preview(step, total, _, image) = e {
                previews += 1
                #expect(total == 3 && (step == 2 || step == 3))
                #expect(max(image.width, image.height) == 32)
            }
            if case .progress(stage: .denoise, _, _) = e { progress += 1 }
        }
        #expect(previews == 2 && progress == 3)
        if case let .stages(s) = events.first { #expect(s.last == .decode) } else { Issue.record("stages not first") }
        // Same seed, same output; bucket mode picks the closest aspect ratio.
        let again = try model.edit(req, cancel: CancellationFlag()) { _ in }
        #expect(again == out)
    }

    @Test func cancellationAndBadInputsAreTypedErrors() throws {
        let flag = CancellationFlag()
        flag.cancel()
        let req = EditRequest(image: try sourceImage(), instruction: "x", steps: 2, resolution: .exact(width: 64, height: 48))
        #expect(throws: EngineError.cancelled) { try model.edit(req, cancel: flag) { _ in } }
        var bad = req
        bad.resolution = .exact(width: 60, height: 48)
        #expect(throws: EngineError.self) { try model.edit(bad, cancel: CancellationFlag()) { _ in } }
        bad.resolution = .bucket(640)
        #expect(throws: EngineError.self) { try model.edit(bad, cancel: CancellationFlag()) { _ in } }
        #expect(throws: EngineError.self) { try OfficialPipeline(directory: Self.dir + "/gemma") }
    }

    @Test func loaderDispatchesOnFamilyAndNeedsTokenizers() throws {
        let loaded = try ModelLoader.load(directory: Self.dir + "/model")
        #expect(loaded is OfficialPipeline && loaded.info == model.info)
        // The config alone gives the same info (the daemon lists and sizes requests with it before loading).
        #expect(try ModelLoader.info(directory: Self.dir + "/model") == model.info)
        #expect(model.info.resolutions == [512, 768, 1024] && model.info.sizeMultiple == 16)
        let wide = EditRequest(image: RGBImage(width: 300, height: 100, pixels: [UInt8](repeating: 0, count: 90_000)), instruction: "x")
        let plan = try model.info.outputPlan(for: wide)
        #expect(plan.centre == 768 && plan.width > plan.height && plan.width % 16 == 0)

        // A converted directory without its tokenizers does not load, and says what is missing.
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("official-notok-\(getpid())")
        try? FileManager.default.removeItem(at: tmp)
        try FileManager.default.copyItem(atPath: Self.dir + "/model", toPath: tmp.path)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.removeItem(at: tmp.appendingPathComponent("tokenizer/clip"))
        do {
            _ = try ModelLoader.load(directory: tmp.path)
            Issue.record("loaded without a CLIP tokenizer")
        } catch {
            guard case .modelFormat(let m) = error else { Issue.record("\(error)"); return }
            #expect(m.contains("tokenizer"), "\(m)")
        }
    }
}
