import Foundation
import PixTensor

/// One tensor's entry in a safetensors header.
public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: String   // as written in the file; convertible ones are DType's raw values
    public var shape: [Int]
    public var begin: Int      // byte offsets relative to the data section
    public var end: Int
}

/// A memory-mapped safetensors file (https://github.com/huggingface/safetensors format:
/// u64 little-endian header size N, N bytes of JSON, then the data section).
/// Every header field is validated on open: JSON well-formed, dtype known, shape non-negative with no
/// overflow, offsets inside the data section, byte length == element count × dtype size.
/// Unknown dtypes are accepted in the header and fail only when the tensor is loaded.
public final class SafeTensorsFile: @unchecked Sendable {
    public let path: String
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    private let base: UnsafeRawPointer?
    private let mappedSize: Int
    private let dataStart: Int

    static let dtypeSizes: [String: Int] = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
                                            "I8": 1, "U8": 1, "BOOL": 1, "U16": 2, "U32": 4, "U64": 8,
                                            "F8_E4M3": 1, "F8_E5M2": 1]

    public init(path: String) throws(WeightsError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw .io(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        if size < 8 { throw .malformed(path: path, reason: "file is \(size) bytes, shorter than the 8-byte header size") }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw .io(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let raw = UnsafeRawPointer(m)
        base = raw
        mappedSize = size
        do {
            let n = raw.loadUnaligned(as: UInt64.self).littleEndian
            guard n <= UInt64(size - 8) else {
                throw WeightsError.malformed(path: path, reason: "header size \(n) exceeds the file (\(size) bytes)")
            }
            let hlen = Int(n)
            dataStart = 8 + hlen
            let json = Data(bytes: raw + 8, count: hlen)
            (tensors, metadata) = try SafeTensorsFile.parseHeader(json, path: path, dataSize: size - dataStart)
        } catch let e as WeightsError {
            munmap(UnsafeMutableRawPointer(mutating: raw), size)
            throw e
        } catch {
            munmap(UnsafeMutableRawPointer(mutating: raw), size)
            throw .malformed(path: path, reason: "\(error)")
        }
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), mappedSize) }
    }

    static func parseHeader(_ json: Data, path: String, dataSize: Int) throws(WeightsError) -> ([String: TensorInfo], [String: String]) {
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: json, options: []) } catch {
            throw .malformed(path: path, reason: "header is not valid JSON")
        }
        guard let dict = obj as? [String: Any] else { throw .malformed(path: path, reason: "header is not a JSON object") }
        var out: [String: TensorInfo] = [:]
        var meta: [String: String] = [:]
        for (name, value) in dict {
            if name == "__metadata__" {
                guard let md = value as? [String: Any] else { throw .malformed(path: path, reason: "__metadata__ is not an object") }
                for (k, v) in md {
                    guard let s = v as? String else { throw .malformed(path: path, reason: "__metadata__[\(k)] is not a string") }
                    meta[k] = s
                }
                continue
            }
            guard let e = value as? [String: Any] else { throw .malformed(path: path, reason: "entry \(name) is not an object") }
            guard let dtype = e["dtype"] as? String else { throw .malformed(path: path, reason: "entry \(name): missing dtype") }
            guard let esize = dtypeSizes[dtype] else { throw .malformed(path: path, reason: "entry \(name): unknown dtype \(dtype)") }
            guard let shapeAny = e["shape"] as? [Any] else { throw .malformed(path: path, reason: "entry \(name): missing shape") }
            var shape: [Int] = []
            var count = 1
            for d in shapeAny {
                guard let di = SafeTensorsFile.int(d), di >= 0 else { throw .malformed(path: path, reason: "entry \(name): bad shape") }
                shape.append(di)
                let (p, o) = count.multipliedReportingOverflow(by: di)
                if o || p > dataSize { throw .malformed(path: path, reason: "entry \(name): shape \(shape) needs more than the data section (\(dataSize) bytes)") }
                count = p
            }
            guard let offs = e["data_offsets"] as? [Any], offs.count == 2,
                  let b = SafeTensorsFile.int(offs[0]), let en = SafeTensorsFile.int(offs[1]) else {
                throw .malformed(path: path, reason: "entry \(name): bad data_offsets")
            }
            guard b >= 0, en >= b, en <= dataSize else {
                throw .malformed(path: path, reason: "entry \(name): data_offsets [\(b), \(en)] outside the data section (\(dataSize) bytes)")
            }
            guard en - b == count * esize else {
                throw .malformed(path: path, reason: "entry \(name): \(en - b) bytes for \(count) elements of \(dtype)")
            }
            out[name] = TensorInfo(name: name, dtype: dtype, shape: shape, begin: b, end: en)
        }
        return (out, meta)
    }

    private static func int(_ v: Any) -> Int? {
        if let n = v as? NSNumber {  // JSON numbers (booleans read as 0/1, harmless)
            let d = n.doubleValue
            guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
            return Int(d)
        }
        return nil
    }

    /// Converts tensor `name` to fp32 into `out` (capacity ≥ its element count).
    public func read(_ name: String, into out: UnsafeMutablePointer<Float>) throws(WeightsError) {
        guard let info = tensors[name] else { throw .missingKey(name) }
        guard let dt = DType(rawValue: info.dtype) else { throw .unsupportedDType(key: name, dtype: info.dtype) }
        guard let base else { throw .io(path: path, reason: "not mapped") }
        let src = base + dataStart + info.begin
        let n = (info.end - info.begin) / dt.size
        switch dt {
        case .f32:
            for i in 0..<n { out[i] = Float(bitPattern: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
        case .f16:
            for i in 0..<n { out[i] = halfToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
        case .bf16:
            for i in 0..<n { out[i] = bf16ToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
        }
    }

    /// Loads tensor `name` as a new fp32 Tensor of its stored shape.
    public func tensor(_ name: String) throws(WeightsError) -> Tensor {
        guard let info = tensors[name] else { throw .missingKey(name) }
        let t = Tensor(shape: info.shape)
        try read(name, into: t.pointer)
        return t
    }

    /// Writes tensors to a safetensors file (keys sorted, offsets contiguous), converting to `dtype`.
    public static func write(_ items: [(String, Tensor)], dtype: DType = .f32, metadata: [String: String] = [:],
                             to path: String) throws(WeightsError) {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let sorted = items.sorted { $0.0 < $1.0 }
        for (name, t) in sorted {
            let bytes = t.count * dtype.size
            header[name] = ["dtype": dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json: Data
        do { json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) } catch {
            throw .io(path: path, reason: "header encoding failed")
        }
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, t) in sorted {
            for i in 0..<t.count {
                switch dtype {
                case .f32: var v = t[i].bitPattern.littleEndian; withUnsafeBytes(of: &v) { data.append(contentsOf: $0) }
                case .f16: var v = floatToHalf(t[i]).littleEndian; withUnsafeBytes(of: &v) { data.append(contentsOf: $0) }
                case .bf16: var v = floatToBF16(t[i]).littleEndian; withUnsafeBytes(of: &v) { data.append(contentsOf: $0) }
                }
            }
        }
        do { try data.write(to: URL(fileURLWithPath: path)) } catch { throw .io(path: path, reason: "\(error)") }
    }
}
