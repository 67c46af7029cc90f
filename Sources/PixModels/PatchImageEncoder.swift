import PixTensor
import PixWeights

/// pixwizard-mini's semantic image encoder (trained jointly with the DiT; Training/mini/image_encoder.py):
///   p   = patchify(x, P)                    // [T, 3·P·P], (c, ph, pw) order, tokens row-major
///   out = LayerNorm(p · projᵀ + bias + pos)  // [T, E]
/// Its output plays the role of CLIP's patch tokens in the official model (the DiT's `image_feats`).
public final class PatchImageEncoder: @unchecked Sendable {
    public let patch: Int, imageSize: Int, dim: Int, tokens: Int
    public let eps: Float
    let projW: Tensor   // [E, 3·P·P]
    let projB: Tensor   // [E]
    let pos: Tensor     // [T, E]
    let normW: Tensor   // [E]
    let normB: Tensor   // [E]

    /// Strict loading: every key present with its shape, no key left over.
    public init(weightsPath: String, patch: Int, imageSize: Int, dim: Int, eps: Float = 1e-5) throws(ModelError) {
        guard patch > 0, imageSize > 0, imageSize % patch == 0, dim > 0 else {
            throw .invalidConfig("image encoder: image_size \(imageSize) must be a positive multiple of patch_size \(patch)")
        }
        self.patch = patch; self.imageSize = imageSize; self.dim = dim; self.eps = eps
        tokens = (imageSize / patch) * (imageSize / patch)
        let inDim = 3 * patch * patch
        do {
            let store = try WeightStore(paths: [weightsPath])
            projW = try store.take("proj.weight", shape: [dim, inDim])
            projB = try store.take("proj.bias", shape: [dim])
            pos = try store.take("pos", shape: [tokens, dim])
            normW = try store.take("norm.weight", shape: [dim])
            normB = try store.take("norm.bias", shape: [dim])
            try store.finish()
        } catch {
            throw .weights("\(weightsPath): \(error)")
        }
    }

    /// image: [3, S, S] in [-1, 1] with S = imageSize. Returns [T, E].
    public func encode(_ image: Tensor) throws(ModelError) -> Tensor {
        let S = imageSize, P = patch, g = S / P
        guard image.shape == [3, S, S] else { throw .invalidInput("image encoder expects [3, \(S), \(S)], got \(image.shape)") }
        let inDim = 3 * P * P
        let patches = Tensor(shape: [tokens, inDim])                  // [T, 3·P·P]
        let src = image.pointer, dst = patches.pointer
        for gy in 0..<g {
            for gx in 0..<g {
                let row = dst + (gy * g + gx) * inDim
                for c in 0..<3 {
                    for py in 0..<P {
                        let s = src + c * S * S + (gy * P + py) * S + gx * P
                        (row + c * P * P + py * P).update(from: s, count: P)
                    }
                }
            }
        }
        let out = Tensor(shape: [tokens, dim])                        // [T, E]
        linear(patches.pointer, rows: tokens, inDim: inDim, weight: projW.pointer, bias: projB.pointer, outDim: dim,
               out: out.pointer)
        for i in 0..<(tokens * dim) { out[i] += pos[i] }
        layerNorm(out.pointer, rows: tokens, dim: dim, weight: normW.pointer, bias: normB.pointer, eps: eps, out: out.pointer)
        return out
    }
}
