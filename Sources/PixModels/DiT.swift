import Foundation
import PixTensor
import PixWeights

/// PixWizard's Diffusion Transformer on the CPU, config-driven: the official 2B config and the small
/// ones run the same code (Training/reference/pixwizard_ref.py is the reference; pixwizard-reference.md §2).
///
/// API (what pipelines call):
/// ```
/// let config  = try DiTConfig.load(path: "config.json")            // the `dit` object, reference names
/// let weights = try DiTWeights(config: config, paths: ["dit.safetensors"])   // strict, official keys
/// let dit     = PixWizardDiT(weights: weights)
/// // once per request: text/image K/V and the static adaLN part for B branches
/// let cond    = try dit.prepare([branch0, branch1], selection: .topK)
/// let scratch = dit.makeScratch(conditioning: cond, height: h, width: w)   // latent size
/// // every step: x_t and the structure latent for each branch, [B, C, h, w] each, one shared t
/// try dit.forward(xt: x, cond: c, t: t, conditioning: cond, scratch: scratch)
/// scratch.output                                                     // [B, Cout, h, w]; keep [:, :C]
/// ```
/// `forward` allocates nothing: all buffers live in `DiTScratch`; weights are read-only, so one
/// `PixWizardDiT` may serve several scratches, but one scratch serves one forward at a time.
/// Intermediates can be observed through `tap` (named as the reference's taps; copies, debug only).
/// All branches of one forward share one latent size (the single-image case of the official sampler),
/// so no sequence padding occurs: `pad_token` is loaded (strictness) but unused.
public final class PixWizardDiT: @unchecked Sendable {
    public let config: DiTConfig
    public let weights: DiTWeights
    /// tanh of every layer's per-head gates, [H] each (weights-derived, computed once).
    let tanhGate: [Tensor]
    let tanhGateII: [Tensor?]

    public typealias Tap = (String, Tensor) -> Void

    public init(weights: DiTWeights) {
        self.weights = weights
        config = weights.config
        tanhGate = weights.layers.map { l in
            let t = Tensor(shape: l.gate.shape); PixTensor.tanh(l.gate.pointer, t.pointer, count: t.count); return t
        }
        tanhGateII = weights.layers.map { l in
            guard let g = l.gateII else { return nil }
            let t = Tensor(shape: g.shape); PixTensor.tanh(g.pointer, t.pointer, count: t.count); return t
        }
    }

    // MARK: per request

    /// Computes everything that is constant over the sampling loop for B branches.
    public func prepare(_ branches: [DiTBranchInput], selection: TokenSelection = .topK,
                        tap: Tap? = nil) throws(ModelError) -> DiTConditioning {
        let c = config, w = weights
        let B = branches.count
        guard B > 0 else { throw .invalidInput("no branches") }
        let ada = c.adaDim, dim = c.dim, kv = c.kvDim
        let adalnStatic = Tensor(shape: [B, ada])
        let taskEmb = Tensor(shape: [B, ada])
        var maxKeys = c.sampleTokens
        for (b, br) in branches.enumerated() {
            guard br.textFeatures.rank == 2, br.textFeatures.shape[1] == c.capFeatDim, br.textFeatures.shape[0] > 0 else {
                throw .invalidInput("branch \(b): text features \(br.textFeatures.shape), expected [L, \(c.capFeatDim)]")
            }
            guard br.textMask.count == br.textFeatures.shape[0] else {
                throw .invalidInput("branch \(b): text mask has \(br.textMask.count) entries for \(br.textFeatures.shape[0]) tokens")
            }
            guard br.textMask.contains(true) else { throw .invalidInput("branch \(b): text mask keeps no token") }
            guard br.taskEmbedding.count == c.clipTextDim else {
                throw .invalidInput("branch \(b): task embedding has \(br.taskEmbedding.count) values, expected \(c.clipTextDim)")
            }
            if let f = br.imageFeatures {
                guard f.rank == 2, f.shape[1] == c.imageFeatDim, f.shape[0] > 0 else {
                    throw .invalidInput("branch \(b): image features \(f.shape), expected [T, \(c.imageFeatDim)]")
                }
            }
            maxKeys = max(maxKeys, br.textFeatures.shape[0])
            // task embedder: Linear(LayerNorm(task))
            let tmp = Tensor(shape: [max(c.clipTextDim, c.imageFeatDim)])
            layerNorm(br.taskEmbedding.pointer, rows: 1, dim: c.clipTextDim, weight: w.taskNormW.pointer, bias: w.taskNormB.pointer,
                      eps: 1e-5, out: tmp.pointer)
            linear(tmp.pointer, rows: 1, inDim: c.clipTextDim, weight: w.taskW.pointer, bias: w.taskB.pointer, outDim: ada,
                   out: taskEmb.pointer + b * ada)
            // global semantic embedder on the token mean (zeros when dropped)
            tmp.fill(0)
            if let f = br.imageFeatures {
                let T = f.shape[0]
                var acc = [Double](repeating: 0, count: c.imageFeatDim)
                for t in 0..<T { for j in 0..<c.imageFeatDim { acc[j] += Double(f[t * c.imageFeatDim + j]) } }
                for j in 0..<c.imageFeatDim { tmp[j] = Float(acc[j] / Double(T)) }
            }
            layerNorm(tmp.pointer, rows: 1, dim: c.imageFeatDim, weight: w.globNormW.pointer, bias: w.globNormB.pointer,
                      eps: 1e-5, out: tmp.pointer)
            linear(tmp.pointer, rows: 1, inDim: c.imageFeatDim, weight: w.globW.pointer, bias: w.globB.pointer, outDim: ada,
                   out: adalnStatic.pointer + b * ada)
            add(adalnStatic.pointer + b * ada, taskEmb.pointer + b * ada, count: ada)
        }
        tap?("task_emb", taskEmb)

        var rng = SeededRandom(seed: { if case let .gumbel(s) = selection { return s } else { return 0 } }())
        var textK: [[Tensor]] = [], textV: [[Tensor]] = [], imageK: [[Tensor?]] = [], imageV: [[Tensor?]] = []
        var selected: [[[Int]]] = []
        for (li, l) in w.layers.enumerated() {
            var tk: [Tensor] = [], tv: [Tensor] = [], ik: [Tensor?] = [], iv: [Tensor?] = [], sel: [[Int]] = []
            var scoresTap: Tensor? = nil
            for (b, br) in branches.enumerated() {
                // text K/V
                let L = br.textFeatures.shape[0]
                let yn = Tensor(shape: [L, c.capFeatDim])
                rmsNorm(br.textFeatures.pointer, rows: L, dim: c.capFeatDim, weight: l.attentionYNorm.pointer, eps: c.normEps, out: yn.pointer)
                let k = Tensor(shape: [L, kv]), v = Tensor(shape: [L, kv])
                linear(yn.pointer, rows: L, inDim: c.capFeatDim, weight: l.wkY.pointer, bias: nil, outDim: kv, out: k.pointer)
                if let nw = l.kyNormW {
                    layerNorm(k.pointer, rows: L, dim: kv, weight: nw.pointer, bias: l.kyNormB?.pointer, eps: 1e-5, out: k.pointer)
                }
                linear(yn.pointer, rows: L, inDim: c.capFeatDim, weight: l.wvY.pointer, bias: nil, outDim: kv, out: v.pointer)
                tk.append(k); tv.append(v)
                // image K/V of the selected tokens
                guard c.hasImageCrossAttention, let f = br.imageFeatures, !f.array.allSatisfy({ $0 == 0 }) else {
                    ik.append(nil); iv.append(nil); sel.append([]); continue
                }
                let T = f.shape[0]
                let (idx, scores, xp) = selectTokens(layer: l, features: f, task: taskEmb.pointer + b * ada, selection: selection, rng: &rng)
                if tap != nil {
                    if scoresTap == nil { scoresTap = Tensor(shape: [B, T]) }
                    if let st = scoresTap, st.shape[1] == T { (st.pointer + b * T).update(from: scores.pointer, count: T) }
                }
                sel.append(idx)
                let S = idx.count
                let xs = Tensor(shape: [S, dim])   // input_image_proj rows of the kept tokens
                for (r, t) in idx.enumerated() { (xs.pointer + r * dim).update(from: xp.pointer + t * dim, count: dim) }
                rmsNorm(xs.pointer, rows: S, dim: dim, weight: l.attentionInputNorm!.pointer, eps: c.normEps, out: xs.pointer)
                let ki = Tensor(shape: [S, kv]), vi = Tensor(shape: [S, kv])
                linear(xs.pointer, rows: S, inDim: dim, weight: l.wkII!.pointer, bias: nil, outDim: kv, out: ki.pointer)
                if let nw = l.kiiNormW {
                    layerNorm(ki.pointer, rows: S, dim: kv, weight: nw.pointer, bias: l.kiiNormB?.pointer, eps: 1e-5, out: ki.pointer)
                }
                linear(xs.pointer, rows: S, inDim: dim, weight: l.wvII!.pointer, bias: nil, outDim: kv, out: vi.pointer)
                ik.append(ki); iv.append(vi)
            }
            if let st = scoresTap { tap?("layers.\(li).scores", st) }
            textK.append(tk); textV.append(tv); imageK.append(ik); imageV.append(iv); selected.append(sel)
        }
        return DiTConditioning(branches: B, adalnStatic: adalnStatic, textK: textK, textV: textV,
                               textMasks: branches.map(\.textMask), imageK: imageK, imageV: imageV,
                               selected: selected, maxKeys: maxKeys)
    }

    /// The task-aware dynamic sampler of one layer for one branch: scorer logits [T] and the kept indices
    /// (ascending). in_conv = LayerNorm → Linear → GELU(erf); local/global split at dim/2; out_conv =
    /// Linear-GELU-Linear-GELU-Linear.
    func selectTokens(layer l: DiTBlockWeights, features f: Tensor, task: UnsafePointer<Float>,
                      selection: TokenSelection, rng: inout SeededRandom) -> ([Int], Tensor, Tensor) {
        let c = config, dim = c.dim, T = f.shape[0]
        let xp = Tensor(shape: [T, dim])   // input_image_proj(F), also the source of the kept tokens
        linear(f.pointer, rows: T, inDim: c.imageFeatDim, weight: l.inputImageProj!.pointer, bias: nil, outDim: dim, out: xp.pointer)
        let yp = Tensor(shape: [dim])
        linear(task, rows: 1, inDim: c.adaDim, weight: l.yPoolProj!.pointer, bias: nil, outDim: dim, out: yp.pointer)
        let u = xp.copy()
        for t in 0..<T { add(u.pointer + t * dim, yp.pointer, count: dim) }
        layerNorm(u.pointer, rows: T, dim: dim, weight: l.inConvNormW!.pointer, bias: l.inConvNormB!.pointer, eps: 1e-5, out: u.pointer)
        let z = Tensor(shape: [T, dim])
        linear(u.pointer, rows: T, inDim: dim, weight: l.inConvW!.pointer, bias: l.inConvB!.pointer, outDim: dim, out: z.pointer)
        geluErf(z.pointer, z.pointer, count: T * dim)
        let half = dim / 2
        var mean = [Double](repeating: 0, count: dim - half)
        for t in 0..<T { for j in half..<dim { mean[j - half] += Double(z[t * dim + j]) } }
        for t in 0..<T { for j in half..<dim { z[t * dim + j] = Float(mean[j - half] / Double(T)) } }
        let z1 = Tensor(shape: [T, dim / 2]), z2 = Tensor(shape: [T, dim / 4]), s = Tensor(shape: [T, 1])
        linear(z.pointer, rows: T, inDim: dim, weight: l.outConv0W!.pointer, bias: l.outConv0B!.pointer, outDim: dim / 2, out: z1.pointer)
        geluErf(z1.pointer, z1.pointer, count: z1.count)
        linear(z1.pointer, rows: T, inDim: dim / 2, weight: l.outConv2W!.pointer, bias: l.outConv2B!.pointer, outDim: dim / 4, out: z2.pointer)
        geluErf(z2.pointer, z2.pointer, count: z2.count)
        linear(z2.pointer, rows: T, inDim: dim / 4, weight: l.outConv4W!.pointer, bias: l.outConv4B!.pointer, outDim: 1, out: s.pointer)
        var keyed = (0..<T).map { (Double(s[$0]), $0) }
        if case .gumbel = selection { for i in 0..<T { keyed[i].0 += rng.gumbel() } }
        let S = min(c.sampleTokens, T)
        let kept = keyed.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }.prefix(S).map(\.1).sorted()
        return (kept, s.reshaped([T]), xp)
    }

    public func makeScratch(conditioning: DiTConditioning, height: Int, width: Int) -> DiTScratch {
        DiTScratch(config: config, branches: conditioning.branches, height: height, width: width, maxKeys: conditioning.maxKeys)
    }

    // MARK: per step

    /// Softmax scale of the self-attention: proportional attention sqrt(log_base(N)/head_dim); base = nil
    /// or N gives 1/sqrt(head_dim).
    public func attentionScale(tokens n: Int, baseTokens: Int?) -> Float {
        let hd = Double(config.headDim)
        guard let base = baseTokens, base != n, base > 1 else { return Float((1 / hd).squareRoot()) }
        return Float((log(Double(n)) / log(Double(base)) / hd).squareRoot())
    }

    /// Shape-checked form of `forward`: xt and cond must be [B, C, H, W] with B, H, W those of the scratch.
    public func forward(xt: Tensor, cond: Tensor, t: Float, conditioning cd: DiTConditioning, scratch s: DiTScratch,
                        baseTokens: Int? = nil, tap: Tap? = nil) throws(ModelError) {
        let want = [s.branches, config.inChannels, s.height, s.width]
        guard xt.shape == want, cond.shape == want else {
            throw .invalidInput("x_t \(xt.shape) and cond \(cond.shape) must both be \(want)")
        }
        guard t.isFinite else { throw .invalidInput("t must be finite") }
        try forward(xt: xt.pointer, cond: cond.pointer, t: t, conditioning: cd, scratch: s, baseTokens: baseTokens, tap: tap)
    }

    /// One forward of all branches at time t. xt, cond: [B, C, H, W] (H, W = scratch's latent size).
    /// Writes scratch.output [B, Cout, H, W]. No allocation unless `tap` is given.
    public func forward(xt: UnsafePointer<Float>, cond: UnsafePointer<Float>, t: Float, conditioning cd: DiTConditioning,
                        scratch s: DiTScratch, baseTokens: Int? = nil, tap: Tap? = nil) throws(ModelError) {
        let c = config, w = weights
        let B = s.branches, N = s.tokens, dim = c.dim, kv = c.kvDim, ada = c.adaDim, hid = c.ffnHidden
        let p = c.patchSize, C = c.inChannels, H = s.height, W = s.width, gw = W / p
        guard cd.branches == B else { throw .invalidInput("conditioning has \(cd.branches) branches, scratch \(B)") }
        guard H % p == 0, W % p == 0, N > 0 else { throw .invalidInput("latent \(H)x\(W) is not a multiple of patch \(p)") }
        let rows = B * N
        let pin = c.patchInputs

        // patchify: tok[b, n, ch·p·p + ph·p + pw], ch < C from x_t, ch ≥ C from cond
        for b in 0..<B {
            for i in 0..<(H / p) { for j in 0..<gw {
                let row = s.tok.pointer + (b * N + i * gw + j) * pin
                for ch in 0..<(2 * C) {
                    let src = ch < C ? xt + (b * C + ch) * H * W : cond + (b * C + ch - C) * H * W
                    for ph in 0..<p { for pw in 0..<p {
                        row[ch * p * p + ph * p + pw] = src[(i * p + ph) * W + j * p + pw]
                    } }
                }
            } }
        }
        linear(s.tok.pointer, rows: rows, inDim: pin, weight: w.xEmbedderW.pointer, bias: w.xEmbedderB.pointer, outDim: dim,
               out: s.h.pointer)                                                        // [B·N, dim]
        tap?("x_embed", s.h.copy().reshaped([B, N, dim]))

        // adaLN input: t_embedder(t) + static part
        let half = DiTWeights.timestepFrequencies / 2
        let lnP = Float(-log(10000.0))
        for b in 0..<B {
            let row = s.tfreq.pointer + b * 2 * half
            for k in 0..<half {
                let f = Float(exp(Double(lnP * Float(k) / Float(half))))
                let arg = t * f
                row[k] = Float(cos(Double(arg))); row[half + k] = Float(sin(Double(arg)))
            }
        }
        linear(s.tfreq.pointer, rows: B, inDim: 2 * half, weight: w.tMlp0W.pointer, bias: w.tMlp0B.pointer, outDim: ada, out: s.tHidden.pointer)
        silu(s.tHidden.pointer, s.tHidden.pointer, count: B * ada)
        linear(s.tHidden.pointer, rows: B, inDim: ada, weight: w.tMlp2W.pointer, bias: w.tMlp2B.pointer, outDim: ada, out: s.adaln.pointer)
        add(s.adaln.pointer, cd.adalnStatic.pointer, count: B * ada)                 // [B, ada]
        tap?("adaln", s.adaln.copy())
        silu(s.adaln.pointer, s.adaSilu.pointer, count: B * ada)

        let scale = attentionScale(tokens: N, baseTokens: baseTokens)
        let xscale = Float((1 / Double(c.headDim)).squareRoot())
        let qkvW = dim + 2 * kv
        for (li, l) in w.layers.enumerated() {
            // modulation [B, 4·dim] = scale_msa | gate_msa | scale_mlp | gate_mlp; gates → tanh
            linear(s.adaSilu.pointer, rows: B, inDim: ada, weight: l.adaLNW.pointer, bias: l.adaLNB.pointer, outDim: 4 * dim, out: s.mod.pointer)
            for b in 0..<B {
                let m = s.mod.pointer + b * 4 * dim
                PixTensor.tanh(m + dim, m + dim, count: dim)
                PixTensor.tanh(m + 3 * dim, m + 3 * dim, count: dim)
            }
            // attention input: RMSNorm(h)·(1 + scale_msa)
            rmsNorm(s.h.pointer, rows: rows, dim: dim, weight: l.attentionNorm1.pointer, eps: c.normEps, out: s.a.pointer)
            for b in 0..<B { modulate(s.a.pointer + b * N * dim, scale: s.mod.pointer + b * 4 * dim, rows: N, dim: dim) }
            linear(s.a.pointer, rows: rows, inDim: dim, weight: l.wqkv.pointer, bias: nil, outDim: qkvW, out: s.qkv.pointer) // [B·N, dim+2kv]
            let q = s.qkv.pointer, k = s.qkv.pointer + dim, v = s.qkv.pointer + dim + kv
            if let qw = l.qNormW, let kw = l.kNormW {
                layerNorm(q, rows: rows, dim: dim, ldx: qkvW, weight: qw.pointer, bias: l.qNormB?.pointer, eps: 1e-5, out: q, ldo: qkvW)
                layerNorm(k, rows: rows, dim: kv, ldx: qkvW, weight: kw.pointer, bias: l.kNormB?.pointer, eps: 1e-5, out: k, ldo: qkvW)
            }
            for b in 0..<B {
                applyRoPE2D(q + b * N * qkvW, tokens: N, heads: c.nHeads, ld: qkvW, table: s.rope)
                applyRoPE2D(k + b * N * qkvW, tokens: N, heads: c.nKVHeads, ld: qkvW, table: s.rope)
            }
            if let tap { tap("layers.\(li).attn.q_rope", stridedCopy(q, rows: rows, cols: dim, ld: qkvW).reshaped([B, N, dim])) }
            for b in 0..<B {
                let qb = q + b * N * qkvW, ob = s.attn.pointer + b * N * dim
                attention(q: qb, k: k + b * N * qkvW, v: v + b * N * qkvW, out: ob,
                          shape: AttentionShape(queries: N, keys: N, heads: c.nHeads, kvHeads: c.nKVHeads, headDim: c.headDim,
                                                ldq: qkvW, ldk: qkvW, ldv: qkvW, ldo: dim),
                          scale: scale, scratch: s.attnScratch.pointer)
                if let ki = cd.imageK[li][b], let vi = cd.imageV[li][b], let g = tanhGateII[li] {
                    attention(q: qb, k: ki.pointer, v: vi.pointer, out: ob,
                              shape: AttentionShape(queries: N, keys: ki.shape[0], heads: c.nHeads, kvHeads: c.nKVHeads,
                                                    headDim: c.headDim, ldq: qkvW, ldo: dim),
                              scale: xscale, gates: g.pointer, accumulate: true, scratch: s.attnScratch.pointer)
                }
                let ky = cd.textK[li][b], vy = cd.textV[li][b]
                cd.textMasks[b].withUnsafeBufferPointer { mb in
                    attention(q: qb, k: ky.pointer, v: vy.pointer, out: ob,
                              shape: AttentionShape(queries: N, keys: ky.shape[0], heads: c.nHeads, kvHeads: c.nKVHeads,
                                                    headDim: c.headDim, ldq: qkvW, ldo: dim),
                              scale: xscale, keyMask: mb.baseAddress, gates: tanhGate[li].pointer, accumulate: true,
                              scratch: s.attnScratch.pointer)
                }
            }
            linear(s.attn.pointer, rows: rows, inDim: dim, weight: l.wo.pointer, bias: nil, outDim: dim, out: s.o.pointer)
            if let tap { tap("layers.\(li).attn_out", s.o.copy().reshaped([B, N, dim])) }
            rmsNorm(s.o.pointer, rows: rows, dim: dim, weight: l.attentionNorm2.pointer, eps: c.normEps, out: s.o.pointer)
            for b in 0..<B {
                gatedAdd(s.h.pointer + b * N * dim, gate: s.mod.pointer + b * 4 * dim + dim, s.o.pointer + b * N * dim, rows: N, dim: dim)
            }
            if let tap { tap("layers.\(li).after_attn", s.h.copy().reshaped([B, N, dim])) }
            // feed-forward: SwiGLU on RMSNorm(h)·(1 + scale_mlp)
            rmsNorm(s.h.pointer, rows: rows, dim: dim, weight: l.ffnNorm1.pointer, eps: c.normEps, out: s.a.pointer)
            for b in 0..<B { modulate(s.a.pointer + b * N * dim, scale: s.mod.pointer + b * 4 * dim + 2 * dim, rows: N, dim: dim) }
            linear(s.a.pointer, rows: rows, inDim: dim, weight: l.w13.pointer, bias: nil, outDim: 2 * hid, out: s.ffn.pointer) // [B·N, 2·hid]
            swigluFused(s.ffn.pointer, rows: rows, hidden: hid)
            linear(s.ffn.pointer, rows: rows, inDim: hid, ldx: 2 * hid, weight: l.w2.pointer, bias: nil, outDim: dim, out: s.o.pointer)
            rmsNorm(s.o.pointer, rows: rows, dim: dim, weight: l.ffnNorm2.pointer, eps: c.normEps, out: s.o.pointer)
            for b in 0..<B {
                gatedAdd(s.h.pointer + b * N * dim, gate: s.mod.pointer + b * 4 * dim + 3 * dim, s.o.pointer + b * N * dim, rows: N, dim: dim)
            }
            if let tap { tap("layers.\(li).out", s.h.copy().reshaped([B, N, dim])) }
        }

        // final layer: Linear(LayerNorm_noaffine(h)·(1 + scale))
        linear(s.adaSilu.pointer, rows: B, inDim: ada, weight: w.finalAdaW.pointer, bias: w.finalAdaB.pointer, outDim: dim, out: s.finalScale.pointer)
        layerNorm(s.h.pointer, rows: rows, dim: dim, weight: nil, bias: nil, eps: 1e-6, out: s.a.pointer)
        for b in 0..<B { modulate(s.a.pointer + b * N * dim, scale: s.finalScale.pointer + b * dim, rows: N, dim: dim) }
        let pout = c.patchOutputs, Co = c.outChannels
        linear(s.a.pointer, rows: rows, inDim: dim, weight: w.finalW.pointer, bias: w.finalB.pointer, outDim: pout, out: s.final.pointer)
        if let tap { tap("final", s.final.copy().reshaped([B, N, pout])) }
        // unpatchify: out[b, ch, i·p+ph, j·p+pw] = final[b, n, ph·p·Co + pw·Co + ch]
        let out = s.output.pointer
        for b in 0..<B {
            for i in 0..<(H / p) { for j in 0..<gw {
                let row = s.final.pointer + (b * N + i * gw + j) * pout
                for ph in 0..<p { for pw in 0..<p { for ch in 0..<Co {
                    out[((b * Co + ch) * H + i * p + ph) * W + j * p + pw] = row[(ph * p + pw) * Co + ch]
                } } }
            } }
        }
    }
}

/// Copies a strided [rows, cols] block into a new tensor (debug taps only).
func stridedCopy(_ p: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int) -> Tensor {
    let t = Tensor(shape: [rows, cols])
    for r in 0..<rows { (t.pointer + r * cols).update(from: p + r * ld, count: cols) }
    return t
}
