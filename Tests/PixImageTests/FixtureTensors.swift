import Foundation

/// Reads fp32 tensors from a safetensors fixture file (test helper; the engine's loader is PixWeights).
struct FixtureTensors {
    var tensors: [String: (shape: [Int], values: [Float])] = [:]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.count >= 8 else { throw CocoaError(.fileReadCorruptFile) }
        let n = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        guard n > 0, 8 + n <= data.count,
              let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any]
        else { throw CocoaError(.fileReadCorruptFile) }
        for (name, v) in header where name != "__metadata__" {
            guard let d = v as? [String: Any], d["dtype"] as? String == "F32", let shape = d["shape"] as? [Int],
                  let off = d["data_offsets"] as? [Int], off.count == 2 else { continue }
            let bytes = data.subdata(in: (8 + n + off[0])..<(8 + n + off[1]))
            let vals = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            tensors[name] = (shape, vals)
        }
    }

    static func fixturePath(_ relative: String) -> String {
        // Tests/<Target>/this file -> repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
    }
}
