// Locates and reads the committed tokenizer fixtures (Tests/Fixtures/text, made by
// Training/fixtures/make_text.py) and the fetched MiniLM files.
import Foundation

enum TextFixtures {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let dir = root + "/Tests/Fixtures/text"
    static let miniLM = root + "/Models/.cache/all-MiniLM-L6-v2"

    struct Failure: Error, CustomStringConvertible { var description: String }

    static func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func cases() throws -> [String] {
        guard let c = try json(dir + "/cases.json") as? [String] else { throw Failure(description: "cases.json") }
        return c
    }

    /// An integer-list-of-lists field of an expected.json.
    static func idLists(_ obj: [String: Any], _ key: String) throws -> [[Int32]] {
        guard let l = obj[key] as? [[Int]] else { throw Failure(description: "expected.json lacks \(key)") }
        return l.map { $0.map { Int32($0) } }
    }

    static func expected(_ sub: String) throws -> [String: Any] {
        guard let e = try json(dir + "/" + sub + "/expected.json") as? [String: Any] else {
            throw Failure(description: "\(sub)/expected.json")
        }
        return e
    }

    /// True when the real MiniLM files are present. When they are absent: fails under CI (where setup
    /// fetches them), otherwise prints that the real-weight checks were skipped.
    static func miniLMAvailable(_ what: String) -> Bool {
        let ok = FileManager.default.fileExists(atPath: miniLM + "/vocab.txt")
            && FileManager.default.fileExists(atPath: miniLM + "/model.safetensors")
        if !ok {
            print("SKIP \(what): \(miniLM) absent (run scripts/fetch-minilm.sh)")
        }
        return ok
    }

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// Compares id lists case by case; returns the number of mismatching cases, printing each.
    static func compare(_ name: String, _ cases: [String], got: [[Int32]], want: [[Int32]]) -> Int {
        var bad = 0
        for (i, (g, w)) in zip(got, want).enumerated() where g != w {
            bad += 1
            print("MISMATCH \(name) case \(i) \(String(reflecting: String(cases[i].prefix(60))))\n  got  \(g.prefix(40))\n  want \(w.prefix(40))")
        }
        if got.count != want.count { bad += 1; print("MISMATCH \(name): \(got.count) results, \(want.count) expected") }
        print("parity \(name): \(cases.count - bad)/\(cases.count) cases identical")
        return bad
    }
}
