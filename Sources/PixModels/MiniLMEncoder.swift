// The MiniLM / BERT text encoder: WordPiece ids -> per-token features [L, H] and the sentence embedding
// (masked mean of the last hidden state, then L2 normalisation), as sentence-transformers'
// all-MiniLM-L6-v2. Post-LN BERT layers: h = LN(h + Attn(h)); h = LN(h + FFN(h)), token type 0.
import Foundation
import PixTensor
import PixText
import PixWeights

/// A loaded BERT encoder with its tokenizer. Immutable and thread-safe: every call uses its own scratch.
public final class MiniLMEncoder: Sendable {
    public let config: MiniLMConfig
    public let weights: MiniLMWeights
    public let tokenizer: WordPieceTokenizer
    /// sentence-transformers' max_seq_length for all-MiniLM-L6-v2.
    public static let defaultMaxTokens = 256

    /// Loads config.json, model.safetensors and vocab.txt from `directory`.
    public convenience init(directory: String) throws(ModelError) {
        let config = try MiniLMConfig.load(path: directory + "/config.json")
        let store: WeightStore
        do { store = try WeightStore(paths: [directory + "/model.safetensors"]) } catch {
            throw .weights("\(error)")
        }
        let weights = try MiniLMWeights(config: config, store: store)
        let tokenizer: WordPieceTokenizer
        do { tokenizer = try WordPieceTokenizer(directory: directory) } catch {
            throw .io("\(error)")
        }
        guard Int(tokenizer.maxId) < config.vocabSize else {
            throw .invalidConfig("vocab.txt has ids up to \(tokenizer.maxId), the model only \(config.vocabSize) embeddings")
        }
        self.init(config: config, weights: weights, tokenizer: tokenizer)
    }

    public init(config: MiniLMConfig, weights: MiniLMWeights, tokenizer: WordPieceTokenizer) {
        self.config = config
        self.weights = weights
        self.tokenizer = tokenizer
    }

    /// Tokenizes (with [CLS]/[SEP], truncated to `maxTokens` and to the position table) and encodes.
    public func encode(_ text: String, maxTokens: Int = MiniLMEncoder.defaultMaxTokens) -> (tokens: Tensor, pooled: [Float]) {
        let ids = tokenizer.encode(text, maxTokens: max(2, min(maxTokens, config.maxPositions)))
        // Ids come from our own vocab (checked against vocab_size at load), so they are in range.
        return (try? encode(ids: ids)) ?? (Tensor(shape: [0, config.hiddenSize]), [Float](repeating: 0, count: config.hiddenSize))
    }

    /// Encodes token ids (one sequence, all attended). Throws on out-of-range ids or length.
    public func encode(ids: [Int32]) throws(ModelError) -> (tokens: Tensor, pooled: [Float]) {
        let c = config, H = c.hiddenSize, F = c.intermediateSize, L = ids.count
        guard L > 0 && L <= c.maxPositions else { throw .invalidInput("\(L) tokens; 1...\(c.maxPositions) allowed") }
        guard ids.allSatisfy({ $0 >= 0 && Int($0) < c.vocabSize }) else { throw .invalidInput("token id out of range") }
        let act = (try? c.activation) ?? .geluErf
        let w = weights
        let h = Tensor(shape: [L, H])              // [L, H] hidden state
        let qkv = Tensor(shape: [L, 3 * H])        // [L, 3H]
        let ctx = Tensor(shape: [L, H])            // [L, H] attention context
        let tmp = Tensor(shape: [L, H])            // [L, H] sub-layer output
        let ff = Tensor(shape: [L, F])             // [L, F]
        let shape = AttentionShape(queries: L, keys: L, heads: c.numHeads, kvHeads: c.numHeads, headDim: c.headDim,
                                   ldq: 3 * H, ldk: 3 * H, ldv: 3 * H, ldo: H)
        let scratch = Tensor(shape: [shape.scratchCount])
        // Embeddings: word + position + type 0, then LayerNorm.
        for (t, id) in ids.enumerated() {
            let row = h.pointer + t * H
            row.update(from: w.wordEmb.pointer + Int(id) * H, count: H)
            add(row, w.posEmb.pointer + t * H, count: H)
            add(row, w.typeEmb.pointer, count: H)
        }
        layerNorm(h.pointer, rows: L, dim: H, weight: w.embLnW.pointer, bias: w.embLnB.pointer, eps: c.layerNormEps,
                  out: h.pointer)
        let attnScale = 1 / Float(c.headDim).squareRoot()
        for l in w.layers {
            linear(h.pointer, rows: L, inDim: H, weight: l.qkvW.pointer, bias: l.qkvB.pointer, outDim: 3 * H,
                   out: qkv.pointer)                                                      // [L, 3H]
            attention(q: qkv.pointer, k: qkv.pointer + H, v: qkv.pointer + 2 * H, out: ctx.pointer, shape: shape,
                      scale: attnScale, scratch: scratch.pointer)                          // [L, H]
            linear(ctx.pointer, rows: L, inDim: H, weight: l.outW.pointer, bias: l.outB.pointer, outDim: H,
                   out: tmp.pointer)                                                      // [L, H]
            add(h.pointer, tmp.pointer, count: L * H)
            layerNorm(h.pointer, rows: L, dim: H, weight: l.ln1W.pointer, bias: l.ln1B.pointer, eps: c.layerNormEps,
                      out: h.pointer)
            linear(h.pointer, rows: L, inDim: H, weight: l.ffW1.pointer, bias: l.ffB1.pointer, outDim: F,
                   out: ff.pointer)                                                       // [L, F]
            switch act {
            case .geluErf: geluErf(ff.pointer, ff.pointer, count: L * F)
            case .geluTanh: geluTanh(ff.pointer, ff.pointer, count: L * F)
            }
            linear(ff.pointer, rows: L, inDim: F, weight: l.ffW2.pointer, bias: l.ffB2.pointer, outDim: H,
                   out: tmp.pointer)                                                      // [L, H]
            add(h.pointer, tmp.pointer, count: L * H)
            layerNorm(h.pointer, rows: L, dim: H, weight: l.ln2W.pointer, bias: l.ln2B.pointer, eps: c.layerNormEps,
                      out: h.pointer)
        }
        return (h, Self.meanPoolNormalized(h))
    }

    /// Mean over the rows of [L, H] (all tokens attended), then x / max(‖x‖, 1e-12). Accumulates in Double.
    public static func meanPoolNormalized(_ h: Tensor) -> [Float] {
        let L = h.rows, H = h.lastDim
        var acc = [Double](repeating: 0, count: H)
        for t in 0..<L {
            let row = h.pointer + t * H
            for j in 0..<H { acc[j] += Double(row[j]) }
        }
        let mean = acc.map { $0 / Double(max(L, 1)) }
        let norm = max(mean.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return mean.map { Float($0 / norm) }
    }
}
