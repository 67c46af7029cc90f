// Gemma's SentencePiece-BPE tokenizer from tokenizer.json (the Hugging Face serialisation): spaces become
// "▁" (no dummy prefix), the whole text is one BPE word (no pre-tokenizer, or transformers 5's no-op
// Split(" ")), merges by rank, characters
// missing from the vocab fall back to <0xNN> byte tokens, <bos> (id 2 in Gemma) is prepended and no <eos>
// is appended by default. Added tokens (<bos>, <start_of_turn>, ...) are matched on the raw text.
import Foundation

/// Gemma's tokenizer.
public struct GemmaTokenizer: Sendable {
    public let bosId: Int32
    public let eosId: Int32
    public let padId: Int32
    public var addBOS: Bool
    public var addEOS: Bool
    public var vocabSize: Int { model.vocab.count }
    private let model: BPEModel
    private let added: AddedTokens
    private let normalizer: [NormalizerStep]
    /// Optional pre-tokenizer: split on a literal pattern (transformers 5 saves Gemma's tokenizer.json with
    /// Split(" ", MergedWithPrevious), a no-op after the normalizer has turned every space into "▁").
    private let split: (pattern: [Unicode.Scalar], behavior: SplitBehavior)?

    enum SplitBehavior: String, Sendable {
        case removed = "Removed", isolated = "Isolated"
        case mergedWithPrevious = "MergedWithPrevious", mergedWithNext = "MergedWithNext"
    }

    enum NormalizerStep: Sendable {
        case replace([Unicode.Scalar], [Unicode.Scalar])
        case prepend([Unicode.Scalar])
    }

    /// Loads `tokenizer.json` from a directory (or the file itself).
    public init(directory: String, addBOS: Bool = true, addEOS: Bool = false) throws {
        let path = directory.hasSuffix(".json") ? directory : directory + "/tokenizer.json"
        let root = try TokenizerFiles.jsonObject(path)
        guard let m = root["model"] as? [String: Any] else { throw TokenizerError.malformed(path, "no model") }
        guard (m["type"] as? String) == "BPE" else {
            throw TokenizerError.unsupported(path, "model type \(m["type"] ?? "nil") (BPE expected)")
        }
        if let d = m["dropout"], !(d is NSNull) { throw TokenizerError.unsupported(path, "BPE dropout") }
        let vocab = try TokenizerFiles.vocab(m["vocab"], path: path)
        let merges = try TokenizerFiles.merges(m["merges"], path: path)
        let unkName = m["unk_token"] as? String
        let unkId: Int32? = unkName.flatMap { vocab[Array($0.utf8)] }
        model = try BPEModel(
            vocab: vocab, merges: merges, unkId: unkId,
            fuseUnk: (m["fuse_unk"] as? Bool) ?? false, byteFallback: (m["byte_fallback"] as? Bool) ?? false,
            continuingPrefix: Array(((m["continuing_subword_prefix"] as? String) ?? "").utf8),
            endOfWordSuffix: Array(((m["end_of_word_suffix"] as? String) ?? "").utf8),
            ignoreMerges: (m["ignore_merges"] as? Bool) ?? false, path: path)
        normalizer = try Self.parseNormalizer(root["normalizer"], path: path)
        split = try Self.parseSplit(root["pre_tokenizer"], path: path)
        var entries: [AddedTokens.Entry] = []
        for t in (root["added_tokens"] as? [[String: Any]]) ?? [] {
            guard let content = t["content"] as? String, let idn = t["id"] as? NSNumber else {
                throw TokenizerError.malformed(path, "added token without content/id")
            }
            // A normalized added token is matched on the normalized text. Gemma's normalizer only rewrites
            // spaces, so matching on the raw text is the same for any content without a space or "▁".
            if (t["normalized"] as? Bool) == true && (content.contains(" ") || content.contains("▁")) {
                throw TokenizerError.unsupported(path, "normalized added token with a space: \(content)")
            }
            entries.append(.init(content: Array(content.unicodeScalars), id: Int32(truncatingIfNeeded: idn.int64Value),
                                 lstrip: (t["lstrip"] as? Bool) ?? false, rstrip: (t["rstrip"] as? Bool) ?? false))
        }
        added = AddedTokens(entries)
        func id(_ t: String) throws -> Int32 {
            guard let v = vocab[Array(t.utf8)] else { throw TokenizerError.missingToken(path, t) }
            return v
        }
        bosId = try id("<bos>")
        eosId = try id("<eos>")
        padId = try id("<pad>")
        self.addBOS = addBOS
        self.addEOS = addEOS
    }

    private static func parseSplit(_ any: Any?, path: String) throws -> (pattern: [Unicode.Scalar], behavior: SplitBehavior)? {
        guard let p = any, !(p is NSNull) else { return nil }
        guard let d = p as? [String: Any], (d["type"] as? String) == "Split",
              let pat = (d["pattern"] as? [String: Any])?["String"] as? String, !pat.isEmpty,
              let behavior = (d["behavior"] as? String).flatMap(SplitBehavior.init(rawValue:)),
              (d["invert"] as? Bool) != true else {
            throw TokenizerError.unsupported(path, "pre_tokenizer \((p as? [String: Any])?["type"] ?? "?") (none or Split on a literal string expected)")
        }
        return (Array(pat.unicodeScalars), behavior)
    }

    /// Splits normalized text on the pre-tokenizer's literal pattern.
    private func preTokenize(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        guard let (pat, behavior) = split else { return [s[...]] }
        var pieces: [ArraySlice<Unicode.Scalar>] = []
        var start = 0, i = 0
        let n = s.count, m = pat.count
        while i + m <= n {
            guard s[i..<(i + m)].elementsEqual(pat) else { i += 1; continue }
            switch behavior {
            case .removed:
                if i > start { pieces.append(s[start..<i]) }
                start = i + m
            case .isolated:
                if i > start { pieces.append(s[start..<i]) }
                pieces.append(s[i..<(i + m)])
                start = i + m
            case .mergedWithPrevious:
                pieces.append(s[start..<(i + m)])
                start = i + m
            case .mergedWithNext:
                if i > start { pieces.append(s[start..<i]) }
                start = i
            }
            i += m
        }
        if start < n { pieces.append(s[start..<n]) }
        return pieces
    }

    private static func parseNormalizer(_ any: Any?, path: String) throws -> [NormalizerStep] {
        guard let n = any as? [String: Any] else { return [] }
        switch n["type"] as? String {
        case "Sequence":
            return try ((n["normalizers"] as? [Any]) ?? []).flatMap { try parseNormalizer($0, path: path) }
        case "Replace":
            guard let pat = (n["pattern"] as? [String: Any])?["String"] as? String, let content = n["content"] as? String
            else { throw TokenizerError.unsupported(path, "Replace normalizer with a regex pattern") }
            return [.replace(Array(pat.unicodeScalars), Array(content.unicodeScalars))]
        case "Prepend":
            guard let p = n["prepend"] as? String else { throw TokenizerError.malformed(path, "Prepend normalizer") }
            return [.prepend(Array(p.unicodeScalars))]
        default:
            throw TokenizerError.unsupported(path, "normalizer \(n["type"] ?? "nil")")
        }
    }

    private func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = s
        for step in normalizer {
            switch step {
            case .prepend(let p): if !s.isEmpty { s = p + s }
            case .replace(let pat, let with):
                guard !pat.isEmpty else { continue }
                var out: [Unicode.Scalar] = []
                out.reserveCapacity(s.count)
                var i = 0
                while i < s.count {
                    if i + pat.count <= s.count && s[i..<(i + pat.count)].elementsEqual(pat) {
                        out.append(contentsOf: with); i += pat.count
                    } else { out.append(s[i]); i += 1 }
                }
                s = out
            }
        }
        return s
    }

    /// Token ids without <bos>/<eos>.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for piece in added.split(Array(text.unicodeScalars)) {
            switch piece {
            case .token(let t): ids.append(t)
            case .text(let s):
                for word in preTokenize(normalize(s)) {
                    model.encode(word: word.map { Array($0.utf8) }, into: &ids)
                }
            }
        }
        return ids
    }

    /// <bos> + pieces (+ <eos> if `addEOS`), the pieces truncated so that the sequence has at most
    /// `maxLength` ids.
    public func encode(_ text: String, maxLength: Int? = nil) -> [Int32] {
        var body = tokenize(text)
        let specials = (addBOS ? 1 : 0) + (addEOS ? 1 : 0)
        if let m = maxLength { body = Array(body.prefix(max(0, m - specials))) }
        return (addBOS ? [bosId] : []) + body + (addEOS ? [eosId] : [])
    }

    /// The official PixWizard batch: each prompt truncated to `maxLength`, padded on the right with <pad>
    /// to the longest prompt rounded up to a multiple of `multipleOf`. Returns ids and attention masks.
    public func encodeBatch(_ texts: [String], maxLength: Int = 256, multipleOf: Int = 8)
        -> (ids: [[Int32]], mask: [[Int32]]) {
        let seqs = texts.map { encode($0, maxLength: maxLength) }
        var len = seqs.map(\.count).max() ?? 0
        if multipleOf > 1 && len % multipleOf != 0 { len += multipleOf - len % multipleOf }
        let ids = seqs.map { $0 + [Int32](repeating: padId, count: len - $0.count) }
        let mask = seqs.map { [Int32](repeating: 1, count: $0.count) + [Int32](repeating: 0, count: len - $0.count) }
        return (ids, mask)
    }
}
