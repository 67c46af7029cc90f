import PixTensor

/// The pre-LayerNorm transformer stack shared by CLIP's text and vision towers (transformers CLIPEncoder):
///   x += out_proj(attn(q, k, v))  on LayerNorm1(x)   (q/k/v/out with bias, scale head_dim^−½)
///   x += fc2(act(fc1(LayerNorm2(x))))                 (act = quick_gelu, or gelu)
/// `prefix` is "text_model." or "vision_model."; `causal` masks keys after the query (text tower).
struct CLIPEncoderLayers {
    let prefix: String
    let hidden: Int, intermediate: Int, layers: Int, heads: Int
    let eps: Float
    let activation: String

    static func shapes(prefix: String, hidden h: Int, intermediate i: Int, layers n: Int) -> [String: [Int]] {
        var e: [String: [Int]] = [:]
        for l in 0..<n {
            let p = "\(prefix)encoder.layers.\(l)."
            for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                e[p + "self_attn.\(proj).weight"] = [h, h]
                e[p + "self_attn.\(proj).bias"] = [h]
            }
            for ln in ["layer_norm1", "layer_norm2"] { e[p + "\(ln).weight"] = [h]; e[p + "\(ln).bias"] = [h] }
            e[p + "mlp.fc1.weight"] = [i, h]; e[p + "mlp.fc1.bias"] = [i]
            e[p + "mlp.fc2.weight"] = [h, i]; e[p + "mlp.fc2.bias"] = [h]
        }
        return e
    }

    /// x: [n, hidden], updated in place. Weights are loaded layer by layer.
    func run(_ x: Tensor, tokens n: Int, causal: Bool, weights: CheckedWeights) throws(ModelError) {
        let h = hidden, hd = hidden / heads
        let hn = Tensor(shape: [n, h]), q = Tensor(shape: [n, h]), k = Tensor(shape: [n, h]), v = Tensor(shape: [n, h])
        let att = Tensor(shape: [n, h]), o = Tensor(shape: [n, h]), f = Tensor(shape: [n, intermediate])
        let shape = AttentionShape(queries: n, keys: n, heads: heads, kvHeads: heads, headDim: hd)
        let scratch = Tensor(shape: [max(shape.scratchCount, n)])
        let sc = 1 / Float(hd).squareRoot()
        for l in 0..<layers {
            let p = "\(prefix)encoder.layers.\(l)."
            func w(_ name: String) throws(ModelError) -> Tensor { try weights.load(p + name) }
            let ln1w = try w("layer_norm1.weight"), ln1b = try w("layer_norm1.bias")
            let ln2w = try w("layer_norm2.weight"), ln2b = try w("layer_norm2.bias")
            layerNorm(x.pointer, rows: n, dim: h, weight: ln1w.pointer, bias: ln1b.pointer, eps: eps, out: hn.pointer)
            for (name, dst) in [("q_proj", q), ("k_proj", k), ("v_proj", v)] {
                let wt = try w("self_attn.\(name).weight"), b = try w("self_attn.\(name).bias")
                linear(hn.pointer, rows: n, inDim: h, weight: wt.pointer, bias: b.pointer, outDim: h, out: dst.pointer)   // [n, h]
            }
            if causal {
                for i in 0..<n {
                    attention(q: q.pointer + i * h, k: k.pointer, v: v.pointer, out: att.pointer + i * h,
                              shape: AttentionShape(queries: 1, keys: i + 1, heads: heads, kvHeads: heads, headDim: hd),
                              scale: sc, scratch: scratch.pointer)
                }
            } else {
                attention(q: q.pointer, k: k.pointer, v: v.pointer, out: att.pointer, shape: shape, scale: sc,
                          scratch: scratch.pointer)
            }
            let wo = try w("self_attn.out_proj.weight"), bo = try w("self_attn.out_proj.bias")
            linear(att.pointer, rows: n, inDim: h, weight: wo.pointer, bias: bo.pointer, outDim: h, out: o.pointer)
            add(x.pointer, o.pointer, count: n * h)
            layerNorm(x.pointer, rows: n, dim: h, weight: ln2w.pointer, bias: ln2b.pointer, eps: eps, out: hn.pointer)
            let w1 = try w("mlp.fc1.weight"), b1 = try w("mlp.fc1.bias"), w2 = try w("mlp.fc2.weight"), b2 = try w("mlp.fc2.bias")
            linear(hn.pointer, rows: n, inDim: h, weight: w1.pointer, bias: b1.pointer, outDim: intermediate, out: f.pointer)  // [n, i]
            if activation == "quick_gelu" { quickGelu(f.pointer, f.pointer, count: f.count) }
            else { geluErf(f.pointer, f.pointer, count: f.count) }
            linear(f.pointer, rows: n, inDim: intermediate, weight: w2.pointer, bias: b2.pointer, outDim: h, out: o.pointer)
            add(x.pointer, o.pointer, count: n * h)
        }
    }
}

func checkCLIPActivation(_ a: String) throws(ModelError) {
    guard a == "quick_gelu" || a == "gelu" else { throw .invalidConfig("clip: hidden_act \(a) (quick_gelu or gelu)") }
}
