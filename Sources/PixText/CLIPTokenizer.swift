// CLIP's byte-level BPE tokenizer from vocab.json + merges.txt, with the semantics of transformers'
// CLIPTokenizer: NFC, whitespace runs -> one space, per-character lower-casing, CLIP's split
// (<|startoftext|> | <|endoftext|> | 's 't 're 've 'm 'll 'd | letters+ | one number char | other+ ;
// whitespace dropped), bytes mapped to GPT-2's printable alphabet, BPE with the `</w>` end-of-word suffix,
// then <|startoftext|> ... <|endoftext|>, truncation and padding (CLIP pipelines pad to 77).
import Foundation

/// The CLIP text tokenizer.
public struct CLIPTokenizer: Sendable {
    public let bosId: Int32
    public let eosId: Int32
    public let padId: Int32
    /// CLIP's context length.
    public static let contextLength = 77
    public var vocabSize: Int { model.vocab.count }
    private let model: BPEModel
    private let added: AddedTokens
    /// byte -> UTF-8 of its printable stand-in (GPT-2's bytes_to_unicode).
    private let byteSymbols: [[UInt8]]

    /// Loads vocab.json + merges.txt from a directory (the Hugging Face hub layout of the CLIP repos) or,
    /// when they are absent, the BPE model inside tokenizer.json (what transformers 5 `save_pretrained`
    /// writes). `padToken` defaults to <|endoftext|>, as in transformers and the CLIP-L tokenizer config.
    public init(directory: String, padToken: String = "<|endoftext|>") throws {
        var vpath = directory + "/vocab.json", mpath = directory + "/merges.txt"
        let vocab: [[UInt8]: Int32]
        var merges: [([UInt8], [UInt8])] = []
        let fm = FileManager.default
        if !fm.fileExists(atPath: vpath) && fm.fileExists(atPath: directory + "/tokenizer.json") {
            vpath = directory + "/tokenizer.json"; mpath = vpath
            let root = try TokenizerFiles.jsonObject(vpath)
            guard let m = root["model"] as? [String: Any], (m["type"] as? String) == "BPE" else {
                throw TokenizerError.unsupported(vpath, "model is not BPE")
            }
            guard (m["end_of_word_suffix"] as? String) == "</w>" else {
                throw TokenizerError.unsupported(vpath, "end_of_word_suffix is not </w> (not a CLIP tokenizer)")
            }
            vocab = try TokenizerFiles.vocab(m["vocab"], path: vpath)
            merges = try TokenizerFiles.merges(m["merges"], path: vpath)
        } else {
            vocab = try TokenizerFiles.vocab(try TokenizerFiles.jsonObject(vpath), path: vpath)
            for (n, line) in TokenizerFiles.lines(try TokenizerFiles.text(mpath)).enumerated() {
                if line.isEmpty || (n == 0 && line.hasPrefix("#version")) { continue }
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw TokenizerError.malformed(mpath, "line \(n + 1) is not 'a b'") }
                merges.append((Array(parts[0].utf8), Array(parts[1].utf8)))
            }
        }
        func id(_ t: String) throws -> Int32 {
            guard let v = vocab[Array(t.utf8)] else { throw TokenizerError.missingToken(vpath, t) }
            return v
        }
        bosId = try id("<|startoftext|>")
        eosId = try id("<|endoftext|>")
        padId = try id(padToken)
        model = try BPEModel(vocab: vocab, merges: merges, unkId: eosId, fuseUnk: false, byteFallback: false,
                             continuingPrefix: [], endOfWordSuffix: Array("</w>".utf8), path: mpath)
        added = AddedTokens([
            .init(content: Array("<|startoftext|>".unicodeScalars), id: bosId, lstrip: false, rstrip: false),
            .init(content: Array("<|endoftext|>".unicodeScalars), id: eosId, lstrip: false, rstrip: false),
        ])
        byteSymbols = Self.bytesToUnicode().map { Array(String($0).utf8) }
    }

    /// GPT-2's reversible byte -> printable character table.
    static func bytesToUnicode() -> [Unicode.Scalar] {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var extra: UInt32 = 0
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            let v: UInt32 = printable ? UInt32(b) : 256 + extra
            if !printable { extra += 1 }
            table[b] = Unicode.Scalar(v) ?? " "  // v < 0x200: always a valid scalar
        }
        return table
    }

    /// Token ids without the start/end tokens.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for piece in added.split(Array(text.unicodeScalars)) {
            switch piece {
            case .token(let t): ids.append(t)
            case .text(let s):
                for word in Self.splitWords(normalize(s)) {
                    let chars = UnicodeClasses.utf8(word).map { byteSymbols[Int($0)] }
                    model.encode(word: chars, into: &ids)
                }
            }
        }
        return ids
    }

    /// <|startoftext|> + pieces + <|endoftext|>, truncated to `maxLength` ids (the end token is kept)
    /// and, when `padTo` is given, padded with `padId` to that length.
    public func encode(_ text: String, maxLength: Int? = nil, padTo: Int? = nil) -> [Int32] {
        var body = tokenize(text)
        if let m = maxLength { body = Array(body.prefix(max(0, m - 2))) }
        var ids = [bosId] + body + [eosId]
        if let p = padTo, ids.count < p { ids += [Int32](repeating: padId, count: p - ids.count) }
        return ids
    }

    /// The official PixWizard/CLIP call: truncate and pad to 77. Returns ids and the attention mask.
    public func encodeForCLIP(_ text: String) -> (ids: [Int32], mask: [Int32]) {
        let n = min(tokenize(text).count + 2, Self.contextLength)
        let ids = encode(text, maxLength: Self.contextLength, padTo: Self.contextLength)
        return (ids, (0..<Self.contextLength).map { $0 < n ? 1 : 0 })
    }

    /// NFC, whitespace runs to one space, lower-case.
    func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var inSpace = false
        for c in UnicodeClasses.nfc(s) {
            if c.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
            } else {
                out.append(c)
                inSpace = false
            }
        }
        return UnicodeClasses.lowercased(out)
    }

    /// CLIP's regex split, whitespace removed.
    static func splitWords(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        let specials: [[Unicode.Scalar]] = [Array("<|startoftext|>".unicodeScalars), Array("<|endoftext|>".unicodeScalars)]
        let contractions: [[Unicode.Scalar]] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map { Array($0.unicodeScalars) }
        var words: [ArraySlice<Unicode.Scalar>] = []
        let n = s.count
        var i = 0
        func hasPrefix(_ p: [Unicode.Scalar], at i: Int) -> Bool {
            i + p.count <= n && s[i..<(i + p.count)].elementsEqual(p)
        }
        scan: while i < n {
            let c = s[i]
            if c.properties.isWhitespace { i += 1; continue }
            for p in specials + contractions where hasPrefix(p, at: i) {
                words.append(s[i..<(i + p.count)]); i += p.count
                continue scan
            }
            var j = i + 1
            if UnicodeClasses.isLetter(c) {
                while j < n && UnicodeClasses.isLetter(s[j]) { j += 1 }
            } else if UnicodeClasses.isNumber(c) {
                // one number character per word
            } else {
                while j < n && !s[j].properties.isWhitespace && !UnicodeClasses.isLetter(s[j])
                    && !UnicodeClasses.isNumber(s[j]) { j += 1 }
            }
            words.append(s[i..<j])
            i = j
        }
        return words
    }
}
