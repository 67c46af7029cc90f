// Added (special) tokens matched on the raw input before normalisation, as `tokenizers`' AddedVocabulary
// does for tokens with normalized=false: leftmost match, longest first, the rest of the text is
// tokenized piece by piece.

/// One piece of input text after splitting on added tokens.
enum TextPiece {
    case text([Unicode.Scalar])
    case token(Int32)
}

/// The set of added tokens of a tokenizer, keyed by their first scalar.
struct AddedTokens: Sendable {
    struct Entry: Sendable {
        var content: [Unicode.Scalar]
        var id: Int32
        var lstrip: Bool
        var rstrip: Bool
    }
    private var byFirst: [Unicode.Scalar: [Entry]] = [:]

    init(_ entries: [Entry]) {
        for e in entries where !e.content.isEmpty {
            byFirst[e.content[0], default: []].append(e)
        }
        for k in byFirst.keys { byFirst[k]?.sort { $0.content.count > $1.content.count } }
    }

    var isEmpty: Bool { byFirst.isEmpty }

    /// Splits `text` into plain-text pieces and added-token ids.
    func split(_ text: [Unicode.Scalar]) -> [TextPiece] {
        if byFirst.isEmpty { return [.text(text)] }
        var pieces: [TextPiece] = []
        var start = 0, i = 0
        let n = text.count
        while i < n {
            guard let candidates = byFirst[text[i]],
                  let hit = candidates.first(where: { e in
                      i + e.content.count <= n && text[i..<(i + e.content.count)].elementsEqual(e.content)
                  }) else { i += 1; continue }
            var end = i  // end of the preceding text
            if hit.lstrip { while end > start && UnicodeClasses.isWhitespace(text[end - 1]) { end -= 1 } }
            if end > start { pieces.append(.text(Array(text[start..<end]))) }
            pieces.append(.token(hit.id))
            i += hit.content.count
            if hit.rstrip { while i < n && UnicodeClasses.isWhitespace(text[i]) { i += 1 } }
            start = i
        }
        if start < n { pieces.append(.text(Array(text[start..<n]))) }
        return pieces
    }
}
