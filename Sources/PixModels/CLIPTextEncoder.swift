import PixTensor
import PixWeights

/// CLIP text tower configuration (`clip_text` object of an official model's config.json).
public struct CLIPTextConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var maxPositionEmbeddings: Int
    public var layerNormEps: Float
    public var hiddenAct: String
    public var eosTokenId: Int
    public var padTokenId: Int
    public var projectionDim: Int

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
        case eosTokenId = "eos_token_id", padTokenId = "pad_token_id", projectionDim = "projection_dim"
    }

    public var weightShapes: [String: [Int]] {
        let h = hiddenSize
        var e = CLIPEncoderLayers.shapes(prefix: "text_model.", hidden: h, intermediate: intermediateSize, layers: numHiddenLayers)
        e["text_model.embeddings.token_embedding.weight"] = [vocabSize, h]
        e["text_model.embeddings.position_embedding.weight"] = [maxPositionEmbeddings, h]
        e["text_model.final_layer_norm.weight"] = [h]
        e["text_model.final_layer_norm.bias"] = [h]
        e["text_projection.weight"] = [projectionDim, h]
        return e
    }
}

/// CLIPTextModelWithProjection → `text_embeds`: token + position embeddings, causal pre-LN encoder, final
/// LayerNorm, the state of the EOS token (first argmax of the ids when eos_token_id == 2, the legacy rule of
/// transformers; else the first id equal to eos_token_id), times text_projection (no L2 normalisation).
public final class CLIPTextEncoder: @unchecked Sendable {
    public let config: CLIPTextConfig
    let weights: CheckedWeights

    public init(config: CLIPTextConfig, weightsPath: String) throws(ModelError) {
        guard config.hiddenSize > 0, config.numAttentionHeads > 0, config.hiddenSize % config.numAttentionHeads == 0,
              config.numHiddenLayers >= 0, config.maxPositionEmbeddings > 0, config.projectionDim > 0
        else { throw .invalidConfig("clip_text: sizes must be > 0 and hidden a multiple of heads") }
        try checkCLIPActivation(config.hiddenAct)
        self.config = config
        weights = try CheckedWeights(paths: [weightsPath], expected: config.weightShapes)
    }

    /// ids: one prompt's token ids (≤ max_position_embeddings). Returns text_embeds [projection_dim].
    public func encode(ids: [Int32]) throws(ModelError) -> [Float] {
        let c = config, n = ids.count, h = c.hiddenSize
        guard n > 0, n <= c.maxPositionEmbeddings else { throw .invalidInput("clip_text: \(n) tokens (1...\(c.maxPositionEmbeddings))") }
        let x = try weights.gatherRows("text_model.embeddings.token_embedding.weight", ids: ids)   // [n, h]
        let pos = try weights.load("text_model.embeddings.position_embedding.weight")
        add(x.pointer, pos.pointer, count: n * h)
        let stack = CLIPEncoderLayers(prefix: "text_model.", hidden: h, intermediate: c.intermediateSize,
                                      layers: c.numHiddenLayers, heads: c.numAttentionHeads, eps: c.layerNormEps,
                                      activation: c.hiddenAct)
        try stack.run(x, tokens: n, causal: true, weights: weights)
        var eos = 0
        if c.eosTokenId == 2 {
            for i in 0..<n where ids[i] > ids[eos] { eos = i }
        } else {
            eos = ids.firstIndex(of: Int32(c.eosTokenId)) ?? 0
        }
        let lw = try weights.load("text_model.final_layer_norm.weight"), lb = try weights.load("text_model.final_layer_norm.bias")
        let pooled = Tensor(shape: [1, h])
        layerNorm(x.pointer + eos * h, rows: 1, dim: h, weight: lw.pointer, bias: lb.pointer, eps: c.layerNormEps, out: pooled.pointer)
        let proj = try weights.load("text_projection.weight")
        let out = Tensor(shape: [1, c.projectionDim])
        linear(pooled.pointer, rows: 1, inDim: h, weight: proj.pointer, bias: nil, outDim: c.projectionDim, out: out.pointer)
        return out.array
    }
}
