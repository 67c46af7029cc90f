// MiniLM / BERT encoder parity with transformers' BertModel: a random-weight tiny BERT fixture (always)
// and the real all-MiniLM-L6-v2 (when fetched; required under CI). Fixtures: Training/fixtures/make_text.py.
import Foundation
import Testing
import PixTensor
import PixWeights
@testable import PixModels

@Suite struct MiniLMEncoderTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let fixtures = root + "/Tests/Fixtures/text"
    static let miniLM = root + "/Models/.cache/all-MiniLM-L6-v2"

    struct Case { var text: String; var ids: [Int32]; var hidden: [Float]; var pooled: [Float]; var rows: Int }

    /// Reads features.json/features.bin: per case, last_hidden_state [rows, H] then pooled [H] (fp32 LE).
    func loadCases(_ dir: String) throws -> (maxTokens: Int, cases: [Case]) {
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/features.json")))
        let bin = try Data(contentsOf: URL(fileURLWithPath: dir + "/features.bin"))
        let floats: [Float] = bin.withUnsafeBytes { raw in
            (0..<(bin.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        guard let m = meta as? [String: Any], let maxTokens = m["max_tokens"] as? Int,
              let list = m["cases"] as? [[String: Any]] else { throw ModelError.io("bad features.json in \(dir)") }
        var out: [Case] = []
        for c in list {
            guard let text = c["text"] as? String, let ids = c["ids"] as? [Int], let off = c["offset"] as? Int,
                  let rows = c["rows"] as? Int, let H = c["hidden"] as? Int else { throw ModelError.io("bad case") }
            let hidden = Array(floats[off..<(off + rows * H)])
            let pooled = Array(floats[(off + rows * H)..<(off + rows * H + H)])
            out.append(Case(text: text, ids: ids.map { Int32($0) }, hidden: hidden, pooled: pooled, rows: rows))
        }
        return (maxTokens, out)
    }

    func normErr(_ a: [Float], _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            Tensor.normalisedError(pa.baseAddress!, pb.baseAddress!, count: min(a.count, b.count))
        } }
    }

    /// Runs every case of `featureDir` through an encoder loaded from `modelDir`; returns the worst errors.
    func checkParity(name: String, modelDir: String, featureDir: String) throws {
        let enc = try MiniLMEncoder(directory: modelDir)
        let (maxTokens, cases) = try loadCases(featureDir)
        #expect(!cases.isEmpty)
        var worstTok: Float = 0, worstPool: Float = 0
        for c in cases {
            let t0 = Date()
            let (tokens, pooled) = enc.encode(c.text, maxTokens: maxTokens)
            let ms = Date().timeIntervalSince(t0) * 1e3
            #expect(enc.tokenizer.encode(c.text, maxTokens: maxTokens) == c.ids, "ids differ for \(c.text)")
            #expect(tokens.shape == [c.rows, enc.config.hiddenSize])
            guard tokens.count == c.hidden.count else { continue }
            let eT = normErr(tokens.array, c.hidden), eP = normErr(pooled, c.pooled)
            worstTok = max(worstTok, eT); worstPool = max(worstPool, eP)
            print(String(format: "parity %@ L=%d tokens_err=%.3g pooled_err=%.3g (%.1f ms) %@", name, c.rows, eT, eP, ms,
                         String(reflecting: String(c.text.prefix(40)))))
        }
        print(String(format: "parity %@ worst: tokens_err=%.3g pooled_err=%.3g (max|Δ|/max|ref|, limit 1e-4)", name, worstTok, worstPool))
        #expect(worstTok <= 1e-4)
        #expect(worstPool <= 1e-4)
    }

    @Test func tinyRandomBertMatchesTransformers() throws {
        try checkParity(name: "bert-tiny(random)", modelDir: Self.fixtures + "/bert-tiny", featureDir: Self.fixtures + "/bert-tiny")
    }

    @Test func realMiniLMMatchesTransformers() throws {
        guard FileManager.default.fileExists(atPath: Self.miniLM + "/model.safetensors"),
              FileManager.default.fileExists(atPath: Self.miniLM + "/vocab.txt") else {
            print("SKIP MiniLM encoder parity: \(Self.miniLM) absent (run scripts/fetch-minilm.sh)")
            #expect(ProcessInfo.processInfo.environment["CI"].map { $0.isEmpty } ?? true,
                    "CI is set but the MiniLM files are missing")
            return
        }
        try checkParity(name: "all-MiniLM-L6-v2", modelDir: Self.miniLM, featureDir: Self.fixtures + "/minilm-real")
        let enc = try MiniLMEncoder(directory: Self.miniLM)
        #expect(enc.config.numLayers == 6 && enc.config.hiddenSize == 384 && enc.config.numHeads == 12)
        let (tokens, pooled) = enc.encode("remove the rain streaks from this photo", maxTokens: 256)
        #expect(tokens.shape == [9, 384])
        #expect(abs(pooled.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
    }

    @Test func strictLoadingRejectsMissingAndExtraKeys() throws {
        let src = Self.fixtures + "/bert-tiny"
        let file = try SafeTensorsFile(path: src + "/model.safetensors")
        var items: [(String, Tensor)] = []
        for k in file.tensors.keys.sorted() { items.append((k, try file.tensor(k))) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pix-minilm-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["config.json", "vocab.txt"] { try FileManager.default.copyItem(atPath: src + "/" + f, toPath: dir + "/" + f) }
        // Missing key.
        try SafeTensorsFile.write(items.filter { $0.0 != "encoder.layer.1.output.dense.bias" }, to: dir + "/model.safetensors")
        #expect(throws: ModelError.self) { try MiniLMEncoder(directory: dir) }
        // Unexpected key.
        try SafeTensorsFile.write(items + [("encoder.layer.9.extra", Tensor(shape: [2]))], to: dir + "/model.safetensors")
        #expect(throws: ModelError.self) { try MiniLMEncoder(directory: dir) }
        // The published pooler is accepted (and ignored); fp16 storage loads too.
        try SafeTensorsFile.write(items + [("pooler.dense.bias", Tensor(shape: [32]))], dtype: .f16, to: dir + "/model.safetensors")
        let enc = try MiniLMEncoder(directory: dir)
        #expect(enc.encode("hello", maxTokens: 8).tokens.shape[1] == 32)
        // Wrong shape / bad config / no files.
        try SafeTensorsFile.write(items.map { $0.0 == "embeddings.LayerNorm.weight" ? ($0.0, Tensor(shape: [31])) : $0 },
                                  to: dir + "/model.safetensors")
        #expect(throws: ModelError.self) { try MiniLMEncoder(directory: dir) }
        try "{\"hidden_size\": 30}".write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        #expect(throws: ModelError.self) { try MiniLMEncoder(directory: dir) }
        #expect(throws: ModelError.self) { try MiniLMEncoder(directory: "/nonexistent") }
    }

    @Test func badIdsAreTypedErrors() throws {
        let enc = try MiniLMEncoder(directory: Self.fixtures + "/bert-tiny")
        #expect(throws: ModelError.self) { try enc.encode(ids: []) }
        #expect(throws: ModelError.self) { try enc.encode(ids: [2, 999_999, 3]) }
        #expect(throws: ModelError.self) { try enc.encode(ids: [Int32](repeating: 5, count: enc.config.maxPositions + 1)) }
        // Over-long text is truncated to the position table, not rejected.
        let long = String(repeating: "the quick brown fox ", count: 100)
        #expect(enc.encode(long, maxTokens: 10_000).tokens.shape[0] == enc.config.maxPositions)
    }
}
