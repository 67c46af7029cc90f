import Foundation

/// The PixWizard DiT configuration: the `dit` object of a model's config.json, with the same names as
/// the PyTorch reference (`PixWizardDiT(**config)`, Training/reference/pixwizard_ref.py).
public struct DiTConfig: Codable, Sendable, Equatable {
    public var patchSize: Int
    public var inChannels: Int
    public var dim: Int
    public var nLayers: Int
    public var nHeads: Int
    public var nKVHeads: Int
    public var multipleOf: Int
    public var ffnDimMultiplier: Double?
    public var normEps: Float
    public var learnSigma: Bool
    public var qkNorm: Bool
    /// Text token feature dim (2048 for Gemma-2B).
    public var capFeatDim: Int
    /// Task-embedding input dim (768, CLIP text projection).
    public var clipTextDim: Int
    /// Semantic image token dim (1024, CLIP ViT-L).
    public var imageFeatDim: Int
    /// Semantic image tokens per image (576).
    public var imageTokens: Int
    /// Tokens kept by the dynamic sampler (256); 0 removes the image cross-attention and the sampler.
    public var sampleTokens: Int
    public var ropeTheta: Float
    /// Latent channels that classifier-free guidance acts on (3: the official quirk).
    public var cfgChannels: Int

    enum CodingKeys: String, CodingKey {
        case patchSize = "patch_size", inChannels = "in_channels", dim, nLayers = "n_layers", nHeads = "n_heads"
        case nKVHeads = "n_kv_heads", multipleOf = "multiple_of", ffnDimMultiplier = "ffn_dim_multiplier"
        case normEps = "norm_eps", learnSigma = "learn_sigma", qkNorm = "qk_norm", capFeatDim = "cap_feat_dim"
        case clipTextDim = "clip_text_dim", imageFeatDim = "image_feat_dim", imageTokens = "image_tokens"
        case sampleTokens = "sample_tokens", ropeTheta = "rope_theta", cfgChannels = "cfg_channels"
    }

    public init(patchSize: Int, inChannels: Int, dim: Int, nLayers: Int, nHeads: Int, nKVHeads: Int, multipleOf: Int,
                ffnDimMultiplier: Double? = nil, normEps: Float = 1e-5, learnSigma: Bool = true, qkNorm: Bool = true,
                capFeatDim: Int, clipTextDim: Int, imageFeatDim: Int, imageTokens: Int, sampleTokens: Int,
                ropeTheta: Float = 10000, cfgChannels: Int = 3) {
        self.patchSize = patchSize; self.inChannels = inChannels; self.dim = dim; self.nLayers = nLayers
        self.nHeads = nHeads; self.nKVHeads = nKVHeads; self.multipleOf = multipleOf; self.ffnDimMultiplier = ffnDimMultiplier
        self.normEps = normEps; self.learnSigma = learnSigma; self.qkNorm = qkNorm; self.capFeatDim = capFeatDim
        self.clipTextDim = clipTextDim; self.imageFeatDim = imageFeatDim; self.imageTokens = imageTokens
        self.sampleTokens = sampleTokens; self.ropeTheta = ropeTheta; self.cfgChannels = cfgChannels
    }

    /// PixWizard_2B_GQA_patch2, the official release.
    public static let official2B = DiTConfig(patchSize: 2, inChannels: 4, dim: 2304, nLayers: 24, nHeads: 32, nKVHeads: 8,
                                             multipleOf: 256, capFeatDim: 2048, clipTextDim: 768, imageFeatDim: 1024,
                                             imageTokens: 576, sampleTokens: 256)

    public var headDim: Int { dim / nHeads }
    public var kvDim: Int { nKVHeads * headDim }
    /// adaLN conditioning width: min(dim, 1024).
    public var adaDim: Int { min(dim, 1024) }
    public var outChannels: Int { inChannels * (learnSigma ? 2 : 1) }
    public var patchInputs: Int { patchSize * patchSize * inChannels * 2 }
    public var patchOutputs: Int { patchSize * patchSize * outChannels }
    public var hasImageCrossAttention: Bool { sampleTokens > 0 }
    /// SwiGLU hidden size, as the official FeedForward: int(2·4·dim/3), × multiplier, rounded up to multiple_of.
    public var ffnHidden: Int {
        var h = Int(2 * (4 * dim) / 3)
        if let m = ffnDimMultiplier { h = Int(m * Double(h)) }
        return multipleOf * ((h + multipleOf - 1) / multipleOf)
    }

    /// Checks the invariants the code relies on; the message names the field.
    public func validate() throws(ModelError) {
        func need(_ ok: Bool, _ what: String) throws(ModelError) { if !ok { throw .invalidConfig(what) } }
        try need(patchSize > 0 && inChannels > 0 && dim > 0 && nLayers > 0, "patch_size, in_channels, dim, n_layers must be > 0")
        try need(nHeads > 0 && nKVHeads > 0 && dim % nHeads == 0, "dim must be a multiple of n_heads")
        try need(nHeads % nKVHeads == 0, "n_heads must be a multiple of n_kv_heads")
        try need(headDim % 4 == 0, "head_dim (dim / n_heads) must be a multiple of 4 (2D RoPE)")
        try need(dim % 4 == 0, "dim must be a multiple of 4 (dynamic sampler)")
        try need(multipleOf > 0 && ffnHidden > 0, "multiple_of / ffn size")
        try need(capFeatDim > 0 && clipTextDim > 0 && imageFeatDim > 0 && imageTokens > 0, "feature dims must be > 0")
        try need(sampleTokens >= 0, "sample_tokens must be >= 0")
        try need(cfgChannels >= 0 && cfgChannels <= inChannels, "cfg_channels must be in 0...in_channels")
        try need(normEps > 0 && ropeTheta > 0, "norm_eps and rope_theta must be > 0")
    }

    /// Reads a config from JSON: either the `dit` object itself or an object containing `"dit"`.
    public static func load(json data: Data) throws(ModelError) -> DiTConfig {
        let obj = try? JSONSerialization.jsonObject(with: data)
        var payload = data
        if let d = obj as? [String: Any], let dit = d["dit"] {
            guard let p = try? JSONSerialization.data(withJSONObject: dit) else { throw .invalidConfig("`dit` is not an object") }
            payload = p
        }
        let c: DiTConfig
        do { c = try JSONDecoder().decode(DiTConfig.self, from: payload) } catch {
            throw .invalidConfig("DiT config does not decode: \(error)")
        }
        try c.validate()
        return c
    }

    public static func load(path: String) throws(ModelError) -> DiTConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read \(path)") }
        return try load(json: data)
    }
}

/// Errors of the models layer.
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfig(String)
    case io(String)
    case weights(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .invalidConfig(s): return "invalid model config: \(s)"
        case let .io(s): return s
        case let .weights(s): return "weights: \(s)"
        case let .invalidInput(s): return "invalid input: \(s)"
        }
    }
}
