#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PixTensor
import PixWeights

/// A weights file checked once, strictly, against the full list of keys and shapes a model needs
/// (missing key, unexpected key, wrong shape or dtype: an error naming the key), then read tensor by tensor
/// on demand so that a model can stream its layers. Tensors are read with pread and converted to fp32 in
/// 4 MiB chunks: the half-precision file is never mapped into the process (it stays in the page cache, not
/// in the resident set), and only the tensors in use exist as fp32. Embedding lookups read only their rows.
public final class CheckedWeights: @unchecked Sendable {
    public let expected: [String: [Int]]
    private var entries: [String: (file: Int, info: TensorInfo, dtype: DType)] = [:]
    private var fds: [Int32] = []
    private var dataStarts: [Int] = []
    private let paths: [String]

    public init(paths: [String], expected: [String: [Int]]) throws(ModelError) {
        self.paths = paths
        self.expected = expected
        var problems: [String] = []
        var seen: [String: TensorInfo] = [:]
        for (i, p) in paths.enumerated() {
            // Header only: SafeTensorsFile validates it (offsets, sizes) and is released at once.
            let f: SafeTensorsFile
            do { f = try SafeTensorsFile(path: p) } catch { closeAll(); throw .weights(error.description) }
            let fd = open(p, O_RDONLY)
            guard fd >= 0 else { closeAll(); throw .io("cannot open \(p)") }
            fds.append(fd)
            var n: UInt64 = 0
            guard pread(fd, &n, 8, 0) == 8 else { closeAll(); throw .io("cannot read the header of \(p)") }
            dataStarts.append(8 + Int(UInt64(littleEndian: n)))
            for (k, info) in f.tensors {
                if seen[k] != nil { problems.append("\(k) appears in more than one file") }
                seen[k] = info
                if let dt = DType(rawValue: info.dtype) { entries[k] = (i, info, dt) }
            }
        }
        for (k, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let info = seen[k] else { problems.append("missing \(k)"); continue }
            if info.shape != shape { problems.append("\(k) has shape \(info.shape), expected \(shape)") }
            if DType(rawValue: info.dtype) == nil { problems.append("\(k) has unsupported dtype \(info.dtype)") }
        }
        let extra = seen.keys.filter { expected[$0] == nil }.sorted()
        if !extra.isEmpty { problems.append("unexpected \(extra.prefix(5).joined(separator: ", "))\(extra.count > 5 ? " (+\(extra.count - 5))" : "")") }
        if !problems.isEmpty {
            closeAll()
            throw .weights("\(paths.joined(separator: ", ")): \(problems.prefix(6).joined(separator: "; "))")
        }
    }

    deinit { closeAll() }

    private func closeAll() { for fd in fds { close(fd) }; fds = [] }

    /// The tensor `key` converted to fp32.
    public func load(_ key: String) throws(ModelError) -> Tensor {
        guard let shape = expected[key], let e = entries[key] else { throw .weights("no weight \(key) in the model's key table") }
        let t = Tensor(shape: shape)
        try read(e, elementOffset: 0, count: t.count, into: t.pointer, key: key)
        return t
    }

    /// Rows `ids` of a 2-D table `key` [rows, dim] as [ids.count, dim] (embedding lookup, reads only those rows).
    public func gatherRows(_ key: String, ids: [Int32]) throws(ModelError) -> Tensor {
        guard let shape = expected[key], shape.count == 2, let e = entries[key] else { throw .weights("\(key) is not a 2-D table") }
        let dim = shape[1]
        let out = Tensor(shape: [ids.count, dim])
        for (r, id) in ids.enumerated() {
            guard id >= 0, Int(id) < shape[0] else { throw .invalidInput("token id \(id) outside the vocabulary of \(shape[0])") }
            try read(e, elementOffset: Int(id) * dim, count: dim, into: out.pointer + r * dim, key: key)
        }
        return out
    }

    private func read(_ e: (file: Int, info: TensorInfo, dtype: DType), elementOffset: Int, count: Int,
                      into out: UnsafeMutablePointer<Float>, key: String) throws(ModelError) {
        let es = e.dtype.size
        let chunk = 1 << 20   // elements per pread
        let buf = UnsafeMutableRawPointer.allocate(byteCount: min(count, chunk) * es + 8, alignment: 16)
        defer { buf.deallocate() }
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let off = dataStarts[e.file] + e.info.begin + (elementOffset + done) * es
            var got = 0
            while got < n * es {
                let r = pread(fds[e.file], buf + got, n * es - got, off_t(off + got))
                if r <= 0 { throw .io("cannot read \(key) from \(paths[e.file])") }
                got += r
            }
            let o = out + done
            switch e.dtype {
            case .f32: for i in 0..<n { o[i] = Float(bitPattern: UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .f16: for i in 0..<n { o[i] = halfToFloat(UInt16(littleEndian: buf.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .bf16: for i in 0..<n { o[i] = bf16ToFloat(UInt16(littleEndian: buf.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            }
            done += n
        }
    }
}
