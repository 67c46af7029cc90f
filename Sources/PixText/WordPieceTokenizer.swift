// BERT WordPiece tokenizer from a vocab.txt (one token per line, id = line number): BasicTokenizer,
// then greedy longest-match-first pieces with the `##` continuation prefix, [UNK] for a word with no
// match or longer than 100 characters, [CLS] ... [SEP] around the sequence, truncation to a token budget.

/// The uncased BERT tokenizer of all-MiniLM-L6-v2 (and any BERT vocab.txt).
public struct WordPieceTokenizer: Sendable {
    public let basic: BasicTokenizer
    public let unkId: Int32
    public let clsId: Int32
    public let sepId: Int32
    public let padId: Int32
    public let maxInputCharsPerWord: Int
    public var vocabSize: Int { vocab.count }
    /// The largest id in the vocab (ids are line numbers).
    public let maxId: Int32
    private let vocab: [[UInt8]: Int32]
    private let added: AddedTokens
    private static let prefix: [UInt8] = Array("##".utf8)

    /// Loads `vocab.txt` from a directory (or the file itself).
    public init(directory: String, lowercase: Bool = true) throws {
        try self.init(vocabFile: directory.hasSuffix(".txt") ? directory : directory + "/vocab.txt",
                      lowercase: lowercase)
    }

    public init(vocabFile path: String, lowercase: Bool = true, maxInputCharsPerWord: Int = 100) throws {
        let text = try TokenizerFiles.text(path)
        var lines = TokenizerFiles.lines(text)
        if lines.last == "" { lines.removeLast() }  // trailing newline
        var vocab = [[UInt8]: Int32](minimumCapacity: lines.count)
        for (i, line) in lines.enumerated() {
            let key = Array(line.utf8)
            if vocab[key] == nil { vocab[key] = Int32(i) }  // first occurrence wins, as transformers' load
        }
        func id(_ t: String) throws -> Int32 {
            guard let v = vocab[Array(t.utf8)] else { throw TokenizerError.missingToken(path, t) }
            return v
        }
        self.vocab = vocab
        self.maxId = vocab.values.max() ?? -1
        self.unkId = try id("[UNK]")
        self.clsId = try id("[CLS]")
        self.sepId = try id("[SEP]")
        self.padId = (try? id("[PAD]")) ?? 0
        self.basic = BasicTokenizer(lowercase: lowercase)
        self.maxInputCharsPerWord = maxInputCharsPerWord
        var specials: [AddedTokens.Entry] = []
        for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] {
            if let v = vocab[Array(t.utf8)] {
                specials.append(.init(content: Array(t.unicodeScalars), id: v, lstrip: false, rstrip: false))
            }
        }
        self.added = AddedTokens(specials)
    }

    /// Id of a token string, if it is in the vocab.
    public func id(of token: String) -> Int32? { vocab[Array(token.utf8)] }

    /// Token ids without [CLS]/[SEP].
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for piece in added.split(Array(text.unicodeScalars)) {
            switch piece {
            case .token(let t): ids.append(t)
            case .text(let s):
                for word in basic.words(s) { wordPiece(word, into: &ids) }
            }
        }
        return ids
    }

    /// [CLS] + pieces + [SEP], truncated so that the whole sequence has at most `maxTokens` ids.
    public func encode(_ text: String, maxTokens: Int? = nil) -> [Int32] {
        var body = tokenize(text)
        if let m = maxTokens { body = Array(body.prefix(max(0, m - 2))) }
        return [clsId] + body + [sepId]
    }

    /// Greedy longest-match-first WordPiece of one word.
    private func wordPiece(_ word: ArraySlice<Unicode.Scalar>, into ids: inout [Int32]) {
        if word.count > maxInputCharsPerWord { ids.append(unkId); return }
        // Byte offset of every scalar boundary, so pieces are looked up as UTF-8 slices.
        var bytes: [UInt8] = []
        var bounds: [Int] = [0]
        for c in word { bytes.append(contentsOf: c.utf8); bounds.append(bytes.count) }
        var pieces: [Int32] = []
        var start = 0
        let n = bounds.count - 1
        var key: [UInt8] = []
        while start < n {
            var end = n
            var found: Int32? = nil
            while start < end {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append(contentsOf: Self.prefix) }
                key.append(contentsOf: bytes[bounds[start]..<bounds[end]])
                if let v = vocab[key] { found = v; break }
                end -= 1
            }
            guard let v = found else { ids.append(unkId); return }
            pieces.append(v)
            start = end
        }
        ids.append(contentsOf: pieces)
    }
}
