// WordPiece parity with transformers' BertTokenizer (fixtures from Training/fixtures/make_text.py).
import Foundation
import Testing
@testable import PixText

@Suite struct WordPieceTokenizerTests {
    func check(vocab: String, expected sub: String) throws {
        let cases = try TextFixtures.cases()
        let exp = try TextFixtures.expected(sub)
        let tok = try WordPieceTokenizer(vocabFile: vocab)
        let n = (exp["truncate_to"] as? Int) ?? 16
        let full = TextFixtures.compare("\(sub) wordpiece", cases, got: cases.map { tok.encode($0) },
                                        want: try TextFixtures.idLists(exp, "ids"))
        let trunc = TextFixtures.compare("\(sub) wordpiece max\(n)", cases,
                                         got: cases.map { tok.encode($0, maxTokens: n) },
                                         want: try TextFixtures.idLists(exp, "ids_truncated"))
        #expect(full == 0)
        #expect(trunc == 0)
    }

    @Test func tinyVocabMatchesTransformers() throws {
        try check(vocab: TextFixtures.dir + "/wordpiece-tiny/vocab.txt", expected: "wordpiece-tiny")
    }

    @Test func realMiniLMVocabMatchesTransformers() throws {
        guard TextFixtures.miniLMAvailable("MiniLM vocab parity") else {
            #expect(!TextFixtures.isCI, "CI is set but the MiniLM files are missing")
            return
        }
        try check(vocab: TextFixtures.miniLM + "/vocab.txt", expected: "minilm-real")
        let tok = try WordPieceTokenizer(directory: TextFixtures.miniLM)
        #expect(tok.encode("remove the rain streaks from this photo")
                == [101, 6366, 1996, 4542, 21295, 2013, 2023, 6302, 102])
        #expect(tok.vocabSize == 30522)
    }

    @Test func basicTokenizerSplitsAndStrips() {
        let b = BasicTokenizer()
        let words = b.words(Array("Héllo,  WORLD!中文 a\u{0}b".unicodeScalars)).map { String(String.UnicodeScalarView($0)) }
        #expect(words == ["hello", ",", "world", "!", "中", "文", "ab"])
    }

    @Test func missingAndBadFilesThrowTypedErrors() throws {
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(vocabFile: "/nonexistent/vocab.txt") }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("pix-wp-\(getpid()).txt")
        try "hello\nworld\n".write(to: tmp, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tmp) }
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(vocabFile: tmp.path) }  // no [UNK]
    }
}
