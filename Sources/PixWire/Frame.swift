/// One frame of the byte stream: 1 flag byte (bit 0: payload zstd-compressed; other bits 0),
/// a 4-byte big-endian payload length, then the payload (one protobuf message, maybe compressed).
public struct Frame: Sendable, Equatable {
    public static let headerSize = 5
    public static let compressedFlag: UInt8 = 0x01
    /// Default cap on a frame's payload (and on a compressed payload's decompressed size).
    public static let defaultMaxBytes = 64 << 20

    public var flags: UInt8
    /// The payload as it travels (compressed when `flags & compressedFlag`).
    public var payload: [UInt8]

    public init(flags: UInt8 = 0, payload: [UInt8]) {
        self.flags = flags
        self.payload = payload
    }

    public var isCompressed: Bool { flags & Frame.compressedFlag != 0 }

    /// The frame's bytes on the wire.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Frame.headerSize + payload.count)
        let n = UInt32(truncatingIfNeeded: payload.count)
        out.append(flags)
        out.append(UInt8(truncatingIfNeeded: n >> 24)); out.append(UInt8(truncatingIfNeeded: n >> 16))
        out.append(UInt8(truncatingIfNeeded: n >> 8)); out.append(UInt8(truncatingIfNeeded: n))
        out.append(contentsOf: payload)
        return out
    }

    /// A frame holding `message`, zstd-compressed when `compress` (worth it for large PNG payloads).
    public static func wrapping(_ message: [UInt8], compress: Bool = false) -> Frame {
        if compress, let packed = try? Zstd.compress(message) {
            return Frame(flags: compressedFlag, payload: packed)
        }
        return Frame(flags: 0, payload: message)
    }

    /// The protobuf message inside, decompressing (bounded by `maxBytes`) when flagged.
    public func message(maxBytes: Int = Frame.defaultMaxBytes) throws(FrameError) -> [UInt8] {
        guard isCompressed else { return payload }
        do { return try Zstd.decompress(payload, maxBytes: maxBytes) } catch {
            throw .badCompression("\(error)")
        }
    }
}

/// Why a byte stream is not a valid sequence of frames. Any of these ends the connection.
public enum FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Flag bits other than bit 0 are set.
    case badFlags(UInt8)
    /// The header announces more than the configured maximum.
    case tooLarge(length: Int, max: Int)
    /// A compressed payload that does not decompress, or decompresses beyond the maximum.
    case badCompression(String)

    public var description: String {
        switch self {
        case .badFlags(let f): "frame flag byte 0x\(String(f, radix: 16)) has reserved bits set (only bit 0 is defined)"
        case .tooLarge(let n, let m): "frame of \(n) bytes exceeds the maximum of \(m) bytes"
        case .badCompression(let why): "compressed frame payload is invalid: \(why)"
        }
    }
}
