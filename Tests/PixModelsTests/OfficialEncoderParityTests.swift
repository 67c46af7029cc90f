import Foundation
import Testing
@testable import PixModels
import PixTensor
import PixWeights

/// Gemma / CLIP text / CLIP vision / SDXL-layout VAE against transformers and diffusers at tiny random
/// configs (Training/fixtures/make_official.py; weights stored fp16-exact, computed in fp32).
@Suite struct OfficialEncoderParityTests {
    static let dir: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("Tests/Fixtures/official").path
    }()

    struct Meta<C: Decodable>: Decodable { var config: C; var ids: [[Int32]]?; var mask: [[Int32]]? }

    func meta<C: Decodable>(_ area: String, _: C.Type) throws -> Meta<C> {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.dir)/\(area)/meta.json"))
        return try JSONDecoder().decode(Meta<C>.self, from: data)
    }

    func io(_ area: String, _ key: String) throws -> Tensor {
        try SafeTensorsFile(path: "\(Self.dir)/\(area)/io.safetensors").tensor(key)
    }

    func err(_ a: UnsafePointer<Float>, _ b: Tensor) -> Float { Tensor.normalisedError(a, b.pointer, count: b.count) }

    @Test func gemmaHiddenStatesMinusTwo() throws {
        let m = try meta("gemma", GemmaConfig.self)
        let enc = try GemmaEncoder(config: m.config, weightsPath: "\(Self.dir)/gemma/weights.safetensors")
        let out = try enc.encode(ids: try #require(m.ids), mask: try #require(m.mask))
        let ref = try io("gemma", "features")
        #expect(out.shape == ref.shape)
        let e = err(out.pointer, ref)
        print("gemma hidden_states[-2] \(ref.shape): normalised error \(e)")
        #expect(e <= 1e-4)
    }

    @Test func clipTextEmbeds() throws {
        let m = try meta("clip_text", CLIPTextConfig.self)
        let enc = try CLIPTextEncoder(config: m.config, weightsPath: "\(Self.dir)/clip_text/weights.safetensors")
        let ref = try io("clip_text", "text_embeds")   // [3, proj]
        let ids = try #require(m.ids)
        var worst: Float = 0
        for (b, row) in ids.enumerated() {
            let out = try enc.encode(ids: row)
            let r = ref.slice(b, 1)
            worst = max(worst, err(out, r))
        }
        print("clip text_embeds \(ref.shape): normalised error \(worst)")
        #expect(worst <= 1e-4)
    }

    @Test func clipVisionPatchTokens() throws {
        let m = try meta("clip_vision", CLIPVisionConfig.self)
        let enc = try CLIPVisionEncoder(config: m.config, weightsPath: "\(Self.dir)/clip_vision/weights.safetensors")
        let px = try io("clip_vision", "pixel_values")
        let out = try enc.encode(pixels: px.array)
        let ref = try io("clip_vision", "tokens")
        #expect(out.count == ref.count)
        let e = err(out.pointer, ref)
        print("clip vision last_hidden_state[:, 1:] \(ref.shape): normalised error \(e)")
        #expect(e <= 1e-4)
    }

    @Test func vaeEncodeDecode() throws {
        let m = try meta("vae", VAEConfig.self)
        let vae = try VAE(config: m.config, weightsPath: "\(Self.dir)/vae/weights.safetensors")
        let img = try io("vae", "image")                 // [1, 3, 24, 40]
        let lat = try vae.encode(FeatureMap(data: img.reshaped([3, 24, 40]), channels: 3, height: 24, width: 40))
        let refLat = try io("vae", "latent")             // [1, 4, 6, 10]
        #expect(lat.channels == 4 && lat.height == refLat.shape[2] && lat.width == refLat.shape[3])
        let e1 = err(lat.data.pointer, refLat)
        let zin = try io("vae", "decode_in")             // [1, 4, 5, 7]
        let dec = try vae.decode(FeatureMap(data: zin.reshaped([4, 5, 7]), channels: 4, height: 5, width: 7))
        let refDec = try io("vae", "decoded")            // [1, 3, 20, 28]
        #expect(dec.height == refDec.shape[2] && dec.width == refDec.shape[3])
        let e2 = err(dec.data.pointer, refDec)
        print("vae encode (mean x 0.13025) \(refLat.shape): normalised error \(e1); decode \(refDec.shape): \(e2)")
        #expect(e1 <= 1e-4)
        #expect(e2 <= 1e-4)
    }

    @Test func strictLoadingNamesTheKey() throws {
        var m = try meta("vae", VAEConfig.self).config
        m.layersPerBlock = 1   // the file has 2 resnets per block: unexpected keys
        #expect(throws: ModelError.self) { try VAE(config: m, weightsPath: "\(Self.dir)/vae/weights.safetensors") }
        let g = try meta("gemma", GemmaConfig.self).config
        var bad = g
        bad.headDim = 8
        do {
            _ = try GemmaEncoder(config: bad, weightsPath: "\(Self.dir)/gemma/weights.safetensors")
            Issue.record("wrong shapes were accepted")
        } catch {
            print("strict loading: \(error)")
            #expect("\(error)".contains("q_proj"))
        }
        let enc = try GemmaEncoder(config: g, weightsPath: "\(Self.dir)/gemma/weights.safetensors")
        #expect(throws: ModelError.self) { try enc.encode(ids: [[2, 9999]], mask: [[1, 1]]) }
    }
}
