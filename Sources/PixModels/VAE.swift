import PixTensor
import PixWeights

/// AutoencoderKL configuration (`vae` object of an official model's config.json; the SDXL VAE layout).
public struct VAEConfig: Codable, Sendable, Equatable {
    public var inChannels: Int
    public var outChannels: Int
    public var latentChannels: Int
    public var blockOutChannels: [Int]
    public var layersPerBlock: Int
    public var normNumGroups: Int
    public var scalingFactor: Float
    public var shiftFactor: Float
    public var useQuantConv: Bool
    public var usePostQuantConv: Bool
    public var midBlockAddAttention: Bool

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", latentChannels = "latent_channels"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block", normNumGroups = "norm_num_groups"
        case scalingFactor = "scaling_factor", shiftFactor = "shift_factor", useQuantConv = "use_quant_conv"
        case usePostQuantConv = "use_post_quant_conv", midBlockAddAttention = "mid_block_add_attention"
    }

    /// Pixels per latent cell: 2^(blocks − 1) (8 for SDXL).
    public var downFactor: Int { 1 << max(blockOutChannels.count - 1, 0) }

    public func validate() throws(ModelError) {
        guard !blockOutChannels.isEmpty, normNumGroups > 0, blockOutChannels.allSatisfy({ $0 > 0 && $0 % normNumGroups == 0 }),
              layersPerBlock > 0, latentChannels > 0, inChannels == 3, outChannels == 3
        else { throw .invalidConfig("vae: block channels must be multiples of norm_num_groups; 3 image channels") }
    }

    /// Keys and shapes of diffusers' AutoencoderKL (DownEncoderBlock2D / UpDecoderBlock2D / UNetMidBlock2D).
    public var weightShapes: [String: [Int]] {
        var e: [String: [Int]] = [:]
        func conv(_ n: String, _ o: Int, _ i: Int, _ k: Int) { e[n + ".weight"] = [o, i, k, k]; e[n + ".bias"] = [o] }
        func norm(_ n: String, _ c: Int) { e[n + ".weight"] = [c]; e[n + ".bias"] = [c] }
        func resnet(_ n: String, _ i: Int, _ o: Int) {
            norm(n + ".norm1", i); conv(n + ".conv1", o, i, 3); norm(n + ".norm2", o); conv(n + ".conv2", o, o, 3)
            if i != o { conv(n + ".conv_shortcut", o, i, 1) }
        }
        func mid(_ n: String, _ c: Int) {
            resnet(n + ".resnets.0", c, c)
            if midBlockAddAttention {
                norm(n + ".attentions.0.group_norm", c)
                for p in ["to_q", "to_k", "to_v", "to_out.0"] { e[n + ".attentions.0.\(p).weight"] = [c, c]; e[n + ".attentions.0.\(p).bias"] = [c] }
            }
            resnet(n + ".resnets.1", c, c)
        }
        let ch = blockOutChannels, last = ch.count - 1
        conv("encoder.conv_in", ch[0], inChannels, 3)
        var prev = ch[0]
        for (b, o) in ch.enumerated() {
            for r in 0..<layersPerBlock { resnet("encoder.down_blocks.\(b).resnets.\(r)", r == 0 ? prev : o, o) }
            prev = o
            if b != last { conv("encoder.down_blocks.\(b).downsamplers.0.conv", o, o, 3) }
        }
        mid("encoder.mid_block", ch[last])
        norm("encoder.conv_norm_out", ch[last])
        conv("encoder.conv_out", 2 * latentChannels, ch[last], 3)
        conv("decoder.conv_in", ch[last], latentChannels, 3)
        mid("decoder.mid_block", ch[last])
        let rev = Array(ch.reversed())
        prev = rev[0]
        for (b, o) in rev.enumerated() {
            for r in 0...layersPerBlock { resnet("decoder.up_blocks.\(b).resnets.\(r)", r == 0 ? prev : o, o) }
            prev = o
            if b != last { conv("decoder.up_blocks.\(b).upsamplers.0.conv", o, o, 3) }
        }
        norm("decoder.conv_norm_out", ch[0])
        conv("decoder.conv_out", outChannels, ch[0], 3)
        if useQuantConv { conv("quant_conv", 2 * latentChannels, 2 * latentChannels, 1) }
        if usePostQuantConv { conv("post_quant_conv", latentChannels, latentChannels, 1) }
        return e
    }
}

/// A [C, H, W] activation map (batch 1).
public struct FeatureMap {
    public var data: Tensor
    public var channels: Int, height: Int, width: Int
    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels; self.height = height; self.width = width
        data = Tensor(shape: [channels, height, width])
    }
    public init(data: Tensor, channels: Int, height: Int, width: Int) {
        precondition(data.count == channels * height * width)
        self.data = data; self.channels = channels; self.height = height; self.width = width
    }
    var hw: Int { height * width }
}

/// The SDXL VAE (diffusers AutoencoderKL): `encode` gives the latent mean × scaling_factor (the official
/// code samples; the mean is the deterministic choice), `decode` maps latent / scaling_factor to [-1, 1]
/// pixels. Weights are read from the mapped file per block (fp16/bf16 stay half until used).
public final class VAE: @unchecked Sendable {
    public let config: VAEConfig
    let weights: CheckedWeights

    public init(config: VAEConfig, weightsPath: String) throws(ModelError) {
        try config.validate()
        self.config = config
        weights = try CheckedWeights(paths: [weightsPath], expected: config.weightShapes)
    }

    /// image: [3, H, W] in [-1, 1], H and W multiples of the down factor. Returns the scaled latent mean [C, H/f, W/f].
    public func encode(_ image: FeatureMap, cancel: (() -> Bool)? = nil) throws(ModelError) -> FeatureMap {
        let c = config, f = c.downFactor
        guard image.channels == c.inChannels, image.height > 0, image.width > 0, image.height % f == 0, image.width % f == 0 else {
            throw .invalidInput("vae: image \(image.channels)x\(image.height)x\(image.width) (3 channels, sides multiples of \(f))")
        }
        let ch = c.blockOutChannels, last = ch.count - 1
        var x = try conv(image, "encoder.conv_in", out: ch[0], k: 3, pad: 1)
        var prev = ch[0]
        for (b, o) in ch.enumerated() {
            for r in 0..<c.layersPerBlock {
                if cancel?() == true { throw .invalidInput("cancelled") }
                x = try resnet(x, "encoder.down_blocks.\(b).resnets.\(r)", in: r == 0 ? prev : o, out: o)
            }
            prev = o
            if b != last { x = try downsample(x, "encoder.down_blocks.\(b).downsamplers.0.conv") }
        }
        x = try midBlock(x, "encoder.mid_block")
        try normSiLU(x, "encoder.conv_norm_out", silu: true)
        x = try conv(x, "encoder.conv_out", out: 2 * c.latentChannels, k: 3, pad: 1)
        if c.useQuantConv { x = try conv(x, "quant_conv", out: 2 * c.latentChannels, k: 1, pad: 0) }
        let lat = FeatureMap(channels: c.latentChannels, height: x.height, width: x.width)
        let n = c.latentChannels * x.hw
        for i in 0..<n { lat.data[i] = (x.data[i] - c.shiftFactor) * c.scalingFactor }   // mean = first half
        return lat
    }

    /// latent: scaled latent [C, h, w]. Returns pixels [3, h·f, w·f] (about [-1, 1], not clamped).
    public func decode(_ latent: FeatureMap, cancel: (() -> Bool)? = nil) throws(ModelError) -> FeatureMap {
        let c = config
        guard latent.channels == c.latentChannels, latent.height > 0, latent.width > 0 else {
            throw .invalidInput("vae: latent \(latent.channels)x\(latent.height)x\(latent.width) (\(c.latentChannels) channels)")
        }
        var z = FeatureMap(channels: latent.channels, height: latent.height, width: latent.width)
        for i in 0..<z.data.count { z.data[i] = latent.data[i] / c.scalingFactor + c.shiftFactor }
        if c.usePostQuantConv { z = try conv(z, "post_quant_conv", out: c.latentChannels, k: 1, pad: 0) }
        let ch = c.blockOutChannels, last = ch.count - 1
        var x = try conv(z, "decoder.conv_in", out: ch[last], k: 3, pad: 1)
        x = try midBlock(x, "decoder.mid_block")
        let rev = Array(ch.reversed())
        var prev = rev[0]
        for (b, o) in rev.enumerated() {
            for r in 0...c.layersPerBlock {
                if cancel?() == true { throw .invalidInput("cancelled") }
                x = try resnet(x, "decoder.up_blocks.\(b).resnets.\(r)", in: r == 0 ? prev : o, out: o)
            }
            prev = o
            if b != last { x = try upsample(x, "decoder.up_blocks.\(b).upsamplers.0.conv") }
        }
        try normSiLU(x, "decoder.conv_norm_out", silu: true)
        return try conv(x, "decoder.conv_out", out: c.outChannels, k: 3, pad: 1)
    }

    // MARK: blocks

    func conv(_ x: FeatureMap, _ name: String, out: Int, k: Int, pad: Int, stride: Int = 1,
              asymmetric: Bool = false) throws(ModelError) -> FeatureMap {
        let w = try weights.load(name + ".weight"), b = try weights.load(name + ".bias")
        let s = asymmetric
            ? Conv2DShape(inChannels: x.channels, outChannels: out, kernel: k, stride: stride, padTop: 0, padLeft: 0,
                          padBottom: 1, padRight: 1, height: x.height, width: x.width)
            : Conv2DShape(inChannels: x.channels, outChannels: out, kernel: k, stride: stride, pad: pad, height: x.height, width: x.width)
        let y = FeatureMap(channels: out, height: s.outHeight, width: s.outWidth)
        conv2d(x.data.pointer, shape: s, weight: w.pointer, bias: b.pointer, out: y.data.pointer)   // [out, Ho, Wo]
        return y
    }

    /// GroupNorm (eps 1e-6) in place, then SiLU if asked.
    func normSiLU(_ x: FeatureMap, _ name: String, silu doSiLU: Bool) throws(ModelError) {
        let w = try weights.load(name + ".weight"), b = try weights.load(name + ".bias")
        groupNorm(x.data.pointer, channels: x.channels, spatial: x.hw, groups: config.normNumGroups, eps: 1e-6,
                  weight: w.pointer, bias: b.pointer, out: x.data.pointer)
        if doSiLU { silu(x.data.pointer, x.data.pointer, count: x.data.count) }
    }

    /// ResnetBlock2D: shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x)))))).
    func resnet(_ x: FeatureMap, _ name: String, in cin: Int, out cout: Int) throws(ModelError) -> FeatureMap {
        let h0 = FeatureMap(data: x.data.copy(), channels: x.channels, height: x.height, width: x.width)
        try normSiLU(h0, name + ".norm1", silu: true)
        let h1 = try conv(h0, name + ".conv1", out: cout, k: 3, pad: 1)
        try normSiLU(h1, name + ".norm2", silu: true)
        let h2 = try conv(h1, name + ".conv2", out: cout, k: 3, pad: 1)
        if cin != cout {
            let sc = try conv(x, name + ".conv_shortcut", out: cout, k: 1, pad: 0)
            add(h2.data.pointer, sc.data.pointer, count: h2.data.count)
        } else {
            add(h2.data.pointer, x.data.pointer, count: h2.data.count)
        }
        return h2
    }

    /// Downsample2D: zero pad (0, 1, 0, 1), 3×3 conv stride 2.
    func downsample(_ x: FeatureMap, _ name: String) throws(ModelError) -> FeatureMap {
        try conv(x, name, out: x.channels, k: 3, pad: 0, stride: 2, asymmetric: true)
    }

    /// Upsample2D: nearest ×2, 3×3 conv.
    func upsample(_ x: FeatureMap, _ name: String) throws(ModelError) -> FeatureMap {
        let u = FeatureMap(channels: x.channels, height: 2 * x.height, width: 2 * x.width)
        upsampleNearest2x(x.data.pointer, channels: x.channels, height: x.height, width: x.width, out: u.data.pointer)
        return try conv(u, name, out: x.channels, k: 3, pad: 1)
    }

    func midBlock(_ x: FeatureMap, _ name: String) throws(ModelError) -> FeatureMap {
        var y = try resnet(x, name + ".resnets.0", in: x.channels, out: x.channels)
        if config.midBlockAddAttention { y = try attentionBlock(y, name + ".attentions.0") }
        return try resnet(y, name + ".resnets.1", in: x.channels, out: x.channels)
    }

    /// Single-head self-attention over the HW positions: x + to_out(softmax(q kᵀ/√C) v) on GroupNorm(x).
    func attentionBlock(_ x: FeatureMap, _ name: String) throws(ModelError) -> FeatureMap {
        let c = x.channels, n = x.hw
        let hn = FeatureMap(data: x.data.copy(), channels: c, height: x.height, width: x.width)
        try normSiLU(hn, name + ".group_norm", silu: false)
        let tokens = Tensor(shape: [n, c])                                   // [HW, C]
        for ch in 0..<c { for p in 0..<n { tokens[p * c + ch] = hn.data[ch * n + p] } }
        let q = Tensor(shape: [n, c]), k = Tensor(shape: [n, c]), v = Tensor(shape: [n, c]), o = Tensor(shape: [n, c])
        for (p, dst) in [("to_q", q), ("to_k", k), ("to_v", v)] {
            let w = try weights.load("\(name).\(p).weight"), b = try weights.load("\(name).\(p).bias")
            linear(tokens.pointer, rows: n, inDim: c, weight: w.pointer, bias: b.pointer, outDim: c, out: dst.pointer)
        }
        let shape = AttentionShape(queries: n, keys: n, heads: 1, kvHeads: 1, headDim: c)
        let scratch = Tensor(shape: [shape.scratchCount])
        attention(q: q.pointer, k: k.pointer, v: v.pointer, out: o.pointer, shape: shape, scale: 1 / Float(c).squareRoot(),
                  scratch: scratch.pointer)
        let wo = try weights.load("\(name).to_out.0.weight"), bo = try weights.load("\(name).to_out.0.bias")
        linear(o.pointer, rows: n, inDim: c, weight: wo.pointer, bias: bo.pointer, outDim: c, out: tokens.pointer)
        let y = FeatureMap(data: x.data.copy(), channels: c, height: x.height, width: x.width)
        for ch in 0..<c { for p in 0..<n { y.data[ch * n + p] += tokens[p * c + ch] } }
        return y
    }
}
