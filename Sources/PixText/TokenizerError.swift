// Typed errors for every tokenizer in PixText: bad or missing files never crash the daemon.

/// Why a tokenizer could not be built from its files.
public enum TokenizerError: Error, CustomStringConvertible, Sendable {
    case fileMissing(String)
    case unreadable(String, String)
    case malformed(String, String)
    case missingToken(String, String)
    case unsupported(String, String)

    public var description: String {
        switch self {
        case .fileMissing(let p): return "tokenizer file missing: \(p)"
        case .unreadable(let p, let why): return "cannot read tokenizer file \(p): \(why)"
        case .malformed(let p, let why): return "malformed tokenizer file \(p): \(why)"
        case .missingToken(let p, let tok): return "tokenizer file \(p) lacks the token \(tok)"
        case .unsupported(let p, let what): return "tokenizer file \(p) uses an unsupported feature: \(what)"
        }
    }
}
