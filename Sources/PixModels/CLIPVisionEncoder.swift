import PixTensor
import PixWeights

/// CLIP vision tower configuration (`clip_vision` object of an official model's config.json).
public struct CLIPVisionConfig: Codable, Sendable, Equatable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var imageSize: Int
    public var patchSize: Int
    public var numChannels: Int
    public var layerNormEps: Float
    public var hiddenAct: String
    public var imageMean: [Float]
    public var imageStd: [Float]

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", imageSize = "image_size", patchSize = "patch_size"
        case numChannels = "num_channels", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
        case imageMean = "image_mean", imageStd = "image_std"
    }

    public var grid: Int { imageSize / patchSize }
    /// Patch tokens returned (CLS dropped): 576 for ViT-L/14 at 336².
    public var tokens: Int { grid * grid }

    public var weightShapes: [String: [Int]] {
        let h = hiddenSize
        var e = CLIPEncoderLayers.shapes(prefix: "vision_model.", hidden: h, intermediate: intermediateSize, layers: numHiddenLayers)
        e["vision_model.embeddings.class_embedding"] = [h]
        e["vision_model.embeddings.patch_embedding.weight"] = [h, numChannels, patchSize, patchSize]
        e["vision_model.embeddings.position_embedding.weight"] = [tokens + 1, h]
        e["vision_model.pre_layrnorm.weight"] = [h]
        e["vision_model.pre_layrnorm.bias"] = [h]
        return e
    }
}

/// CLIPVisionModel → last_hidden_state[:, 1:] (patch tokens of the last encoder layer, no post-LayerNorm):
/// patch conv (stride = patch, no bias), CLS token, position embeddings, pre-LayerNorm, pre-LN encoder.
public final class CLIPVisionEncoder: @unchecked Sendable {
    public let config: CLIPVisionConfig
    let weights: CheckedWeights

    public init(config: CLIPVisionConfig, weightsPath: String) throws(ModelError) {
        guard config.hiddenSize > 0, config.numAttentionHeads > 0, config.hiddenSize % config.numAttentionHeads == 0,
              config.patchSize > 0, config.imageSize % config.patchSize == 0, config.numChannels == 3,
              config.imageMean.count == 3, config.imageStd.count == 3
        else { throw .invalidConfig("clip_vision: sizes must be > 0, image_size a multiple of patch_size, 3 channels") }
        try checkCLIPActivation(config.hiddenAct)
        self.config = config
        weights = try CheckedWeights(paths: [weightsPath], expected: config.weightShapes)
    }

    /// pixels: normalised pixel values [3, image_size, image_size]. Returns tokens [grid², hidden].
    public func encode(pixels: [Float]) throws(ModelError) -> Tensor {
        let c = config, h = c.hiddenSize, s = c.imageSize, t = c.tokens
        guard pixels.count == 3 * s * s else { throw .invalidInput("clip_vision: \(pixels.count) values for 3x\(s)x\(s)") }
        let pw = try weights.load("vision_model.embeddings.patch_embedding.weight")
        let patches = Tensor(shape: [h, t])                                                 // [h, grid²]
        pixels.withUnsafeBufferPointer { px in
            conv2d(px.baseAddress!, shape: Conv2DShape(inChannels: 3, outChannels: h, kernel: c.patchSize, stride: c.patchSize,
                                                       pad: 0, height: s, width: s),
                   weight: pw.pointer, bias: nil, out: patches.pointer)
        }
        let x = Tensor(shape: [t + 1, h])                                                   // [1 + grid², h]
        let cls = try weights.load("vision_model.embeddings.class_embedding")
        x.pointer.update(from: cls.pointer, count: h)
        for i in 0..<t { for j in 0..<h { x[(i + 1) * h + j] = patches[j * t + i] } }
        let pos = try weights.load("vision_model.embeddings.position_embedding.weight")
        add(x.pointer, pos.pointer, count: (t + 1) * h)
        let lw = try weights.load("vision_model.pre_layrnorm.weight"), lb = try weights.load("vision_model.pre_layrnorm.bias")
        layerNorm(x.pointer, rows: t + 1, dim: h, weight: lw.pointer, bias: lb.pointer, eps: c.layerNormEps, out: x.pointer)
        let stack = CLIPEncoderLayers(prefix: "vision_model.", hidden: h, intermediate: c.intermediateSize,
                                      layers: c.numHiddenLayers, heads: c.numAttentionHeads, eps: c.layerNormEps,
                                      activation: c.hiddenAct)
        try stack.run(x, tokens: t + 1, causal: false, weights: weights)
        return x.slice(1, t).copy()
    }
}
