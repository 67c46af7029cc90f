import PixTensor
import PixWeights

/// One transformer block's weights. Projections that read the same input are fused (rows concatenated)
/// at load time: wqkv = [wq; wk; wv], w13 = [w1; w3]. Keys are the official checkpoint's (reference §2.8).
public struct DiTBlockWeights: @unchecked Sendable {
    public var wqkv: Tensor          // [dim + 2·kv, dim]
    public var wo: Tensor            // [dim, dim]
    public var qNormW, qNormB: Tensor?   // [dim]   (qk_norm)
    public var kNormW, kNormB: Tensor?   // [kv]
    public var wkY, wvY: Tensor      // [kv, cap]
    public var kyNormW, kyNormB: Tensor? // [kv]
    public var gate: Tensor          // [H]
    // image cross-attention + dynamic sampler (sample_tokens > 0)
    public var wkII, wvII: Tensor?   // [kv, dim]
    public var kiiNormW, kiiNormB: Tensor?
    public var gateII: Tensor?       // [H]
    public var yPoolProj: Tensor?    // [dim, ada]
    public var inputImageProj: Tensor? // [dim, imageFeatDim]
    public var attentionInputNorm: Tensor? // [dim]
    public var inConvNormW, inConvNormB: Tensor? // [dim]
    public var inConvW, inConvB: Tensor?         // [dim, dim], [dim]
    public var outConv0W, outConv0B: Tensor?     // [dim/2, dim], [dim/2]
    public var outConv2W, outConv2B: Tensor?     // [dim/4, dim/2], [dim/4]
    public var outConv4W, outConv4B: Tensor?     // [1, dim/4], [1]
    public var w13: Tensor           // [2·hidden, dim]
    public var w2: Tensor            // [dim, hidden]
    public var attentionNorm1, attentionNorm2, ffnNorm1, ffnNorm2: Tensor // [dim]
    public var attentionYNorm: Tensor // [cap]
    public var adaLNW, adaLNB: Tensor // [4·dim, ada], [4·dim]
}

/// All DiT weights, fp32, separate from config and scratch.
public final class DiTWeights: @unchecked Sendable {
    public let config: DiTConfig
    public let xEmbedderW, xEmbedderB: Tensor   // [dim, p·p·2C], [dim]
    public let tMlp0W, tMlp0B, tMlp2W, tMlp2B: Tensor // [ada, 256], [ada], [ada, ada], [ada]
    public let taskNormW, taskNormB, taskW, taskB: Tensor // [clip], [clip], [ada, clip], [ada]
    public let globNormW, globNormB, globW, globB: Tensor // [feat], [feat], [ada, feat], [ada]
    public let layers: [DiTBlockWeights]
    public let finalW, finalB: Tensor           // [p·p·Cout, dim], [p·p·Cout]
    public let finalAdaW, finalAdaB: Tensor     // [dim, ada], [dim]
    public let padToken: Tensor?                // [dim] (only used for mixed-size batches; loaded to be strict)

    public static let timestepFrequencies = 256

    /// Loads strictly from safetensors shards: every official key must be present with its shape, and no
    /// other key may remain (pass `allowExtra` prefixes for keys that belong to other models in the same file).
    public convenience init(config: DiTConfig, paths: [String]) throws(ModelError) {
        let store: WeightStore
        do { store = try WeightStore(paths: paths) } catch { throw .weights(error.description) }
        try self.init(config: config, store: store, finish: true)
    }

    public init(config c: DiTConfig, store s: WeightStore, finish: Bool) throws(ModelError) {
        try c.validate()
        config = c
        let dim = c.dim, kv = c.kvDim, ada = c.adaDim, hid = c.ffnHidden
        do {
            func t(_ k: String, _ shape: [Int]) throws(WeightsError) -> Tensor { try s.take(k, shape: shape) }
            xEmbedderW = try t("x_embedder.weight", [dim, c.patchInputs]); xEmbedderB = try t("x_embedder.bias", [dim])
            tMlp0W = try t("t_embedder.mlp.0.weight", [ada, DiTWeights.timestepFrequencies]); tMlp0B = try t("t_embedder.mlp.0.bias", [ada])
            tMlp2W = try t("t_embedder.mlp.2.weight", [ada, ada]); tMlp2B = try t("t_embedder.mlp.2.bias", [ada])
            taskNormW = try t("task_embedder.0.weight", [c.clipTextDim]); taskNormB = try t("task_embedder.0.bias", [c.clipTextDim])
            taskW = try t("task_embedder.1.weight", [ada, c.clipTextDim]); taskB = try t("task_embedder.1.bias", [ada])
            globNormW = try t("global_semantic_embedder.0.weight", [c.imageFeatDim]); globNormB = try t("global_semantic_embedder.0.bias", [c.imageFeatDim])
            globW = try t("global_semantic_embedder.1.weight", [ada, c.imageFeatDim]); globB = try t("global_semantic_embedder.1.bias", [ada])
            var ls: [DiTBlockWeights] = []
            for i in 0..<c.nLayers {
                let p = "layers.\(i)."
                let a = p + "attention."
                let wqkv = Tensor(shape: [dim + 2 * kv, dim])
                try s.take(a + "wq.weight", shape: [dim, dim], into: wqkv.pointer)
                try s.take(a + "wk.weight", shape: [kv, dim], into: wqkv.pointer + dim * dim)
                try s.take(a + "wv.weight", shape: [kv, dim], into: wqkv.pointer + (dim + kv) * dim)
                let w13 = Tensor(shape: [2 * hid, dim])
                try s.take(p + "feed_forward.w1.weight", shape: [hid, dim], into: w13.pointer)
                try s.take(p + "feed_forward.w3.weight", shape: [hid, dim], into: w13.pointer + hid * dim)
                let qk = c.qkNorm
                let img = c.hasImageCrossAttention
                func o(_ k: String, _ shape: [Int], _ on: Bool) throws(WeightsError) -> Tensor? { on ? try t(k, shape) : nil }
                ls.append(DiTBlockWeights(
                    wqkv: wqkv, wo: try t(a + "wo.weight", [dim, dim]),
                    qNormW: try o(a + "q_norm.weight", [dim], qk), qNormB: try o(a + "q_norm.bias", [dim], qk),
                    kNormW: try o(a + "k_norm.weight", [kv], qk), kNormB: try o(a + "k_norm.bias", [kv], qk),
                    wkY: try t(a + "wk_y.weight", [kv, c.capFeatDim]), wvY: try t(a + "wv_y.weight", [kv, c.capFeatDim]),
                    kyNormW: try o(a + "ky_norm.weight", [kv], qk), kyNormB: try o(a + "ky_norm.bias", [kv], qk),
                    gate: try t(a + "gate", [c.nHeads]),
                    wkII: try o(a + "wk_ii.weight", [kv, dim], img), wvII: try o(a + "wv_ii.weight", [kv, dim], img),
                    kiiNormW: try o(a + "kii_norm.weight", [kv], img && qk), kiiNormB: try o(a + "kii_norm.bias", [kv], img && qk),
                    gateII: try o(a + "gate_for_ii", [c.nHeads], img),
                    yPoolProj: try o(p + "y_pool_proj.weight", [dim, ada], img),
                    inputImageProj: try o(p + "input_image_proj.weight", [dim, c.imageFeatDim], img),
                    attentionInputNorm: try o(p + "attention_input_norm.weight", [dim], img),
                    inConvNormW: try o(p + "in_conv.0.weight", [dim], img), inConvNormB: try o(p + "in_conv.0.bias", [dim], img),
                    inConvW: try o(p + "in_conv.1.weight", [dim, dim], img), inConvB: try o(p + "in_conv.1.bias", [dim], img),
                    outConv0W: try o(p + "out_conv.0.weight", [dim / 2, dim], img), outConv0B: try o(p + "out_conv.0.bias", [dim / 2], img),
                    outConv2W: try o(p + "out_conv.2.weight", [dim / 4, dim / 2], img), outConv2B: try o(p + "out_conv.2.bias", [dim / 4], img),
                    outConv4W: try o(p + "out_conv.4.weight", [1, dim / 4], img), outConv4B: try o(p + "out_conv.4.bias", [1], img),
                    w13: w13, w2: try t(p + "feed_forward.w2.weight", [dim, hid]),
                    attentionNorm1: try t(p + "attention_norm1.weight", [dim]), attentionNorm2: try t(p + "attention_norm2.weight", [dim]),
                    ffnNorm1: try t(p + "ffn_norm1.weight", [dim]), ffnNorm2: try t(p + "ffn_norm2.weight", [dim]),
                    attentionYNorm: try t(p + "attention_y_norm.weight", [c.capFeatDim]),
                    adaLNW: try t(p + "adaLN_modulation.1.weight", [4 * dim, ada]), adaLNB: try t(p + "adaLN_modulation.1.bias", [4 * dim])))
            }
            layers = ls
            finalW = try t("final_layer.linear.weight", [c.patchOutputs, dim]); finalB = try t("final_layer.linear.bias", [c.patchOutputs])
            finalAdaW = try t("final_layer.adaLN_modulation.1.weight", [dim, ada]); finalAdaB = try t("final_layer.adaLN_modulation.1.bias", [dim])
            padToken = s.contains("pad_token") ? try t("pad_token", [dim]) : nil
            if finish { try s.finish() }
        } catch {
            throw .weights(error.description)
        }
    }
}
