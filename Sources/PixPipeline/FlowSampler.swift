import PixModels
import PixTensor

/// What the sampler needs from the encoders for one request.
public struct GuidanceInputs: @unchecked Sendable {
    /// Structure latent of the input image [C, H, W].
    public var conditionLatent: Tensor
    public var prompt: (features: Tensor, mask: [Bool], task: Tensor)
    public var emptyPrompt: (features: Tensor, mask: [Bool], task: Tensor)
    /// Semantic image tokens [T, image_feat_dim]; nil when the model has none (treated as dropped everywhere).
    public var imageFeatures: Tensor?

    public init(conditionLatent: Tensor, prompt: (features: Tensor, mask: [Bool], task: Tensor),
                emptyPrompt: (features: Tensor, mask: [Bool], task: Tensor), imageFeatures: Tensor?) {
        self.conditionLatent = conditionLatent; self.prompt = prompt; self.emptyPrompt = emptyPrompt
        self.imageFeatures = imageFeatures
    }
}

/// One solver step, reported after the velocity of the step's start is known. The tensors are views of
/// the sampler's buffers, valid only during the callback.
public struct SamplerStep {
    public var step: Int          // 1-based
    public var total: Int
    public var t: Float           // t_k, the step's start time
    public var xt: Tensor         // [C, H, W] state at t_k
    public var velocity: Tensor   // [C, H, W] guided velocity at (x_t, t_k)
    public var predicted: Tensor  // [C, H, W] x̂₁ = x_t + (1 − t_k)·v
}

/// What the DiT's output means.
///   velocity: v = x₁ − x₀ itself (the official PixWizard transport).
///   residual: the clean sample's difference from a base — the condition latent in the branches that see
///             the image, 0 in the uncond branch; each branch's velocity is (base + out − x_t)/(1 − t)
///             before guidance, so an Euler step to t = 1 lands on base + out. A zero output returns the
///             input unchanged (pixwizard-mini, `"prediction": "residual"` in its config).
public enum Prediction: String, Sendable, Codable, CaseIterable {
    case velocity, residual
}

public struct SamplerOptions: Sendable {
    public var steps: Int
    public var solver: Solver
    public var shift: Float
    public var guidance: ClassifierFreeGuidance
    /// Proportional attention base token count (nil: 1/sqrt(head_dim)).
    public var baseTokens: Int?
    public var selection: TokenSelection
    public var prediction: Prediction

    public init(steps: Int, solver: Solver = .euler, shift: Float = 1, guidance: ClassifierFreeGuidance,
                baseTokens: Int? = nil, selection: TokenSelection = .topK, prediction: Prediction = .velocity) {
        self.steps = steps; self.solver = solver; self.shift = shift; self.guidance = guidance
        self.baseTokens = baseTokens; self.selection = selection; self.prediction = prediction
    }
}

/// Rectified-flow sampler from t = 0 (noise) to t = 1 on `FlowTimesteps.grid`:
///   euler:    x ← x + Δt·v(x, t_k)
///   midpoint: x_mid = x + Δt/2·v(x, t_k); x ← x + Δt·v(x_mid, t_k + Δt/2)   (torchdiffeq's fixed-grid midpoint)
/// CFG branches run batched in one DiT forward; the text/image K/V are prepared once. Cancellation is
/// checked before every step. After the first step the loop allocates nothing.
public final class FlowSampler: @unchecked Sendable {
    public let dit: PixWizardDiT

    public init(dit: PixWizardDiT) { self.dit = dit }

    /// Seeded initial noise [C, H, W] (SeededRandom Box–Muller; does not match torch's generator).
    public static func noise(seed: UInt64, channels: Int, height: Int, width: Int) -> Tensor {
        let t = Tensor(shape: [channels, height, width])
        var rng = SeededRandom(seed: seed)
        rng.fillGaussian(t.pointer, count: t.count)
        return t
    }

    public func sample(noise: Tensor, inputs g: GuidanceInputs, options o: SamplerOptions,
                       cancel: CancellationFlag? = nil,
                       onStep: ((SamplerStep) -> Void)? = nil) throws(EngineError) -> Tensor {
        let c = dit.config
        let C = c.inChannels
        guard noise.rank == 3, noise.shape[0] == C else { throw .invalidArgument("noise must be [\(C), H, W], got \(noise.shape)") }
        let H = noise.shape[1], W = noise.shape[2]
        guard g.conditionLatent.shape == noise.shape else {
            throw .invalidArgument("condition latent \(g.conditionLatent.shape) does not match noise \(noise.shape)")
        }
        guard o.steps >= 1 else { throw .invalidArgument("steps must be >= 1") }
        guard H % c.patchSize == 0, W % c.patchSize == 0 else { throw .invalidArgument("latent \(H)x\(W) not a multiple of patch \(c.patchSize)") }
        var cfg = o.guidance
        cfg.channels = c.cfgChannels
        let nb = cfg.branches
        let branches = [
            DiTBranchInput(textFeatures: g.prompt.features, textMask: g.prompt.mask, taskEmbedding: g.prompt.task, imageFeatures: g.imageFeatures),
            DiTBranchInput(textFeatures: g.emptyPrompt.features, textMask: g.emptyPrompt.mask, taskEmbedding: g.emptyPrompt.task, imageFeatures: g.imageFeatures),
            DiTBranchInput(textFeatures: g.emptyPrompt.features, textMask: g.emptyPrompt.mask, taskEmbedding: g.emptyPrompt.task, imageFeatures: nil),
        ].prefix(nb)
        if cancel?.isCancelled == true { throw .cancelled }
        let cond: DiTConditioning
        do { cond = try dit.prepare(Array(branches), selection: o.selection) } catch { throw .invalidArgument(error.description) }
        let scratch = dit.makeScratch(conditioning: cond, height: H, width: W)
        let plane = H * W, per = C * plane
        // batched inputs [nb, C, H, W]: x_t replicated; structure latents (cond, cond, noise)
        let xs = Tensor(shape: [nb, C, H, W]), conds = Tensor(shape: [nb, C, H, W])
        for b in 0..<nb { (conds.pointer + b * per).update(from: (b < 2 ? g.conditionLatent : noise).pointer, count: per) }
        let x = noise.copy()
        let v = Tensor(shape: [C, H, W]), vm = Tensor(shape: [C, H, W]), xm = Tensor(shape: [C, H, W]), pred = Tensor(shape: [C, H, W])
        let ts = FlowTimesteps.grid(steps: o.steps, shift: o.shift)

        func velocity(_ state: Tensor, _ t: Float, into out: Tensor) throws(EngineError) {
            for b in 0..<nb { (xs.pointer + b * per).update(from: state.pointer, count: per) }
            do {
                try dit.forward(xt: xs.pointer, cond: conds.pointer, t: t, conditioning: cond, scratch: scratch, baseTokens: o.baseTokens)
            } catch { throw .internalError(error.description) }
            if o.prediction == .residual {
                // branch b's velocity = (base_b + out_b − x_t)/(1 − t); base = condition (b < 2) or 0 (uncond)
                let inv = 1 / max(1 - t, Float.leastNormalMagnitude)
                let outStride = c.outChannels * plane
                for b in 0..<nb {
                    let ob = scratch.output.pointer + b * outStride
                    if b < 2 {
                        let base = g.conditionLatent.pointer
                        for j in 0..<per { ob[j] = (base[j] + ob[j] - state[j]) * inv }
                    } else {
                        for j in 0..<per { ob[j] = (ob[j] - state[j]) * inv }
                    }
                }
            }
            cfg.combine(scratch.output.pointer, outChannels: c.outChannels, channels: C, plane: plane, into: out.pointer)
        }

        for k in 0..<o.steps {
            if cancel?.isCancelled == true { throw .cancelled }
            let t0 = ts[k], dt = ts[k + 1] - ts[k]
            try velocity(x, t0, into: v)
            if let onStep {
                let r = 1 - t0
                for j in 0..<per { pred[j] = x[j] + r * v[j] }
                onStep(SamplerStep(step: k + 1, total: o.steps, t: t0, xt: x, velocity: v, predicted: pred))
            }
            switch o.solver {
            case .euler:
                for j in 0..<per { x[j] = x[j] + dt * v[j] }
            case .midpoint:
                let half = 0.5 * dt
                for j in 0..<per { xm[j] = x[j] + half * v[j] }
                if cancel?.isCancelled == true { throw .cancelled }
                try velocity(xm, t0 + half, into: vm)
                for j in 0..<per { x[j] = x[j] + dt * vm[j] }
            }
        }
        return x
    }
}
