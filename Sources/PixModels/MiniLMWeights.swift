// Weights of a BERT encoder, loaded strictly by the Hugging Face BertModel key names.
import PixTensor
import PixWeights

/// One transformer layer; Q, K and V are fused into one [3·H, H] projection.
public struct MiniLMLayerWeights: Sendable {
    public let qkvW: Tensor   // [3H, H] rows: query | key | value
    public let qkvB: Tensor   // [3H]
    public let outW: Tensor   // [H, H]
    public let outB: Tensor   // [H]
    public let ln1W: Tensor, ln1B: Tensor   // [H] attention.output.LayerNorm
    public let ffW1: Tensor   // [F, H]
    public let ffB1: Tensor   // [F]
    public let ffW2: Tensor   // [H, F]
    public let ffB2: Tensor   // [H]
    public let ln2W: Tensor, ln2B: Tensor   // [H] output.LayerNorm
}

/// All weights of the encoder.
public struct MiniLMWeights: Sendable {
    public let wordEmb: Tensor    // [V, H]
    public let posEmb: Tensor     // [P, H]
    public let typeEmb: Tensor    // [T, H]
    public let embLnW: Tensor, embLnB: Tensor   // [H]
    public let layers: [MiniLMLayerWeights]

    /// Loads every tensor of `c` from `store`; missing keys and wrong shapes throw, and so does any key
    /// left over except the unused pooler (`pooler.dense.*`) and the `embeddings.position_ids` buffer.
    public init(config c: MiniLMConfig, store: WeightStore) throws(ModelError) {
        let H = c.hiddenSize, F = c.intermediateSize
        do {
            wordEmb = try store.take("embeddings.word_embeddings.weight", shape: [c.vocabSize, H])
            posEmb = try store.take("embeddings.position_embeddings.weight", shape: [c.maxPositions, H])
            typeEmb = try store.take("embeddings.token_type_embeddings.weight", shape: [c.typeVocabSize, H])
            embLnW = try store.take("embeddings.LayerNorm.weight", shape: [H])
            embLnB = try store.take("embeddings.LayerNorm.bias", shape: [H])
            var ls: [MiniLMLayerWeights] = []
            for i in 0..<c.numLayers {
                let p = "encoder.layer.\(i)."
                let qkvW = Tensor(shape: [3 * H, H]), qkvB = Tensor(shape: [3 * H])
                for (j, name) in ["query", "key", "value"].enumerated() {
                    try store.take(p + "attention.self.\(name).weight", shape: [H, H], into: qkvW.pointer + j * H * H)
                    try store.take(p + "attention.self.\(name).bias", shape: [H], into: qkvB.pointer + j * H)
                }
                ls.append(MiniLMLayerWeights(
                    qkvW: qkvW, qkvB: qkvB,
                    outW: try store.take(p + "attention.output.dense.weight", shape: [H, H]),
                    outB: try store.take(p + "attention.output.dense.bias", shape: [H]),
                    ln1W: try store.take(p + "attention.output.LayerNorm.weight", shape: [H]),
                    ln1B: try store.take(p + "attention.output.LayerNorm.bias", shape: [H]),
                    ffW1: try store.take(p + "intermediate.dense.weight", shape: [F, H]),
                    ffB1: try store.take(p + "intermediate.dense.bias", shape: [F]),
                    ffW2: try store.take(p + "output.dense.weight", shape: [H, F]),
                    ffB2: try store.take(p + "output.dense.bias", shape: [H]),
                    ln2W: try store.take(p + "output.LayerNorm.weight", shape: [H]),
                    ln2B: try store.take(p + "output.LayerNorm.bias", shape: [H])))
            }
            layers = ls
            // Strictness: every key must have been taken, except the published extras the encoder does
            // not use (the pooler and the int64 `position_ids` buffer), which are left unread.
            let optional: Set<String> = ["pooler.dense.weight", "pooler.dense.bias", "embeddings.position_ids"]
            let expected = Self.keys(config: c)
            let extra = store.keys.filter { !expected.contains($0) && !optional.contains($0) }
            if !extra.isEmpty { throw WeightsError.unusedKeys(extra) }
        } catch {
            throw .weights("\(error)")
        }
    }

    /// Every key the encoder reads, by its BertModel name.
    public static func keys(config c: MiniLMConfig) -> Set<String> {
        var k: Set<String> = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                              "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
                              "embeddings.LayerNorm.bias"]
        for i in 0..<c.numLayers {
            let p = "encoder.layer.\(i)."
            for m in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                      "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"] {
                k.insert(p + m + ".weight"); k.insert(p + m + ".bias")
            }
        }
        return k
    }
}
