import PixTensor

/// One CFG branch's conditioning inputs.
public struct DiTBranchInput: @unchecked Sendable {
    /// Text token features [L, cap_feat_dim] (Gemma hidden_states[-2]).
    public var textFeatures: Tensor
    /// Key mask [L]: true = real token. At least one must be true.
    public var textMask: [Bool]
    /// Task-embedding input [clip_text_dim] (CLIP text_embeds).
    public var taskEmbedding: Tensor
    /// Semantic image tokens [image_tokens, image_feat_dim]; nil = the image-dropped branch (all zeros).
    public var imageFeatures: Tensor?

    public init(textFeatures: Tensor, textMask: [Bool], taskEmbedding: Tensor, imageFeatures: Tensor?) {
        self.textFeatures = textFeatures; self.textMask = textMask
        self.taskEmbedding = taskEmbedding; self.imageFeatures = imageFeatures
    }
}

/// How the task-aware dynamic sampler picks its tokens.
public enum TokenSelection: Sendable, Equatable {
    /// Top-k of the scorer logits: deterministic (the project's default; a documented deviation).
    case topK
    /// The official rule: top-k of logits + Gumbel(0,1) noise, drawn from `SeededRandom(seed)`. The
    /// official code redraws the noise in every layer on every forward call; here it is drawn once per
    /// request and layer (the selection, and so the cached image K/V, stay fixed for the whole request).
    case gumbel(seed: UInt64)
}

/// Per-request state: everything that does not depend on x_t or t, computed once by
/// `PixWizardDiT.prepare` and reused at every step: per layer and branch the text K/V (ky_norm(wk_y(
/// RMSNorm(G)))) and the image K/V of the selected semantic tokens, and the task + global semantic part of
/// the adaLN input.
public final class DiTConditioning: @unchecked Sendable {
    public let branches: Int
    /// [B, ada]: task_embedder(task) + global_semantic_embedder(mean(image tokens))
    public let adalnStatic: Tensor
    /// Per layer, per branch.
    public let textK: [[Tensor]]          // [L_b, kv]
    public let textV: [[Tensor]]
    public let textMasks: [[Bool]]        // per branch
    public let imageK: [[Tensor?]]        // [S, kv]; nil when the branch's image is dropped (contribution exactly 0)
    public let imageV: [[Tensor?]]
    /// Per layer, per branch: the kept semantic token indices (ascending); empty when dropped.
    public let selected: [[[Int]]]
    public let maxKeys: Int

    init(branches: Int, adalnStatic: Tensor, textK: [[Tensor]], textV: [[Tensor]], textMasks: [[Bool]],
         imageK: [[Tensor?]], imageV: [[Tensor?]], selected: [[[Int]]], maxKeys: Int) {
        self.branches = branches; self.adalnStatic = adalnStatic; self.textK = textK; self.textV = textV
        self.textMasks = textMasks; self.imageK = imageK; self.imageV = imageV; self.selected = selected
        self.maxKeys = maxKeys
    }
}

/// Preallocated buffers of one forward shape (branches × tokens); reused by every step.
public final class DiTScratch: @unchecked Sendable {
    public let branches: Int
    public let height: Int, width: Int   // latent size
    public let tokens: Int
    let rope: RoPE2DTable
    let tok, h, a, qkv, attn, o, ffn: Tensor
    let tfreq, tHidden, adaln, adaSilu, mod, finalScale, final: Tensor
    let attnScratch: Tensor
    let maxKeys: Int
    /// The last forward's output [B, Cout, H, W].
    public let output: Tensor

    public init(config c: DiTConfig, branches b: Int, height: Int, width: Int, maxKeys: Int) {
        branches = b; self.height = height; self.width = width
        let gh = height / c.patchSize, gw = width / c.patchSize
        tokens = gh * gw
        let rows = b * tokens
        rope = RoPE2DTable(headDim: c.headDim, rows: gh, cols: gw, theta: c.ropeTheta)
        tok = Tensor(shape: [rows, c.patchInputs])
        h = Tensor(shape: [rows, c.dim]); a = Tensor(shape: [rows, c.dim])
        qkv = Tensor(shape: [rows, c.dim + 2 * c.kvDim])
        attn = Tensor(shape: [rows, c.dim]); o = Tensor(shape: [rows, c.dim])
        ffn = Tensor(shape: [rows, 2 * c.ffnHidden])
        tfreq = Tensor(shape: [b, DiTWeights.timestepFrequencies])
        tHidden = Tensor(shape: [b, c.adaDim]); adaln = Tensor(shape: [b, c.adaDim]); adaSilu = Tensor(shape: [b, c.adaDim])
        mod = Tensor(shape: [b, 4 * c.dim]); finalScale = Tensor(shape: [b, c.dim])
        final = Tensor(shape: [rows, c.patchOutputs])
        self.maxKeys = max(maxKeys, tokens, c.sampleTokens)
        attnScratch = Tensor(shape: [min(tokens, AttentionShape.blockRows) * self.maxKeys])
        output = Tensor(shape: [b, c.outChannels, height, width])
    }
}
