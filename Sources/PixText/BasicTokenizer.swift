// BERT's BasicTokenizer: text cleanup, CJK isolation, accent stripping, lower-casing, then splitting on
// whitespace and punctuation. Semantics of `tokenizers`' BertNormalizer + BertPreTokenizer (what
// transformers' BertTokenizer runs): lower-casing is per character, accents are stripped by NFD and
// removal of non-spacing marks (Mn) before lower-casing.

/// Normalises and splits text into words for WordPiece.
public struct BasicTokenizer: Sendable {
    public var lowercase: Bool
    public var stripAccents: Bool
    public var splitCJK: Bool

    public init(lowercase: Bool = true, stripAccents: Bool? = nil, splitCJK: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase  // BERT: follows lower-casing when unset
        self.splitCJK = splitCJK
    }

    /// The BertNormalizer steps: clean, isolate CJK, strip accents, lower-case.
    public func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for c in text {
            if c.value == 0 || c.value == 0xFFFD || UnicodeClasses.isControl(c) { continue }
            if UnicodeClasses.isWhitespace(c) {
                out.append(" ")
            } else if splitCJK && UnicodeClasses.isCJK(c) {
                out.append(" "); out.append(c); out.append(" ")
            } else {
                out.append(c)
            }
        }
        if stripAccents {
            out = UnicodeClasses.nfd(out).filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase { out = UnicodeClasses.lowercased(out) }
        return out
    }

    /// BertPreTokenizer: split on whitespace (dropped) and isolate each punctuation character.
    public func split(_ normalized: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        for (i, c) in normalized.enumerated() {
            if UnicodeClasses.isWhitespace(c) {
                if i > start { words.append(normalized[start..<i]) }
                start = i + 1
            } else if UnicodeClasses.isPunctuation(c) {
                if i > start { words.append(normalized[start..<i]) }
                words.append(normalized[i...i])
                start = i + 1
            }
        }
        if normalized.count > start { words.append(normalized[start...]) }
        return words
    }

    /// Normalise then split.
    public func words(_ text: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        split(normalize(text))
    }
}
