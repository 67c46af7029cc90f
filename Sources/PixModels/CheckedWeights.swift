import PixTensor
import PixWeights

/// A weights file checked once, strictly, against the full list of keys and shapes a model needs
/// (missing key, unexpected key or wrong shape: an error naming the key), then read tensor by tensor on
/// demand so that a model can stream its layers (fp16/bf16 stay in the mapped file; only the tensors in use
/// are converted to fp32).
public final class CheckedWeights: @unchecked Sendable {
    public let store: WeightStore
    public let expected: [String: [Int]]

    public init(paths: [String], expected: [String: [Int]]) throws(ModelError) {
        do { store = try WeightStore(paths: paths) } catch { throw .weights(error.description) }
        self.expected = expected
        var problems: [String] = []
        for (k, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let info = store.info(k) else { problems.append("missing \(k)"); continue }
            if info.shape != shape { problems.append("\(k) has shape \(info.shape), expected \(shape)") }
            if DType(rawValue: info.dtype) == nil { problems.append("\(k) has unsupported dtype \(info.dtype)") }
        }
        let extra = store.keys.filter { expected[$0] == nil }
        if !extra.isEmpty { problems.append("unexpected \(extra.prefix(5).joined(separator: ", "))\(extra.count > 5 ? " (+\(extra.count - 5))" : "")") }
        if !problems.isEmpty {
            throw .weights("\(paths.joined(separator: ", ")): \(problems.prefix(6).joined(separator: "; "))")
        }
    }

    /// The tensor `key` converted to fp32.
    public func load(_ key: String) throws(ModelError) -> Tensor {
        guard let shape = expected[key] else { throw .weights("no weight \(key) in the model's key table") }
        do { return try store.take(key, shape: shape) } catch { throw .weights(error.description) }
    }

    /// Rows `ids` of a 2-D table `key` [rows, dim] as [ids.count, dim] (embedding lookup). Reads the whole
    /// table once; ids out of range are an error.
    public func gatherRows(_ key: String, ids: [Int32]) throws(ModelError) -> Tensor {
        guard let shape = expected[key], shape.count == 2 else { throw .weights("\(key) is not a 2-D table") }
        let table = try load(key)
        let dim = shape[1]
        let out = Tensor(shape: [ids.count, dim])
        for (r, id) in ids.enumerated() {
            guard id >= 0, Int(id) < shape[0] else { throw .invalidInput("token id \(id) outside the vocabulary of \(shape[0])") }
            (out.pointer + r * dim).update(from: table.pointer + Int(id) * dim, count: dim)
        }
        return out
    }
}
