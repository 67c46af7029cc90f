// Configuration of a BERT encoder (all-MiniLM-L6-v2 and the like), read from Hugging Face's config.json.
import Foundation

/// BERT encoder hyper-parameters (config.json key names).
public struct MiniLMConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var hiddenAct: String
    public var positionEmbeddingType: String?

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numLayers = "num_hidden_layers"
        case numHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositions = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
        case positionEmbeddingType = "position_embedding_type"
    }

    public var headDim: Int { hiddenSize / numHeads }

    /// The feed-forward activation: "gelu" is the exact erf form in transformers.
    public enum Activation: Sendable { case geluErf, geluTanh }

    public var activation: Activation {
        get throws(ModelError) {
            switch hiddenAct {
            case "gelu": return .geluErf
            case "gelu_new", "gelu_pytorch_tanh": return .geluTanh
            default: throw .invalidConfig("hidden_act \(hiddenAct) is not supported (gelu, gelu_new)")
            }
        }
    }

    public func validate() throws(ModelError) {
        func need(_ ok: Bool, _ what: String) throws(ModelError) { if !ok { throw .invalidConfig(what) } }
        try need(vocabSize > 0 && hiddenSize > 0 && numLayers > 0 && intermediateSize > 0, "sizes must be > 0")
        try need(numHeads > 0 && hiddenSize % numHeads == 0, "hidden_size must be a multiple of num_attention_heads")
        try need(maxPositions > 2 && typeVocabSize > 0, "max_position_embeddings > 2 and type_vocab_size > 0")
        try need(layerNormEps > 0, "layer_norm_eps must be > 0")
        try need((positionEmbeddingType ?? "absolute") == "absolute", "only absolute position embeddings")
        _ = try activation
    }

    public static func load(path: String) throws(ModelError) -> MiniLMConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read \(path)") }
        let c: MiniLMConfig
        do { c = try JSONDecoder().decode(MiniLMConfig.self, from: data) } catch {
            throw .invalidConfig("\(path) does not decode as a BERT config: \(error)")
        }
        try c.validate()
        return c
    }
}
