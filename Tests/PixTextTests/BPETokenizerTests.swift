// CLIP byte-level BPE and Gemma SentencePiece-BPE parity with transformers' CLIPTokenizer and
// GemmaTokenizerFast on tiny vocabularies trained by Training/fixtures/make_text.py.
import Foundation
import Testing
@testable import PixText

@Suite struct BPETokenizerTests {
    @Test func clipMatchesTransformers() throws {
        let cases = try TextFixtures.cases()
        let exp = try TextFixtures.expected("clip-tiny")
        let tok = try CLIPTokenizer(directory: TextFixtures.dir + "/clip-tiny")
        let n = (exp["truncate_to"] as? Int) ?? 16
        var bad = TextFixtures.compare("clip", cases, got: cases.map { tok.encode($0) },
                                       want: try TextFixtures.idLists(exp, "ids"))
        bad += TextFixtures.compare("clip pad77", cases, got: cases.map { tok.encodeForCLIP($0).ids },
                                    want: try TextFixtures.idLists(exp, "ids_padded77"))
        bad += TextFixtures.compare("clip max\(n)", cases, got: cases.map { tok.encode($0, maxLength: n) },
                                    want: try TextFixtures.idLists(exp, "ids_truncated"))
        #expect(bad == 0)
        let (ids, mask) = tok.encodeForCLIP("a red circle")
        #expect(ids.count == 77 && mask.count == 77 && ids[0] == tok.bosId)
        #expect(mask.reduce(0, +) == Int32(tok.tokenize("a red circle").count + 2))
    }

    @Test func gemmaMatchesTransformers() throws {
        let cases = try TextFixtures.cases()
        let exp = try TextFixtures.expected("gemma-tiny")
        let tok = try GemmaTokenizer(directory: TextFixtures.dir + "/gemma-tiny")
        #expect(Int(tok.bosId) == (exp["bos"] as? Int))
        let n = (exp["truncate_to"] as? Int) ?? 16
        var bad = TextFixtures.compare("gemma", cases, got: cases.map { tok.encode($0) },
                                       want: try TextFixtures.idLists(exp, "ids"))
        bad += TextFixtures.compare("gemma max\(n)", cases, got: cases.map { tok.encode($0, maxLength: n) },
                                    want: try TextFixtures.idLists(exp, "ids_truncated"))
        bad += TextFixtures.compare("gemma pad8", cases, got: cases.map { tok.encodeBatch([$0, ""]).ids[0] },
                                    want: try TextFixtures.idLists(exp, "ids_padded8"))
        #expect(bad == 0)
        let batch = tok.encodeBatch(["a photo of a cat", ""])
        #expect(batch.mask[1].reduce(0, +) == 1)  // the empty prompt's mask covers only <bos>
        #expect(batch.ids[0].count % 8 == 0)
    }

    @Test func clipLoadsTheTokenizerJSONThatTransformersSaves() throws {
        let cases = try TextFixtures.cases()
        let exp = try TextFixtures.expected("clip-tiny")
        let tok = try CLIPTokenizer(directory: TextFixtures.dir + "/clip-tiny-json")
        #expect(TextFixtures.compare("clip (tokenizer.json)", cases, got: cases.map { tok.encode($0) },
                                     want: try TextFixtures.idLists(exp, "ids")) == 0)
    }

    @Test func gemmaLoadsTheTokenizerJSONThatTransformersSaves() throws {
        // transformers 5 writes Gemma's tokenizer.json with a Split(" ") pre-tokenizer (recorded in
        // expected.json by the fixture script); inject it into the fixture file and check the ids are unchanged.
        let cases = try TextFixtures.cases()
        let exp = try TextFixtures.expected("gemma-tiny")
        guard var root = try TextFixtures.json(TextFixtures.dir + "/gemma-tiny/tokenizer.json") as? [String: Any],
              let pre = exp["saved_pre_tokenizer"] else { throw TextFixtures.Failure(description: "gemma fixture") }
        root["pre_tokenizer"] = pre
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pix-gemma-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try JSONSerialization.data(withJSONObject: root).write(to: dir.appendingPathComponent("tokenizer.json"))
        let tok = try GemmaTokenizer(directory: dir.path)
        #expect(TextFixtures.compare("gemma (saved by transformers 5)", cases, got: cases.map { tok.encode($0) },
                                     want: try TextFixtures.idLists(exp, "ids")) == 0)
    }

    @Test func longInputsStayFast() throws {
        let gemma = try GemmaTokenizer(directory: TextFixtures.dir + "/gemma-tiny")
        let clip = try CLIPTokenizer(directory: TextFixtures.dir + "/clip-tiny")
        let text = String(repeating: "Remove the rain streaks from this photo, please! 雨 😀 ", count: 400)
        let t0 = Date()
        let g = gemma.tokenize(text)
        let t1 = Date()
        let c = clip.tokenize(text)
        let t2 = Date()
        print(String(format: "long input (%d chars): gemma %d ids in %.1f ms, clip %d ids in %.1f ms",
                     text.unicodeScalars.count, g.count, t1.timeIntervalSince(t0) * 1e3, c.count,
                     t2.timeIntervalSince(t1) * 1e3))
        #expect(t2.timeIntervalSince(t0) < 5)
        #expect(g.count > 400 && c.count > 400)
    }

    @Test func badFilesThrowTypedErrors() throws {
        #expect(throws: TokenizerError.self) { try GemmaTokenizer(directory: "/nonexistent") }
        #expect(throws: TokenizerError.self) { try CLIPTokenizer(directory: "/nonexistent") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pix-bpe-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "{\"model\": {\"type\": \"Unigram\"}}".write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try GemmaTokenizer(directory: dir.path) }
        try "{\"a\": 0, \"b\": 1}".write(to: dir.appendingPathComponent("vocab.json"), atomically: true, encoding: .utf8)
        try "#version: 0.2\na b\n".write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try CLIPTokenizer(directory: dir.path) }  // merge result missing
    }
}
