/// PixWizard's classifier-free guidance (official `forward_with_cfg`), on the first `channels` latent
/// channels only (the official "three channels" quirk); every other channel is taken from the fully
/// conditioned branch, unguided.
///   three branches: v = u + s_img·(i − u) + s_txt·(c − i)
///   shortcut (s_img == 1, exact up to rounding): v = i + s_txt·(c − i)  — the uncond branch cancels
///   no guidance (s_img == 1 and s_txt == 1): v = c — only the conditioned branch runs
/// Branch order in the DiT batch: c = (prompt, image, cond latent), i = ("", image, cond latent),
/// u = ("", no image, the initial noise as cond latent).
public struct ClassifierFreeGuidance: Sendable, Equatable {
    public var textScale: Float
    public var imageScale: Float
    /// Use the two-branch form when imageScale == 1.
    public var shortcut: Bool
    /// Guided channels (cfg_channels in the DiT config).
    public var channels: Int

    public init(textScale: Float, imageScale: Float, shortcut: Bool = true, channels: Int = 3) {
        self.textScale = textScale; self.imageScale = imageScale; self.shortcut = shortcut; self.channels = channels
    }

    public var branches: Int {
        guard shortcut, imageScale == 1 else { return 3 }
        return textScale == 1 ? 1 : 2
    }

    /// Combines per-branch velocities out [B, Cout, H, W] (first C channels used) into v [C, H, W].
    /// No allocation.
    public func combine(_ out: UnsafePointer<Float>, outChannels: Int, channels C: Int, plane: Int,
                        into v: UnsafeMutablePointer<Float>) {
        let stride = outChannels * plane
        let vc = out
        let vi = out + (branches > 1 ? stride : 0)
        let k = min(channels, C) * plane
        if branches == 1 {
            v.update(from: vc, count: C * plane)
            return
        }
        if branches == 2 {
            for j in 0..<k { v[j] = vi[j] + textScale * (vc[j] - vi[j]) }
        } else {
            let vu = out + 2 * stride
            for j in 0..<k { v[j] = vu[j] + imageScale * (vi[j] - vu[j]) + textScale * (vc[j] - vi[j]) }
        }
        for j in k..<(C * plane) { v[j] = vc[j] }
    }
}
