// Token-id parity on 150 seeded random strings (many scripts, symbols, controls, private use, unassigned
// and astral code points) for every tokenizer, against transformers (Tests/Fixtures/text/fuzz.json).
import Foundation
import Testing
@testable import PixText

@Suite struct FuzzParityTests {
    @Test func randomStringsMatchTransformers() throws {
        guard let fuzz = try TextFixtures.json(TextFixtures.dir + "/fuzz.json") as? [String: Any],
              let cases = fuzz["cases"] as? [String] else { throw TextFixtures.Failure(description: "fuzz.json") }
        let wp = try WordPieceTokenizer(vocabFile: TextFixtures.dir + "/wordpiece-tiny/vocab.txt")
        let clip = try CLIPTokenizer(directory: TextFixtures.dir + "/clip-tiny")
        let gemma = try GemmaTokenizer(directory: TextFixtures.dir + "/gemma-tiny")
        var bad = TextFixtures.compare("fuzz wordpiece-tiny", cases, got: cases.map { wp.encode($0) },
                                       want: try TextFixtures.idLists(fuzz, "wordpiece-tiny"))
        bad += TextFixtures.compare("fuzz clip-tiny", cases, got: cases.map { clip.encode($0) },
                                    want: try TextFixtures.idLists(fuzz, "clip-tiny"))
        bad += TextFixtures.compare("fuzz gemma-tiny", cases, got: cases.map { gemma.encode($0) },
                                    want: try TextFixtures.idLists(fuzz, "gemma-tiny"))
        if TextFixtures.miniLMAvailable("fuzz parity on the real MiniLM vocab") {
            let real = try WordPieceTokenizer(directory: TextFixtures.miniLM)
            bad += TextFixtures.compare("fuzz minilm-real", cases, got: cases.map { real.encode($0) },
                                        want: try TextFixtures.idLists(fuzz, "minilm-real"))
        } else {
            #expect(!TextFixtures.isCI, "CI is set but the MiniLM files are missing")
        }
        #expect(bad == 0)
    }
}
