// File helpers shared by the tokenizers: read text/JSON with typed errors.
import Foundation

enum TokenizerFiles {
    /// Reads a whole file as bytes; missing or unreadable files become typed errors.
    static func data(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw TokenizerError.fileMissing(path) }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TokenizerError.unreadable(path, "\(error)")
        }
    }

    /// Reads a UTF-8 text file.
    static func text(_ path: String) throws -> String {
        let d = try data(path)
        guard let s = String(data: d, encoding: .utf8) else { throw TokenizerError.malformed(path, "not UTF-8") }
        return s
    }

    /// Reads a JSON file whose top level is an object.
    static func jsonObject(_ path: String) throws -> [String: Any] {
        let d = try data(path)
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: d, options: [.fragmentsAllowed]) } catch {
            throw TokenizerError.malformed(path, "invalid JSON: \(error)")
        }
        guard let dict = obj as? [String: Any] else { throw TokenizerError.malformed(path, "top level is not an object") }
        return dict
    }

    /// Parses a JSON vocab object {token: id} into a byte-keyed table.
    static func vocab(_ any: Any?, path: String) throws -> [[UInt8]: Int32] {
        guard let dict = any as? [String: Any] else { throw TokenizerError.malformed(path, "vocab is not an object") }
        var out = [[UInt8]: Int32](minimumCapacity: dict.count)
        for (k, v) in dict {
            guard let n = v as? NSNumber, n.int64Value >= 0, n.int64Value < Int64(Int32.max) else {
                throw TokenizerError.malformed(path, "vocab id of \(k) is not a valid integer")
            }
            out[Array(k.utf8)] = Int32(n.int64Value)
        }
        return out
    }

    /// Parses tokenizer.json BPE merges: "a b" strings (older files) or [a, b] pairs (newer files).
    static func merges(_ any: Any?, path: String) throws -> [([UInt8], [UInt8])] {
        guard let list = any as? [Any] else { throw TokenizerError.malformed(path, "merges is not a list") }
        var out: [([UInt8], [UInt8])] = []
        out.reserveCapacity(list.count)
        for item in list {
            if let s = item as? String {
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw TokenizerError.malformed(path, "merge '\(s)'") }
                out.append((Array(parts[0].utf8), Array(parts[1].utf8)))
            } else if let pair = item as? [String], pair.count == 2 {
                out.append((Array(pair[0].utf8), Array(pair[1].utf8)))
            } else {
                throw TokenizerError.malformed(path, "merge entry \(out.count) is neither 'a b' nor [a, b]")
            }
        }
        return out
    }

    /// Splits a file's text into lines (LF or CRLF), keeping empty lines.
    static func lines(_ s: String) -> [Substring] {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }
}
