import Foundation

/// `--name value` options with defaults; unknown options are an error.
struct BenchOptions {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    init(_ args: [String], known: [String], flags knownFlags: [String] = []) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            guard a.hasPrefix("--") else { throw BenchError.usage("unexpected argument \(a)") }
            let name = String(a.dropFirst(2))
            if knownFlags.contains(name) { flags.insert(name); i += 1; continue }
            guard known.contains(name) else { throw BenchError.usage("unknown option \(a); known: \((known + knownFlags).map { "--" + $0 }.joined(separator: " "))") }
            guard i + 1 < args.count else { throw BenchError.usage("\(a) needs a value") }
            values[name] = args[i + 1]
            i += 2
        }
    }

    func int(_ k: String, _ d: Int) throws -> Int {
        guard let v = values[k] else { return d }
        guard let n = Int(v) else { throw BenchError.usage("--\(k) must be an integer") }
        return n
    }
    func string(_ k: String) -> String? { values[k] }
}

enum BenchError: Error, CustomStringConvertible {
    case usage(String)
    var description: String { switch self { case let .usage(s): return s } }
}

func nowSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func printFlushed(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}
