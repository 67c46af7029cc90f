import Foundation
import PixModels

/// config.json of a pixwizard-mini-architecture model directory (pixwizard-mini, test-random):
/// a pixel-space PixWizard DiT + patch image encoder + MiniLM/BERT text encoder.
public struct MiniModelConfig: Codable, Sendable {
    public struct TextEncoder: Codable, Sendable {
        public var kind: String          // "minilm"
        public var dir: String           // relative to the model directory
        public var maxTokens: Int
        enum CodingKeys: String, CodingKey { case kind, dir, maxTokens = "max_tokens" }
    }
    public struct ImageEncoder: Codable, Sendable {
        public var kind: String          // "patch_linear"
        public var patchSize: Int
        public var imageSize: Int
        public var dim: Int
        public var tokens: Int
        public var normEps: Float
        public var weights: String
        enum CodingKeys: String, CodingKey {
            case kind, patchSize = "patch_size", imageSize = "image_size", dim, tokens, normEps = "norm_eps", weights
        }
    }
    public struct Sampler: Codable, Sendable {
        public var steps: Int
        public var solver: String
        public var textGuidance: Float
        public var imageGuidance: Float
        public var shift: Float
        enum CodingKeys: String, CodingKey {
            case steps, solver, textGuidance = "text_guidance", imageGuidance = "image_guidance", shift
        }
    }
    public struct Task: Codable, Sendable {
        public var name: String
        public var example: String
    }

    public var family: String
    public var name: String
    public var description: String?
    public var dit: DiTConfig
    public var textEncoder: TextEncoder
    public var imageEncoder: ImageEncoder?
    public var resolution: Int
    public var sampler: Sampler
    public var tasks: [Task]
    /// DiT weight files (default ["dit.safetensors"]).
    public var ditWeights: [String]?
    /// What the DiT predicts (default velocity, as the official model); see `Prediction`.
    public var prediction: Prediction?

    enum CodingKeys: String, CodingKey {
        case family, name, description, dit, textEncoder = "text_encoder", imageEncoder = "image_encoder"
        case resolution, sampler, tasks, ditWeights = "dit_weights", prediction
    }

    /// Checks what the pipeline relies on, once, with messages that name the field.
    public func validate() throws(EngineError) {
        guard dit.inChannels == 3 else { throw .modelFormat("config.json: dit.in_channels must be 3 (pixel space), is \(dit.inChannels)") }
        guard resolution > 0, resolution % dit.patchSize == 0 else {
            throw .modelFormat("config.json: resolution \(resolution) must be a positive multiple of dit.patch_size \(dit.patchSize)")
        }
        guard textEncoder.kind == "minilm" else { throw .modelFormat("config.json: text_encoder.kind \"\(textEncoder.kind)\" is not supported (minilm)") }
        guard textEncoder.maxTokens >= 2 else { throw .modelFormat("config.json: text_encoder.max_tokens must be >= 2") }
        if let e = imageEncoder {
            guard e.kind == "patch_linear" else { throw .modelFormat("config.json: image_encoder.kind \"\(e.kind)\" is not supported (patch_linear)") }
            guard e.imageSize == resolution, e.dim == dit.imageFeatDim,
                  e.tokens == (e.imageSize / max(e.patchSize, 1)) * (e.imageSize / max(e.patchSize, 1)), e.tokens == dit.imageTokens else {
                throw .modelFormat("config.json: image_encoder (size \(e.imageSize), dim \(e.dim), tokens \(e.tokens)) does not match resolution \(resolution) / dit.image_feat_dim \(dit.imageFeatDim) / dit.image_tokens \(dit.imageTokens)")
            }
        } else if dit.sampleTokens != 0 {
            throw .modelFormat("config.json: dit.sample_tokens is \(dit.sampleTokens) but there is no image_encoder")
        }
        guard sampler.steps >= 1, Solver(rawValue: sampler.solver) != nil else {
            throw .modelFormat("config.json: sampler.steps must be >= 1 and sampler.solver one of euler, midpoint")
        }
    }
}
