import PixTensor

/// Strict loading by checkpoint key over one or more safetensors shards: every `take` names a key and
/// its expected shape; a missing key, a wrong shape or an unconvertible dtype throws naming the key, and
/// `finish()` throws if any key in the files was never taken.
public final class WeightStore: @unchecked Sendable {
    public let files: [SafeTensorsFile]
    private var owner: [String: Int] = [:]
    private var used: Set<String> = []

    public convenience init(paths: [String]) throws(WeightsError) {
        var fs: [SafeTensorsFile] = []
        for p in paths { fs.append(try SafeTensorsFile(path: p)) }
        try self.init(files: fs)
    }

    public init(files: [SafeTensorsFile]) throws(WeightsError) {
        self.files = files
        for (i, f) in files.enumerated() {
            for k in f.tensors.keys {
                if owner[k] != nil { throw .duplicateKey(k) }
                owner[k] = i
            }
        }
    }

    public var keys: [String] { owner.keys.sorted() }
    public func contains(_ key: String) -> Bool { owner[key] != nil }
    public func info(_ key: String) -> TensorInfo? { owner[key].flatMap { files[$0].tensors[key] } }

    /// Loads `key` as fp32, checking its shape.
    public func take(_ key: String, shape: [Int]) throws(WeightsError) -> Tensor {
        guard let i = owner[key], let info = files[i].tensors[key] else { throw .missingKey(key) }
        guard info.shape == shape else { throw .wrongShape(key: key, expected: shape, found: info.shape) }
        let t = Tensor(shape: shape)
        try files[i].read(key, into: t.pointer)
        used.insert(key)
        return t
    }

    /// Loads `key` into rows [row0, row0+shape[0]) of a preallocated destination (fusing weights).
    public func take(_ key: String, shape: [Int], into dst: UnsafeMutablePointer<Float>) throws(WeightsError) {
        guard let i = owner[key], let info = files[i].tensors[key] else { throw .missingKey(key) }
        guard info.shape == shape else { throw .wrongShape(key: key, expected: shape, found: info.shape) }
        try files[i].read(key, into: dst)
        used.insert(key)
    }

    /// Throws `.unusedKeys` when the files hold keys that were never taken.
    public func finish() throws(WeightsError) {
        let unused = owner.keys.filter { !used.contains($0) }.sorted()
        if !unused.isEmpty { throw .unusedKeys(unused) }
    }
}
