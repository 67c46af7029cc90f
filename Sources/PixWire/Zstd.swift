internal import CZstd

/// zstd compression for frame payloads and preview pixels; decompression is bounded.
public enum Zstd {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case compress(String)
        case decompress(String)
        case tooLarge(max: Int)
        public var description: String {
            switch self {
            case .compress(let s): "zstd compression failed: \(s)"
            case .decompress(let s): "zstd data is invalid: \(s)"
            case .tooLarge(let m): "zstd data decompresses to more than \(m) bytes"
            }
        }
    }

    /// Level 1: previews are sent every step; speed matters more than ratio.
    public static func compress(_ input: [UInt8], level: Int32 = 1) throws(Failure) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { o in
            input.withUnsafeBytes { i in ZSTD_compress(o.baseAddress, bound, i.baseAddress, i.count, level) }
        }
        if ZSTD_isError(n) != 0 { throw .compress(String(cString: ZSTD_getErrorName(n))) }
        out.removeSubrange(n...)
        return out
    }

    /// Decompresses one or more zstd frames; fails past `maxBytes` of output without allocating more.
    public static func decompress(_ input: [UInt8], maxBytes: Int) throws(Failure) -> [UInt8] {
        guard let ds = ZSTD_createDStream() else { throw .decompress("out of memory") }
        defer { ZSTD_freeDStream(ds) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: min(max(maxBytes, 1), 1 << 20))
        var failure: Failure?
        input.withUnsafeBytes { (ib: UnsafeRawBufferPointer) in
            var inBuf = ZSTD_inBuffer(src: ib.baseAddress, size: ib.count, pos: 0)
            while true {
                let (ret, produced) = chunk.withUnsafeMutableBytes { cb in
                    var outBuf = ZSTD_outBuffer(dst: cb.baseAddress, size: cb.count, pos: 0)
                    let r = ZSTD_decompressStream(ds, &outBuf, &inBuf)
                    return (r, outBuf.pos)
                }
                if ZSTD_isError(ret) != 0 { failure = .decompress(String(cString: ZSTD_getErrorName(ret))); return }
                if out.count + produced > maxBytes { failure = .tooLarge(max: maxBytes); return }
                out.append(contentsOf: chunk[0..<produced])
                if ret == 0 {
                    // A frame ended and is flushed; stop at the end of the input, else read the next frame.
                    if inBuf.pos == inBuf.size { return }
                } else if inBuf.pos == inBuf.size && produced < chunk.count {
                    failure = .decompress("truncated zstd frame"); return
                }
            }
        }
        if let failure { throw failure }
        return out
    }
}
