import Foundation
import PixImage
import PixModels
import PixTensor
import PixText

/// The official PixWizard checkpoint behind the `EditModel` contract (pixwizard-reference.md §1):
///   bucket (closest aspect ratio) → Lanczos resize → [-1, 1] pixels
///   → Gemma hidden_states[−2] of [prompt, ""] (right-padded to a multiple of 8) and CLIP text_embeds
///   → CLIP vision patch tokens (bicubic 336², CLIP normalisation) and the VAE latent mean × 0.13025
///   → rectified-flow Euler over linspace(0, 1, steps + 1) with three-branch CFG (two when s_img == 1)
///   → VAE decode, (x + 1)/2 clamped, × 255 truncated (to_pil_image), at bucket size.
/// The DiT stays loaded; Gemma, CLIP and the VAE are opened per request (memory-mapped, converted to fp32
/// one layer at a time) and released when their stage ends.
public final class OfficialPipeline: EditModel, @unchecked Sendable {
    public let info: ModelInfo
    public let config: OfficialModelConfig
    public let directory: String
    let dit: PixWizardDiT
    let sampler: FlowSampler
    let gemmaTokenizer: GemmaTokenizer
    let clipTokenizer: CLIPTokenizer

    public init(directory: String) throws(EngineError) {
        self.directory = directory
        let c = try OfficialModelConfig.load(directory: directory)
        config = c
        // Strict checks of every encoder file now (headers only), so that a bad directory fails at load.
        do {
            _ = try GemmaEncoder(config: c.gemma, weightsPath: directory + "/gemma.safetensors")
            _ = try CLIPTextEncoder(config: c.clipText, weightsPath: directory + "/clip_text.safetensors")
            _ = try CLIPVisionEncoder(config: c.clipVision, weightsPath: directory + "/clip_vision.safetensors")
            _ = try VAE(config: c.vae, weightsPath: directory + "/vae.safetensors")
            dit = PixWizardDiT(weights: try DiTWeights(config: c.dit, paths: [directory + "/dit.safetensors"]))
        } catch { throw .modelFormat("\(directory): \(error.description)") }
        sampler = FlowSampler(dit: dit)
        // Tokenizers: a model directory without them cannot edit, so it does not load.
        do {
            gemmaTokenizer = try GemmaTokenizer(directory: directory + "/tokenizer/gemma")
            clipTokenizer = try CLIPTokenizer(directory: directory + "/tokenizer/clip")
        } catch {
            throw .modelFormat("\(directory)/tokenizer: \(error) (a converted model holds tokenizer/gemma/tokenizer.json "
                + "and tokenizer/clip/{vocab.json,merges.txt}: rerun Training/convert_official.py)")
        }
        info = Self.info(c)
    }

    /// What the daemon reports about a model directory with this config (no weights read).
    public static func info(_ c: OfficialModelConfig) -> ModelInfo {
        ModelInfo(name: c.name, family: OfficialModelConfig.family,
                  description: "PixWizard (official checkpoint, \(c.dtype)): Gemma-2B + CLIP ViT-L/14-336 + SDXL VAE, "
                    + "\(c.dit.nLayers)-layer DiT dim \(c.dit.dim)",
                  defaultSteps: c.defaults.steps, defaultTextGuidance: c.defaults.textGuidance,
                  defaultImageGuidance: c.defaults.imageGuidance, defaultResolution: c.defaults.resolution,
                  sizeMultiple: c.sizeMultiple, tasks: OfficialPipeline.tasks, resolutions: c.defaults.resolutions)
    }

    static let tasks: [(name: String, example: String)] = [
        ("denoise", "Remove the noise and grain from this image."),
        ("derain", "Erase the rain streaks from the image."),
        ("dehaze", "Dehaze"),
        ("super-resolution", "Use super-resolution to make the image sharper and more detailed."),
        ("depth", "Create a depth map that captures the spatial relationships and distances in the image."),
        ("segmentation", "Semantic segmentation."),
        ("canny", "Image to canny edge."),
        ("edit", "Add the group of birds at the top left"),
        ("inpaint", "Follow the caption to inpaint the designated area of the image: a cat on a sofa"),
        ("text-to-image", "Text to image generation: a red house by a lake"),
    ]

    // MARK: EditModel

    public func edit(_ request: EditRequest, cancel: CancellationFlag,
                     events: (PipelineEvent) -> Void) throws(EngineError) -> RGBImage {
        let c = config
        guard request.image.width > 0, request.image.height > 0 else { throw .invalidArgument("empty input image") }
        let steps = request.steps == 0 ? c.defaults.steps : request.steps
        guard steps >= 1, steps <= 1000 else { throw .invalidArgument("steps must be in 1...1000") }
        let sTxt = request.textGuidance ?? c.defaults.textGuidance
        let sImg = request.imageGuidance ?? c.defaults.imageGuidance
        guard sTxt.isFinite, sImg.isFinite else { throw .invalidArgument("guidance scales must be finite") }
        let (width, height, centre) = try info.outputPlan(for: request)
        events(.stages([.preprocess, .encodeText, .encodeImage, .denoise, .decode]))

        var clock = ContinuousClock.now
        func begin(_ s: Stage) throws(EngineError) {
            if cancel.isCancelled { throw .cancelled }
            clock = .now
            events(.stageStarted(s))
        }
        func end(_ s: Stage) {
            let d = ContinuousClock.now - clock
            events(.stageFinished(s, seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
        }

        try begin(.preprocess)
        let resized = (width == request.image.width && height == request.image.height)
            ? request.image : lanczosResize(request.image, width: width, height: height)
        let pixels = PlanarImage(signedPixelsOf: resized)
        end(.preprocess)

        try begin(.encodeText)
        let g = gemmaTokenizer.encodeBatch([request.instruction, ""], maxLength: c.gemma.maxLength, multipleOf: c.gemma.padToMultipleOf)
        let clipIds = [clipTokenizer.encodeForCLIP(request.instruction).ids, clipTokenizer.encodeForCLIP("").ids]
        let text = try encodeText(gemmaIds: g.ids, gemmaMask: g.mask, clipIds: clipIds, cancel: cancel)
        end(.encodeText)

        try begin(.encodeImage)
        let image = try encodeImage(pixels, cancel: cancel)
        end(.encodeImage)

        try begin(.denoise)
        let lh = height / c.vae.downFactor, lw = width / c.vae.downFactor
        let noise = FlowSampler.noise(seed: request.seed, channels: c.dit.inChannels, height: lh, width: lw)
        let inputs = GuidanceInputs(conditionLatent: image.latent, prompt: text.prompt, emptyPrompt: text.empty,
                                    imageFeatures: image.tokens)
        let every = request.previewEvery
        let latent = try withoutActuallyEscaping(events) { (ev) throws(EngineError) -> Tensor in
            try denoise(noise: noise, inputs: inputs, steps: steps, solver: request.solver, textGuidance: sTxt,
                        imageGuidance: sImg, baseTokens: (centre / 16) * (centre / 16), cancel: cancel) { st in
                ev(.progress(stage: .denoise, step: st.step, total: st.total))
                if every > 0 && (st.step % every == 0 || st.step == st.total) {
                    let img = LatentPreview.image(st.predicted.pointer, channels: c.dit.inChannels, height: lh, width: lw,
                                                  outWidth: width, outHeight: height, maxSide: request.previewMaxSize)
                    ev(.preview(step: st.step, total: st.total, t: st.t, image: img))
                }
            }
        }
        end(.denoise)

        try begin(.decode)
        let out = try decode(latent: latent, cancel: cancel).image
        end(.decode)
        return out
    }

    // MARK: stages (tokenized entry points; also what the parity tests call)

    public typealias TextCondition = (features: Tensor, mask: [Bool], task: Tensor)

    /// Gemma features of each row (all rows padded to the same L, masks kept) and CLIP text_embeds.
    /// Row 0 is the prompt, row 1 the empty prompt.
    public func encodeText(gemmaIds: [[Int32]], gemmaMask: [[Int32]], clipIds: [[Int32]],
                           cancel: CancellationFlag? = nil) throws(EngineError) -> (prompt: TextCondition, empty: TextCondition) {
        guard gemmaIds.count == 2, clipIds.count == 2 else { throw .invalidArgument("text: two rows expected (prompt, \"\")") }
        do {
            let gemma = try GemmaEncoder(config: config.gemma, weightsPath: directory + "/gemma.safetensors")
            let feats = try gemma.encode(ids: gemmaIds, mask: gemmaMask) { cancel?.isCancelled == true }   // [2, L, cap]
            if cancel?.isCancelled == true { throw EngineError.cancelled }
            let clip = try CLIPTextEncoder(config: config.clipText, weightsPath: directory + "/clip_text.safetensors")
            let L = feats.shape[1]
            var rows: [TextCondition] = []
            for b in 0..<2 {
                let task = try clip.encode(ids: clipIds[b])
                rows.append((feats.slice(b, 1).reshaped([L, config.gemma.hiddenSize]).copy(), gemmaMask[b].map { $0 != 0 },
                             Tensor(shape: [task.count], values: task)))
            }
            return (rows[0], rows[1])
        } catch let e as EngineError {
            throw e
        } catch let e as ModelError {
            if cancel?.isCancelled == true { throw .cancelled }
            throw .internalError("text encoders: \(e.description)")
        } catch {
            throw .internalError("text encoders: \(error)")
        }
    }

    /// CLIP vision patch tokens [T, D] (bicubic to the CLIP size, align_corners, CLIP normalisation) and the
    /// scaled VAE latent mean [C, H/8, W/8] of [-1, 1] pixels.
    public func encodeImage(_ pixels: PlanarImage, cancel: CancellationFlag? = nil) throws(EngineError) -> (tokens: Tensor, latent: Tensor) {
        let cv = config.clipVision, s = cv.imageSize
        var r = bicubicResizeAlignCorners(pixels, height: s, width: s)
        let hw = s * s
        for c in 0..<3 { for p in 0..<hw { r.values[c * hw + p] = ((r.values[c * hw + p] + 1) / 2 - cv.imageMean[c]) / cv.imageStd[c] } }
        do {
            let tokens = try CLIPVisionEncoder(config: cv, weightsPath: directory + "/clip_vision.safetensors").encode(pixels: r.values)
            if cancel?.isCancelled == true { throw ModelError.invalidInput("cancelled") }
            let vae = try VAE(config: config.vae, weightsPath: directory + "/vae.safetensors")
            let img = FeatureMap(data: Tensor(shape: [3, pixels.height, pixels.width], values: pixels.values), channels: 3,
                                 height: pixels.height, width: pixels.width)
            let lat = try vae.encode(img) { cancel?.isCancelled == true }
            return (tokens, lat.data)
        } catch {
            if cancel?.isCancelled == true { throw .cancelled }
            throw .internalError("image encoders: \(error)")
        }
    }

    public func denoise(noise: Tensor, inputs: GuidanceInputs, steps: Int, solver: Solver = .euler, textGuidance: Float,
                        imageGuidance: Float, baseTokens: Int?, cancel: CancellationFlag? = nil,
                        onStep: ((SamplerStep) -> Void)? = nil) throws(EngineError) -> Tensor {
        let opts = SamplerOptions(steps: steps, solver: solver, shift: config.defaults.timeShift,
                                  guidance: ClassifierFreeGuidance(textScale: textGuidance, imageScale: imageGuidance),
                                  baseTokens: baseTokens, selection: .topK)
        return try sampler.sample(noise: noise, inputs: inputs, options: opts, cancel: cancel, onStep: onStep)
    }

    /// VAE decode of a scaled latent [C, h, w]: raw pixels [3, 8h, 8w] and the 8-bit image
    /// ((x + 1)/2 clamped to [0, 1], × 255 truncated, as torchvision's to_pil_image).
    public func decode(latent: Tensor, cancel: CancellationFlag? = nil) throws(EngineError) -> (pixels: Tensor, image: RGBImage) {
        guard latent.rank == 3 else { throw .invalidArgument("latent must be [C, h, w]") }
        let out: FeatureMap
        do {
            let vae = try VAE(config: config.vae, weightsPath: directory + "/vae.safetensors")
            out = try vae.decode(FeatureMap(data: latent, channels: latent.shape[0], height: latent.shape[1], width: latent.shape[2])) {
                cancel?.isCancelled == true
            }
        } catch {
            if cancel?.isCancelled == true { throw .cancelled }
            throw .internalError("vae decode: \(error)")
        }
        let h = out.height, w = out.width, plane = h * w
        var px = [UInt8](repeating: 0, count: plane * 3)
        for p in 0..<plane { for c in 0..<3 {
            px[3 * p + c] = UInt8(min(max((out.data[c * plane + p] + 1) / 2, 0), 1) * 255)
        } }
        return (out.data, RGBImage(width: w, height: h, pixels: px))
    }
}
