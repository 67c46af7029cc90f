import Foundation
import PixTensor
import PixWeights

/// Gemma (v1) text-encoder configuration: the `gemma` object of an official model's config.json
/// (written by Training/convert_official.py from the Hugging Face config.json of google/gemma-2b).
public struct GemmaConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var rmsNormEps: Float
    public var ropeTheta: Float
    public var hiddenActivation: String
    public var bosTokenId: Int
    public var padTokenId: Int
    /// Layers stored and run: hidden_states[-2] is the output of the first num_hidden_layers − 1 layers.
    public var featureLayers: Int
    public var maxLength: Int
    public var padToMultipleOf: Int

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta", hiddenActivation = "hidden_activation", bosTokenId = "bos_token_id"
        case padTokenId = "pad_token_id", featureLayers = "feature_layers", maxLength = "max_length"
        case padToMultipleOf = "pad_to_multiple_of"
    }

    public func validate() throws(ModelError) {
        guard vocabSize > 0, hiddenSize > 0, intermediateSize > 0, numAttentionHeads > 0, numKeyValueHeads > 0,
              headDim > 0, headDim % 2 == 0, numAttentionHeads % numKeyValueHeads == 0,
              featureLayers >= 0, featureLayers <= numHiddenLayers
        else { throw .invalidConfig("gemma: sizes must be > 0, head_dim even, heads a multiple of kv heads") }
        guard ["gelu_pytorch_tanh", "gelu"].contains(hiddenActivation) else {
            throw .invalidConfig("gemma: hidden_activation \(hiddenActivation) (gelu_pytorch_tanh expected)")
        }
    }

    /// Keys and shapes of the converted file (GemmaModel names, the stored layers only).
    public var weightShapes: [String: [Int]] {
        let h = hiddenSize, q = numAttentionHeads * headDim, kv = numKeyValueHeads * headDim
        var e: [String: [Int]] = ["embed_tokens.weight": [vocabSize, h]]
        for l in 0..<featureLayers {
            let p = "layers.\(l)."
            e[p + "self_attn.q_proj.weight"] = [q, h]
            e[p + "self_attn.k_proj.weight"] = [kv, h]
            e[p + "self_attn.v_proj.weight"] = [kv, h]
            e[p + "self_attn.o_proj.weight"] = [h, q]
            e[p + "mlp.gate_proj.weight"] = [intermediateSize, h]
            e[p + "mlp.up_proj.weight"] = [intermediateSize, h]
            e[p + "mlp.down_proj.weight"] = [h, intermediateSize]
            e[p + "input_layernorm.weight"] = [h]
            e[p + "post_attention_layernorm.weight"] = [h]
        }
        return e
    }
}

/// Gemma-2B as PixWizard uses it: features = hidden_states[−2] (the input of the last decoder layer, not
/// final-normed) of a right-padded batch with its attention mask. Decoder layer:
///   x += o_proj(attn(RoPE(q), RoPE(k), v))  on RMSNorm(x)·(1 + w),  causal + key-padding mask, MQA/GQA
///   x += down(gelu_tanh(gate(h)) · up(h))   on RMSNorm(x)·(1 + w)
/// Embeddings are scaled by √hidden. Weights are streamed layer by layer from the mapped file, so the
/// fp32 working set is one layer (plus the embedding table while it is gathered).
public final class GemmaEncoder: @unchecked Sendable {
    public let config: GemmaConfig
    let weights: CheckedWeights

    public init(config: GemmaConfig, weightsPath: String) throws(ModelError) {
        try config.validate()
        self.config = config
        weights = try CheckedWeights(paths: [weightsPath], expected: config.weightShapes)
    }

    /// ids, mask: [B][L] (same L). Returns features [B, L, hidden].
    public func encode(ids: [[Int32]], mask: [[Int32]], cancel: (() -> Bool)? = nil) throws(ModelError) -> Tensor {
        let c = config
        let b = ids.count
        guard b > 0, mask.count == b else { throw .invalidInput("gemma: empty batch or mask count mismatch") }
        let n = ids[0].count
        guard n > 0, ids.allSatisfy({ $0.count == n }), mask.allSatisfy({ $0.count == n }) else {
            throw .invalidInput("gemma: every row of ids and mask must have the same length > 0")
        }
        let h = c.hiddenSize, hd = c.headDim, nh = c.numAttentionHeads, nkv = c.numKeyValueHeads
        let qd = nh * hd, kvd = nkv * hd
        let x = try weights.gatherRows("embed_tokens.weight", ids: ids.flatMap { $0 })   // [B·L, h]
        scale(x.pointer, Float(h).squareRoot(), x.pointer, count: x.count)
        let (cosT, sinT) = ropeTables(positions: n, headDim: hd, theta: c.ropeTheta)   // [L, hd/2] each
        let keep = mask.map { $0.map { $0 != 0 } }
        // Scratch, per batch element.
        let hn = Tensor(shape: [n, h]), q = Tensor(shape: [n, qd]), k = Tensor(shape: [n, kvd]), v = Tensor(shape: [n, kvd])
        let att = Tensor(shape: [n, qd]), o = Tensor(shape: [n, h])
        let g = Tensor(shape: [n, c.intermediateSize]), u = Tensor(shape: [n, c.intermediateSize])
        let scratch = Tensor(shape: [max(n, 1)])
        for l in 0..<c.featureLayers {
            if cancel?() == true { throw .invalidInput("cancelled") }
            let p = "layers.\(l)."
            let wIn = try weights.load(p + "input_layernorm.weight"), wPost = try weights.load(p + "post_attention_layernorm.weight")
            addOne(wIn); addOne(wPost)
            let wq = try weights.load(p + "self_attn.q_proj.weight"), wk = try weights.load(p + "self_attn.k_proj.weight")
            let wv = try weights.load(p + "self_attn.v_proj.weight"), wo = try weights.load(p + "self_attn.o_proj.weight")
            let wg = try weights.load(p + "mlp.gate_proj.weight"), wu = try weights.load(p + "mlp.up_proj.weight")
            let wd = try weights.load(p + "mlp.down_proj.weight")
            for bi in 0..<b {
                let xb = x.pointer + bi * n * h                                                  // [L, h]
                rmsNorm(xb, rows: n, dim: h, weight: wIn.pointer, eps: c.rmsNormEps, out: hn.pointer)
                linear(hn.pointer, rows: n, inDim: h, weight: wq.pointer, bias: nil, outDim: qd, out: q.pointer)   // [L, nh·hd]
                linear(hn.pointer, rows: n, inDim: h, weight: wk.pointer, bias: nil, outDim: kvd, out: k.pointer)  // [L, nkv·hd]
                linear(hn.pointer, rows: n, inDim: h, weight: wv.pointer, bias: nil, outDim: kvd, out: v.pointer)
                applyRotateHalfRoPE(q.pointer, rows: n, heads: nh, headDim: hd, cos: cosT, sin: sinT)
                applyRotateHalfRoPE(k.pointer, rows: n, heads: nkv, headDim: hd, cos: cosT, sin: sinT)
                keep[bi].withUnsafeBufferPointer { km in
                    for i in 0..<n {   // causal: query i sees keys 0...i that are not padding
                        attention(q: q.pointer + i * qd, k: k.pointer, v: v.pointer, out: att.pointer + i * qd,
                                  shape: AttentionShape(queries: 1, keys: i + 1, heads: nh, kvHeads: nkv, headDim: hd),
                                  scale: 1 / Float(hd).squareRoot(), keyMask: km.baseAddress, scratch: scratch.pointer)
                    }
                }
                linear(att.pointer, rows: n, inDim: qd, weight: wo.pointer, bias: nil, outDim: h, out: o.pointer)
                add(xb, o.pointer, count: n * h)
                rmsNorm(xb, rows: n, dim: h, weight: wPost.pointer, eps: c.rmsNormEps, out: hn.pointer)
                linear(hn.pointer, rows: n, inDim: h, weight: wg.pointer, bias: nil, outDim: c.intermediateSize, out: g.pointer)
                linear(hn.pointer, rows: n, inDim: h, weight: wu.pointer, bias: nil, outDim: c.intermediateSize, out: u.pointer)
                geluTanh(g.pointer, g.pointer, count: g.count)
                multiply(g.pointer, u.pointer, count: g.count)
                linear(g.pointer, rows: n, inDim: c.intermediateSize, weight: wd.pointer, bias: nil, outDim: h, out: o.pointer)
                add(xb, o.pointer, count: n * h)
            }
        }
        return x.reshaped([b, n, h])
    }

    private func addOne(_ t: Tensor) { for i in 0..<t.count { t[i] += 1 } }
}

/// out[i] *= y[i]
@inline(__always)
func multiply(_ out: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
    for i in 0..<n { out[i] *= y[i] }
}

/// cos/sin tables [positions, headDim/2] for the rotate-half RoPE of Llama/Gemma, in fp32 as transformers:
/// inv_freq[i] = 1 / θ^(2i/d), angle = pos · inv_freq[i].
func ropeTables(positions: Int, headDim: Int, theta: Float) -> ([Float], [Float]) {
    let half = headDim / 2
    var c = [Float](repeating: 0, count: positions * half), s = c
    for i in 0..<half {
        let inv = 1 / Float(pow(Double(theta), Double(Float(2 * i) / Float(headDim))))
        for p in 0..<positions {
            let a = Float(p) * inv
            c[p * half + i] = Foundation.cos(a); s[p * half + i] = Foundation.sin(a)
        }
    }
    return (c, s)
}

/// Rotate-half RoPE in place on x [rows, heads·headDim]: for each head, pairs (i, i + d/2):
///   (a, b) ← (a·cos − b·sin, b·cos + a·sin) with the row's angle i.
func applyRotateHalfRoPE(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, headDim: Int, cos: [Float], sin: [Float]) {
    let half = headDim / 2
    for r in 0..<rows {
        for hh in 0..<heads {
            let v = x + r * heads * headDim + hh * headDim
            for i in 0..<half {
                let cs = cos[r * half + i], sn = sin[r * half + i]
                let a = v[i], b = v[i + half]
                v[i] = a * cs - b * sn
                v[i + half] = b * cs + a * sn
            }
        }
    }
}
