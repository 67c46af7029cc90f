import Foundation
import PixImage
import PixModels
import PixTensor

/// The pipeline of pixwizard-mini-architecture models (the embedded default model and the test-random
/// fixture): pixel space, one fixed square resolution.
///   preprocess:   Lanczos resize of the input to S×S, pixels → [3, S, S] in [-1, 1] (the structure condition)
///   encodeText:   MiniLM token features [L, 384] + sentence embedding [384] for the prompt and for ""
///   encodeImage:  patch image encoder → semantic tokens [T, E] (if the model has one)
///   denoise:      rectified-flow sampler with PixWizard's CFG (FlowSampler), previews of x̂₁
///   decode:       [3, S, S] → RGB8 (pixel space: no VAE)
public final class MiniPipeline: EditModel, @unchecked Sendable {
    public let config: MiniModelConfig
    public let info: ModelInfo
    let dit: PixWizardDiT
    let sampler: FlowSampler
    let text: MiniLMEncoder
    let imageEncoder: PatchImageEncoder?

    /// The validated config.json of a mini-architecture model directory.
    public static func config(directory: String) throws(EngineError) -> MiniModelConfig {
        let cfgURL = URL(fileURLWithPath: directory).appendingPathComponent("config.json")
        let cfg: MiniModelConfig
        do {
            let data = try Data(contentsOf: cfgURL)
            cfg = try JSONDecoder().decode(MiniModelConfig.self, from: data)
        } catch {
            throw .modelFormat("\(cfgURL.path): \(error)")
        }
        try cfg.validate()
        return cfg
    }

    /// What the daemon reports about a model directory with this config (no weights read).
    public static func info(_ cfg: MiniModelConfig) -> ModelInfo {
        ModelInfo(name: cfg.name, family: cfg.family, description: cfg.description ?? cfg.family,
                  defaultSteps: cfg.sampler.steps, defaultTextGuidance: cfg.sampler.textGuidance,
                  defaultImageGuidance: cfg.sampler.imageGuidance, defaultResolution: cfg.resolution,
                  sizeMultiple: cfg.resolution, tasks: cfg.tasks.map { (name: $0.name, example: $0.example) })
    }

    public init(directory: String) throws(EngineError) {
        let dir = URL(fileURLWithPath: directory)
        let cfg = try Self.config(directory: directory)
        config = cfg
        do {
            let files = (cfg.ditWeights ?? ["dit.safetensors"]).map { dir.appendingPathComponent($0).path }
            let weights = try DiTWeights(config: cfg.dit, paths: files)
            dit = PixWizardDiT(weights: weights)
        } catch {
            throw .modelFormat("\(dir.path): DiT: \(error)")
        }
        sampler = FlowSampler(dit: dit)
        let textDir = dir.appendingPathComponent(cfg.textEncoder.dir).standardizedFileURL.path
        do {
            text = try MiniLMEncoder(directory: textDir)
        } catch {
            throw .modelFormat("text encoder at \(textDir): \(error) (for pixwizard-mini run `make setup`, which fetches all-MiniLM-L6-v2)")
        }
        if let e = cfg.imageEncoder {
            do {
                imageEncoder = try PatchImageEncoder(weightsPath: dir.appendingPathComponent(e.weights).path, patch: e.patchSize,
                                                     imageSize: e.imageSize, dim: e.dim, eps: e.normEps)
            } catch {
                throw .modelFormat("\(dir.path): image encoder: \(error)")
            }
        } else {
            imageEncoder = nil
        }
        info = Self.info(cfg)
    }

    public static let maxSteps = 1000

    public func edit(_ request: EditRequest, cancel: CancellationFlag,
                     events: (PipelineEvent) -> Void) throws(EngineError) -> RGBImage {
        try run(request, cancel: cancel, events: events, noise: nil).image
    }

    /// The whole request; `noise` [3, S, S] replaces the seeded initial noise and `prediction` the config's
    /// (parity tests). Returns the final sample [3, S, S] in [-1, 1] and its RGB8 image.
    func run(_ request: EditRequest, cancel: CancellationFlag, events: (PipelineEvent) -> Void,
             noise noiseOverride: Tensor?, prediction: Prediction? = nil) throws(EngineError) -> (sample: Tensor, image: RGBImage) {
        let S = config.resolution
        // Validate everything before any work.
        let instruction = request.instruction.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !instruction.isEmpty else {
            throw .invalidArgument("the instruction is empty: say what to do, e.g. \"\(config.tasks.first?.example ?? "remove the noise")\"")
        }
        _ = try info.outputPlan(for: request)   // S×S only
        let steps = request.steps == 0 ? config.sampler.steps : request.steps
        guard steps >= 1, steps <= Self.maxSteps else { throw .invalidArgument("steps must be 1...\(Self.maxSteps), got \(steps)") }
        let sTxt = request.textGuidance ?? config.sampler.textGuidance
        let sImg = request.imageGuidance ?? config.sampler.imageGuidance
        guard sTxt.isFinite, sImg.isFinite, abs(sTxt) <= 100, abs(sImg) <= 100 else {
            throw .invalidArgument("guidance scales must be finite and within ±100 (text \(sTxt), image \(sImg))")
        }
        guard request.image.width > 0, request.image.height > 0 else { throw .invalidArgument("the input image is empty") }

        var stages: [Stage] = [.preprocess, .encodeText]
        if imageEncoder != nil { stages.append(.encodeImage) }
        stages += [.denoise, .decode]
        events(.stages(stages))

        func timed<T>(_ stage: Stage, _ body: () throws(EngineError) -> T) throws(EngineError) -> T {
            if cancel.isCancelled { throw .cancelled }
            events(.stageStarted(stage))
            let start = DispatchTime.now().uptimeNanoseconds
            let r = try body()
            events(.stageFinished(stage, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            return r
        }

        let condition = try timed(.preprocess) { () throws(EngineError) -> Tensor in
            let img = request.image
            let resized = (img.width == S && img.height == S) ? img : lanczosResize(img, width: S, height: S)
            return PixelTensor.fromRGB(resized)                                      // [3, S, S]
        }
        let maxTokens = config.textEncoder.maxTokens
        let (prompt, empty) = try timed(.encodeText) { () throws(EngineError) -> (TextEncoding, TextEncoding) in
            let p = text.encode(instruction, maxTokens: maxTokens)
            events(.progress(stage: .encodeText, step: 1, total: 2))
            if cancel.isCancelled { throw .cancelled }
            let e = text.encode("", maxTokens: maxTokens)
            events(.progress(stage: .encodeText, step: 2, total: 2))
            return (TextEncoding(p), TextEncoding(e))
        }
        var imageTokens: Tensor? = nil
        if let enc = imageEncoder {
            imageTokens = try timed(.encodeImage) { () throws(EngineError) -> Tensor in
                do { return try enc.encode(condition) } catch { throw .internalError("image encoder: \(error)") }   // [T, E]
            }
        }
        let previewEvery = request.previewEvery
        let previewMax = request.previewMaxSize
        let x = try timed(.denoise) { () throws(EngineError) -> Tensor in
            let noise = noiseOverride ?? FlowSampler.noise(seed: request.seed, channels: 3, height: S, width: S)   // [3, S, S]
            let inputs = GuidanceInputs(
                conditionLatent: condition,
                prompt: (features: prompt.tokens, mask: [Bool](repeating: true, count: prompt.tokens.shape[0]), task: prompt.pooled),
                emptyPrompt: (features: empty.tokens, mask: [Bool](repeating: true, count: empty.tokens.shape[0]), task: empty.pooled),
                imageFeatures: imageTokens)
            let options = SamplerOptions(steps: steps, solver: request.solver, shift: config.sampler.shift,
                                         guidance: ClassifierFreeGuidance(textScale: sTxt, imageScale: sImg),
                                         prediction: prediction ?? config.prediction ?? .velocity)
            // The sampler's step callback is optional (hence escaping); it runs only inside sample().
            return try withoutActuallyEscaping(events) { (emit) throws(EngineError) -> Tensor in
                try sampler.sample(noise: noise, inputs: inputs, options: options, cancel: cancel) { s in
                    emit(.progress(stage: .denoise, step: s.step, total: s.total))
                    if previewEvery > 0, s.step % previewEvery == 0 || s.step == s.total {
                        var img = PixelTensor.toRGB(s.predicted)
                        if previewMax > 0, max(img.width, img.height) > previewMax {
                            let f = Double(previewMax) / Double(max(img.width, img.height))
                            img = lanczosResize(img, width: max(1, Int((Double(img.width) * f).rounded())),
                                                height: max(1, Int((Double(img.height) * f).rounded())))
                        }
                        emit(.preview(step: s.step, total: s.total, t: s.t, image: img))
                    }
                }
            }
        }
        let image = try timed(.decode) { () throws(EngineError) -> RGBImage in PixelTensor.toRGB(x) }
        return (x, image)
    }
}

/// MiniLM output in the form the DiT takes: token features [L, D] and the sentence embedding [D].
struct TextEncoding {
    let tokens: Tensor   // [L, D]
    let pooled: Tensor   // [D]
    init(_ e: (tokens: Tensor, pooled: [Float])) {
        tokens = e.tokens
        pooled = Tensor(shape: [e.pooled.count], values: e.pooled)
    }
}
