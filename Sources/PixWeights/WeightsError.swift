/// Errors of the weights layer; every case names the file or key.
public enum WeightsError: Error, Sendable, Equatable, CustomStringConvertible {
    case io(path: String, reason: String)
    case malformed(path: String, reason: String)
    case missingKey(String)
    case unusedKeys([String])
    case duplicateKey(String)
    case wrongShape(key: String, expected: [Int], found: [Int])
    case unsupportedDType(key: String, dtype: String)

    public var description: String {
        switch self {
        case let .io(p, r): return "cannot read \(p): \(r)"
        case let .malformed(p, r): return "malformed safetensors file \(p): \(r)"
        case let .missingKey(k): return "missing weight \(k)"
        case let .unusedKeys(ks): return "unused weights: \(ks.prefix(8).joined(separator: ", "))\(ks.count > 8 ? " (+\(ks.count - 8) more)" : "")"
        case let .duplicateKey(k): return "weight \(k) appears in more than one file"
        case let .wrongShape(k, e, f): return "weight \(k) has shape \(f), expected \(e)"
        case let .unsupportedDType(k, d): return "weight \(k) has dtype \(d); supported: F32, F16, BF16"
        }
    }
}
