// Character classes used by the tokenizers, with the semantics of Hugging Face `tokenizers`
// (Rust `char` properties): whitespace = Unicode White_Space, control = categories C*, etc.
import Foundation

enum UnicodeClasses {
    /// BERT whitespace: \t \n \r or the Unicode White_Space property.
    @inline(__always) static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
    }

    /// BERT control characters: categories Cc Cf Co Cs, except \t \n \r. Unassigned code points (Cn)
    /// are kept, as `tokenizers` keeps them (the legacy Python tokenizer dropped them).
    @inline(__always) static func isControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        switch c.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// BERT punctuation: ASCII punctuation (which includes $ + < = > ^ ` | ~) or categories P*.
    @inline(__always) static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK ideograph blocks BERT isolates (not Hangul, Hiragana or Katakana).
    @inline(__always) static func isCJK(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    /// \p{L}
    @inline(__always) static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// \p{N}
    @inline(__always) static func isNumber(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Per-character full lower-case mapping (no context rules such as Greek final sigma), as Rust's
    /// `char::to_lowercase` that the `tokenizers` Lowercase normalizer applies.
    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for c in scalars {
            if c.isASCII {
                out.append(c.value >= 65 && c.value <= 90 ? Unicode.Scalar(UInt8(c.value + 32)) : c)
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// Canonical decomposition (NFD).
    static func nfd(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.isASCII }) { return scalars }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return Array(String(s).decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// Canonical composition (NFC), by the standard library's normaliser (the one String comparison uses).
    /// Foundation's `precomposedStringWithCanonicalMapping` is not used: on Linux it composes an unassigned
    /// supplementary code point as if it were its low 16 bits (U+10074 U+0323 became U+1E6D).
    static func nfc(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.isASCII }) { return scalars }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return Array(String(decoding: Array(String(s)._nfcCodeUnits), as: UTF8.self).unicodeScalars)
    }

    /// UTF-8 bytes of a scalar sequence.
    static func utf8(_ scalars: some Sequence<Unicode.Scalar>) -> [UInt8] {
        var out: [UInt8] = []
        for c in scalars { out.append(contentsOf: c.utf8) }
        return out
    }
}
