import Foundation
import PixModels

/// config.json of an official-model directory (written by Training/convert_official.py).
public struct OfficialModelConfig: Decodable, Sendable {
    public static let family = "pixwizard-official"

    public struct Defaults: Decodable, Sendable {
        public var steps: Int
        public var textGuidance: Float
        public var imageGuidance: Float
        public var timeShift: Float
        public var resolution: Int
        public var resolutions: [Int]
        public var seed: UInt64
        enum CodingKeys: String, CodingKey {
            case steps, textGuidance = "text_guidance", imageGuidance = "image_guidance", timeShift = "time_shift"
            case resolution, resolutions, seed
        }
    }

    public var family: String
    public var name: String
    public var dtype: String
    public var dit: DiTConfig
    public var gemma: GemmaConfig
    public var clipText: CLIPTextConfig
    public var clipVision: CLIPVisionConfig
    public var vae: VAEConfig
    public var defaults: Defaults

    enum CodingKeys: String, CodingKey {
        case family, name, dtype, dit, gemma, clipText = "clip_text", clipVision = "clip_vision", vae, defaults
    }

    public static func load(directory: String) throws(EngineError) -> OfficialModelConfig {
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw .notFound("no config.json in \(directory)") }
        let c: OfficialModelConfig
        do { c = try JSONDecoder().decode(OfficialModelConfig.self, from: data) } catch {
            throw .modelFormat("\(path): \(error)")
        }
        guard c.family == family else { throw .modelFormat("\(path): family \(c.family), expected \(family)") }
        guard c.dit.capFeatDim == c.gemma.hiddenSize, c.dit.clipTextDim == c.clipText.projectionDim,
              c.dit.imageFeatDim == c.clipVision.hiddenSize, c.dit.imageTokens == c.clipVision.tokens,
              c.dit.inChannels == c.vae.latentChannels
        else { throw .modelFormat("\(path): the dit dims do not match the encoders (cap/clip/image/latent)") }
        guard c.defaults.steps > 0, c.defaults.resolution > 0 else { throw .modelFormat("\(path): bad defaults") }
        return c
    }

    /// Output sizes must be multiples of this: VAE factor × DiT patch (16 for the release).
    public var sizeMultiple: Int { vae.downFactor * dit.patchSize }
}
