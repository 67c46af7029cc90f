import Foundation
import Testing
@testable import PixImage

/// Lanczos (Pillow, bit-exact) and bicubic align_corners (torch) against Training/fixtures/make_official.py.
@Suite struct ResizeParityTests {
    let fx: FixtureTensors
    let src: RGBImage

    init() throws {
        fx = try FixtureTensors(path: FixtureTensors.fixturePath("official/resize.safetensors"))
        let s = try #require(fx.tensors["src"])   // [H, W, 3] uint8 values as f32
        src = RGBImage(width: s.shape[1], height: s.shape[0], pixels: s.values.map { UInt8($0) })
    }

    @Test(arguments: ["down", "up", "mixed", "same_w"])
    func lanczosMatchesPillow(_ name: String) throws {
        let ref = try #require(fx.tensors["lanczos_\(name)"])
        let out = lanczosResize(src, width: ref.shape[1], height: ref.shape[0])
        var diff = 0, maxd = 0
        for i in out.pixels.indices where Float(out.pixels[i]) != ref.values[i] {
            diff += 1; maxd = max(maxd, abs(Int(out.pixels[i]) - Int(ref.values[i])))
        }
        print("lanczos \(name) \(src.width)x\(src.height) -> \(out.width)x\(out.height): \(diff) differing bytes, max |Δ| \(maxd)")
        #expect(diff == 0)
    }

    @Test(arguments: ["down", "up"])
    func bicubicMatchesTorch(_ name: String) throws {
        let ref = try #require(fx.tensors["bicubic_\(name)"])   // [1, 3, h, w], CLIP-normalised
        let x = PlanarImage(signedPixelsOf: src)
        let r = bicubicResizeAlignCorners(x, height: ref.shape[2], width: ref.shape[3])
        let mean: [Float] = [0.48145466, 0.4578275, 0.40821073], std: [Float] = [0.26862954, 0.26130258, 0.27577711]
        let hw = r.height * r.width
        var md: Float = 0, mr: Float = 0
        for c in 0..<3 { for p in 0..<hw {
            let v = ((r.values[c * hw + p] + 1) / 2 - mean[c]) / std[c]
            md = max(md, abs(v - ref.values[c * hw + p])); mr = max(mr, abs(ref.values[c * hw + p]))
        } }
        print("bicubic \(name) -> \(r.width)x\(r.height): normalised error \(md / mr)")
        #expect(md / mr < 1e-5)
    }
}
